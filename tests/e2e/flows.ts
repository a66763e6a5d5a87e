// What a person does on the site, as steps the e2e tests share. Selectors are roles and labels.
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";

export const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
export const CHECKOUT_URL = new RegExp(`/simulated-checkout/(${UUID})$`);
export const THANKS_URL = new RegExp(`/thanks\\?ref=(${UUID})$`);

export function giveButton(page: Page) {
  return page.getByRole("button", { name: /^Give / });
}

/** Fills the donate form on the current campaign page with a preset gift and submits it; returns the checkout id. */
export async function submitGift(
  page: Page,
  gift: { amount: string; email: string; name?: string; frequency?: "Once" | "Monthly" },
) {
  await page.getByRole("radio", { name: gift.frequency ?? "Once", exact: true }).check();
  await page.getByRole("radio", { name: gift.amount, exact: true }).check();
  if (gift.name) await page.getByLabel("Your name", { exact: true }).fill(gift.name);
  await page.getByLabel("Email", { exact: true }).fill(gift.email);
  await giveButton(page).click();
  await page.waitForURL(CHECKOUT_URL);
  return CHECKOUT_URL.exec(page.url())![1];
}

/** Presses Pay (or Decline) on the simulated checkout and waits for the thanks page. */
export async function finishCheckout(page: Page, outcome: "Pay" | "Decline" = "Pay") {
  await page.getByRole("button", { name: outcome === "Pay" ? /^Pay / : /^Decline/ }).click();
  await page.waitForURL(THANKS_URL);
  return THANKS_URL.exec(page.url())![1];
}

/** A paid one-off gift from the front page, start to finish; returns the checkout id (the thanks page's ref). */
export async function completeGift(page: Page, gift: { amount: string; email: string; name?: string }) {
  await page.goto("/");
  await submitGift(page, gift);
  const ref = await finishCheckout(page, "Pay");
  await page.getByRole("heading", { level: 1, name: /confirmed/ }).waitFor();
  return ref;
}

export async function mainHeading(page: Page) {
  return (await page.getByRole("heading", { level: 1 }).innerText()).trim();
}

/** The progress figures as the campaign page words them. */
export async function readProgress(page: Page) {
  const progress = page.getByRole("region", { name: /raised of/ });
  return {
    raised: (await progress.getByRole("heading").innerText()).trim(),
    supporters: (
      await progress.locator("dt", { hasText: "Supporters" }).locator("xpath=following-sibling::dd[1]").innerText()
    ).trim(),
  };
}

export type Mail = { subject: string; to: string; html: string; text: string };

/**
 * Opens the newest dev-mailbox message to `to` whose subject matches, reloading the list while
 * the outbox worker has not delivered it yet.
 */
export async function openMail(
  page: Page,
  {
    to,
    subject,
    containing,
    timeoutMs = 10_000,
  }: { to: string; subject: RegExp; containing?: RegExp; timeoutMs?: number },
): Promise<Mail> {
  // Several emails can share a subject ("Your support has changed"): with `containing`, wait for
  // the newest one whose text matches, since the one just caused may still be in the outbox.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto("/dev/mailbox");
    const row = page
      .getByRole("row")
      .filter({ has: page.getByRole("cell", { name: to, exact: true }) })
      .filter({ has: page.getByRole("link", { name: subject }) });
    if ((await row.count()) > 0) {
      // A full load rather than a click: a client-side transition could still show the list's heading.
      await page.goto((await row.first().getByRole("link", { name: subject }).getAttribute("href"))!);
      const frame = page.frameLocator("iframe[title^='Email:']");
      const mail = {
        subject: await mainHeading(page),
        to: (
          await page.locator("dt", { hasText: /^To$/ }).locator("xpath=following-sibling::dd[1]").innerText()
        ).trim(),
        html: await frame.locator("body").innerText(),
        text: await page.locator("pre").innerText(),
      };
      if (!containing || containing.test(mail.text) || Date.now() > deadline) return mail;
    } else if (Date.now() > deadline) {
      const list = await page.locator("main").innerText();
      throw new Error(
        `no email to ${to} matching ${subject} reached the dev mailbox within ${timeoutMs} ms; the mailbox shows:\n${list}`,
      );
    }
    await page.waitForTimeout(250);
  }
}

/** True when the page can be read without scrolling sideways at the current viewport width. */
export async function horizontalOverflow(page: Page) {
  // Measured once the page has loaded: a heading can be on screen while the rest of the document
  // and its stylesheet are still arriving (a form's redirect without JavaScript).
  await page.waitForLoadState("load");
  return page.evaluate(() => {
    const scroller = document.scrollingElement ?? document.documentElement;
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""} (right edge ${Math.round(el.getBoundingClientRect().right)}px; css width ${getComputedStyle(el).width}, parent ${el.parentElement ? getComputedStyle(el.parentElement).width : "none"})`,
      );
    // When something is too wide, say whether the page's stylesheets were applied at that moment.
    if (wide.length > 0) {
      const sheets = [...document.styleSheets].map((sheet) => {
        try {
          return `${sheet.href ?? "inline"} (${sheet.cssRules.length} rules)`;
        } catch {
          return `${sheet.href ?? "inline"} (rules unreadable)`;
        }
      });
      wide.push(`stylesheets: ${sheets.join(", ") || "none"}; readyState ${document.readyState}`);
    }
    return { scrollWidth: scroller.scrollWidth, clientWidth: window.innerWidth, widest: wide };
  });
}

/** Chooses a supporter option on /support by its name (e.g. "Digital supporter") and pays on the simulated checkout; ends on the thanks page. */
export async function becomeSupporter(page: Page, { plan, email }: { plan: string; email: string }) {
  await page.goto("/support");
  // The option's name starts with the plan's name and its price; "Digital supporter — 12 months" is another option.
  await page.getByRole("radio", { name: new RegExp(`^${plan.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?! —)`) }).check();
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: /^Pay / }).click();
  await page.waitForURL(CHECKOUT_URL);
  return finishCheckout(page, "Pay");
}

/**
 * Asks for a sign-in link at /account/sign-in and opens it from the dev mailbox: the page then
 * offers Continue. Returns the link's path.
 */
export async function openSignInLink(page: Page, email: string) {
  // A second sign-in with the same address must not open the first, used link while the new
  // email is still in the outbox: wait until there is one more sign-in email than before.
  const signInRows = async () => {
    await page.goto("/dev/mailbox");
    return page
      .getByRole("row")
      .filter({ has: page.getByRole("cell", { name: email, exact: true }) })
      .filter({ has: page.getByRole("link", { name: /sign-in link/ }) })
      .count();
  };
  const before = await signInRows();
  await page.goto("/account/sign-in");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
  for (const deadline = Date.now() + 10_000; (await signInRows()) <= before && Date.now() < deadline;)
    await page.waitForTimeout(250);
  const mail = await openMail(page, { to: email, subject: /sign-in link/ });
  const link = /\/account\/auth\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
  if (!link) throw new Error(`the sign-in email to ${email} has no /account/auth/ link:\n${mail.text}`);
  await page.goto(link);
  await page.getByRole("button", { name: "Continue" }).waitFor();
  return link;
}

/** Signs in through the dev mailbox (ask for a link, open it, press Continue); ends on /account. */
export async function signIn(page: Page, email: string) {
  await openSignInLink(page, email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(/\/account$/);
}

/** Signs a staff member in at /admin/sign-in with email and password; ends on the dashboard. */
export async function signInStaff(page: Page, { email, password }: { email: string; password: string }) {
  await page.goto("/admin/sign-in");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/admin$/);
}

/**
 * Axe (only with JavaScript: axe runs on timers) and no sideways scroll, at the page's width and
 * at the other of 360 and 1280 px (or at `widths`, e.g. a staff page's 1280 px and tablet 768 px);
 * the viewport is then restored. A flow run once without JavaScript at 360 px and once with it at
 * 1280 px thereby checks each page it reaches at both widths.
 */
export async function auditBothWidths(page: Page, { axe, widths }: { axe: boolean; widths?: readonly number[] }) {
  const flow = page.viewportSize()!;
  for (const width of widths ?? [flow.width, flow.width <= 360 ? 1280 : 360]) {
    await page.setViewportSize({ width, height: flow.height });
    if (axe) {
      const violations = await axeViolations(page);
      expect(violations, `axe at ${width} px (${page.url()}):\n${describeViolations(violations)}`).toEqual([]);
    }
    expect((await horizontalOverflow(page)).widest, `sideways scroll at ${width} px (${page.url()})`).toEqual([]);
  }
  await page.setViewportSize(flow);
}

/** The two runs of a flow: without JavaScript at 360 px, with it at 1280 px (each audited at both widths). */
export const FLOW_VIEWS = [
  { width: 360, javaScriptEnabled: false },
  { width: 1280, javaScriptEnabled: true },
] as const;
