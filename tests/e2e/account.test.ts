// A supporter's account in a real browser: simulated payments, sign-in through the dev mailbox.
// One supporter goes from digital to print, downloads their data and erases themselves; another
// is the "somebody else" their data must not mention, and has every account page checked with axe
// (WCAG 2.2 A and AA, serious or critical) and for sideways scrolling at 360 px.
import { readFile } from "node:fs/promises";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import {
  becomeSupporter,
  completeGift,
  horizontalOverflow,
  openMail,
  openSignInLink,
  readProgress,
  signIn,
} from "./flows";

requireChromium();

const SUPPORTER = "reader@example.net";
const AXE_SUPPORTER = "axe-reader@example.net";
/** A one-off donor: someone else's data, and a control that the outbox is delivering. */
const BYSTANDER = "bystander@example.net";

let app: E2E;
/** The signed-in browser state the first test leaves for the second. */
let signedIn: Awaited<ReturnType<BrowserContext["storageState"]>> | undefined;

beforeAll(async () => {
  app = await startE2E();
  await app.withPage({ javaScriptEnabled: false }, async (page) => {
    await completeGift(page, { amount: "$25", email: BYSTANDER, name: "Bea Bystander" });
    await becomeSupporter(page, { plan: "Digital supporter", email: AXE_SUPPORTER });
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const summaryValue = (page: Page, term: string) =>
  page
    .locator("dt", { hasText: new RegExp(`^${term}$`) })
    .locator("xpath=following-sibling::dd[1]")
    .innerText();

/** How many dev-mailbox rows are to `to` with a subject matching `subject`. */
async function mailCount(page: Page, to: string, subject: RegExp) {
  await page.goto("/dev/mailbox");
  return page
    .getByRole("row")
    .filter({ has: page.getByRole("cell", { name: to, exact: true }) })
    .filter({ has: page.getByRole("link", { name: subject }) })
    .count();
}

describe("a supporter's account", () => {
  it("a digital supporter signs in, is told to add an address before print, adds it (after a field error) and switches to print", async () => {
    await app.withPage({}, async (page, context) => {
      await becomeSupporter(page, { plan: "Digital supporter", email: SUPPORTER });
      await signIn(page, SUPPORTER);
      const receives = page.getByRole("region", { name: "What you receive" });
      expect(await receives.innerText()).toMatch(/Digital edition \(Digital supporter\), renewing monthly/);
      expect(await receives.innerText()).not.toMatch(/Print/);

      await page
        .getByRole("region", { name: "Regular support" })
        .getByRole("link", { name: "Digital supporter", exact: true })
        .click();
      await page.waitForURL(/\/account\/subscriptions\/\d+$/);
      const subscriptionPath = new URL(page.url()).pathname;
      await waitForHydration(page);
      expect(await summaryValue(page, "Amount")).toBe("$5 AUD a month");

      // No postal address on file: refused, with the reason at the tier switch and a way to the details page.
      const tier = page.getByRole("region", { name: "Digital or print" });
      await tier.getByRole("button", { name: "Switch to Print supporter ($10 a month)" }).click();
      await page.getByRole("alert").waitFor();
      expect(await tier.locator("#plan-error").innerText()).toBe(
        "Print editions are posted: add your postal address first.",
      );
      expect(await tier.getByRole("link", { name: "Add your postal address" }).getAttribute("href")).toBe(
        "/account/profile",
      );
      expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Digital supporter");

      // The details page: a missing postcode is explained at its field, and what was typed stays.
      await tier.getByRole("link", { name: "Add your postal address" }).click();
      await page.getByRole("heading", { level: 1, name: "Your details" }).waitFor();
      await waitForHydration(page);
      await page.getByLabel("Street address", { exact: true }).fill("12 Printers Lane");
      await page.getByLabel("Town or city", { exact: true }).fill("Fitzroy");
      await page.getByLabel("State (optional)", { exact: true }).fill("VIC");
      await page.getByLabel("Country code", { exact: true }).fill("AU");
      await page.getByRole("button", { name: "Save details" }).click();
      await page.getByRole("alert").waitFor();
      expect(await page.locator("#postalCode-error").innerText()).toBe("Enter your postcode.");
      expect(await page.getByLabel("Postcode", { exact: true }).getAttribute("aria-invalid")).toBe("true");
      expect(
        await page
          .getByRole("alert")
          .getByRole("link", { name: "Postcode: Enter your postcode." })
          .getAttribute("href"),
      ).toBe("#postalCode");
      expect(await page.getByLabel("Street address", { exact: true }).inputValue()).toBe("12 Printers Lane");
      expect(await page.getByLabel("Town or city", { exact: true }).inputValue()).toBe("Fitzroy");
      expect(await page.getByLabel("State (optional)", { exact: true }).inputValue()).toBe("VIC");
      expect(await page.getByLabel("Country code", { exact: true }).inputValue()).toBe("AU");
      await page.getByLabel("Postcode", { exact: true }).fill("3065");
      await page.getByRole("button", { name: "Save details" }).click();
      await page.getByRole("status").filter({ hasText: "Your details are saved." }).waitFor();

      // Now the switch goes through: "updating" while the provider confirms, then the print tier.
      await page.goto(subscriptionPath);
      await waitForHydration(page);
      await page
        .getByRole("region", { name: "Digital or print" })
        .getByRole("button", { name: "Switch to Print supporter ($10 a month)" })
        .click();
      const updating = page.getByRole("status").filter({ hasText: /^Updating…/ });
      const printHeading = page.getByRole("heading", { level: 1, name: "Print supporter", exact: true });
      await updating.or(printHeading).first().waitFor();
      await printHeading.waitFor({ timeout: 15_000 });
      await expect.poll(() => updating.count(), { timeout: 15_000 }).toBe(0);
      expect(await summaryValue(page, "Amount")).toBe("$10 AUD a month");
      expect(await page.getByRole("alert").count()).toBe(0);

      await page.goto("/account");
      expect(await page.getByRole("region", { name: "What you receive" }).innerText()).toMatch(
        /Print and digital editions \(Print supporter\), renewing monthly/,
      );

      signedIn = await context.storageState();
      const mail = await openMail(page, { to: SUPPORTER, subject: /has changed/ });
      expect(mail.text).toMatch(/Print supporter/);
    });
  });

  it("the same supporter downloads their data, then erases themselves: signed out, no more sign-in mail, the campaign total unchanged", async () => {
    expect(signedIn, "the first test signs the supporter in").toBeDefined();
    await app.withPage({ storageState: signedIn }, async (page) => {
      await page.goto("/account");
      const receiptNumbers = (await page.getByRole("link", { name: /^No\. \d+$/ }).allInnerTexts()).map((text) =>
        Number(text.replace("No. ", "")),
      );
      expect(receiptNumbers.length).toBeGreaterThan(0);

      await page.goto("/account/privacy");
      await waitForHydration(page);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download my data" }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^my-data-\d{4}-\d{2}-\d{2}\.json$/);
      const text = await readFile((await download.path())!, "utf8");
      const data = JSON.parse(text) as {
        supporter: { email: string };
        organisation: { contactEmail: string };
        payments: { receiptNumber: number }[];
        receipts: { receiptNumber: number }[];
      };
      expect(data.supporter.email).toBe(SUPPORTER);
      expect(data.payments.map((p) => p.receiptNumber).sort()).toEqual([...receiptNumbers].sort());
      expect(data.receipts.map((r) => r.receiptNumber).sort()).toEqual([...receiptNumbers].sort());
      const emails = new Set(text.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? []);
      emails.delete(SUPPORTER);
      emails.delete(data.organisation.contactEmail);
      expect([...emails], "addresses in the export other than the supporter's and the organisation's").toEqual([]);
      expect(text).not.toContain(AXE_SUPPORTER);
      expect(text).not.toContain(BYSTANDER);

      await page.goto("/");
      const before = await readProgress(page);

      // Erasing takes two steps: "Erase me…", then a ticked box and the button.
      await page.goto("/account/privacy");
      await waitForHydration(page);
      await page.getByRole("link", { name: "Erase me…" }).click();
      await page.getByRole("button", { name: "Erase my details now" }).click();
      await page.getByRole("alert").waitFor();
      expect(await page.locator("#confirm-error").innerText()).toBe(
        "Tick the box to confirm that you want your details erased.",
      );
      expect(page.url()).toMatch(/\/account\/privacy/);
      await page.getByLabel("I understand this cannot be undone, and that I will be signed out.").check();
      await page.getByRole("button", { name: "Erase my details now" }).click();
      await page.waitForURL(/\/account\/erased$/);
      await page.getByRole("heading", { level: 1, name: "Your details are erased" }).waitFor();

      await page.goto("/account");
      expect(new URL(page.url()).pathname).toBe("/account/sign-in");
      await page.getByRole("heading", { level: 1, name: "Manage your support" }).waitFor();

      // Asking for a link for the old address gets the usual answer, and no email; the bystander's
      // link, asked for afterwards, shows the outbox has run since.
      const signInSubject = /sign-in link/;
      const earlier = await mailCount(page, SUPPORTER, signInSubject);
      for (const email of [SUPPORTER, BYSTANDER]) {
        await page.goto("/account/sign-in");
        await page.getByLabel("Email", { exact: true }).fill(email);
        await page.getByRole("button", { name: "Email me a sign-in link" }).click();
        await page.getByRole("heading", { name: "Check your email" }).waitFor();
      }
      await openMail(page, { to: BYSTANDER, subject: signInSubject });
      await page.waitForTimeout(500);
      expect(await mailCount(page, SUPPORTER, signInSubject)).toBe(earlier);

      await page.goto("/");
      expect(await readProgress(page)).toEqual(before);
    });
  });

  it("every account page has no serious or critical axe violations and no sideways scroll at 360 px", async () => {
    await app.withPage({ viewport: { width: 1280, height: 800 } }, async (page) => {
      const checked: string[] = [];
      /** axe at desktop width, then the same page at 360 px: soft failures, so one run lists every page's problems. */
      const audit = async (name: string) => {
        await waitForHydration(page);
        const blocking = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
        expect
          .soft(
            blocking,
            `axe found serious or critical violations on ${name} (${page.url()}):\n${describeViolations(blocking)}`,
          )
          .toEqual([]);
        await page.setViewportSize({ width: 360, height: 740 });
        const overflow = await horizontalOverflow(page);
        expect
          .soft(
            overflow.scrollWidth,
            `${name} (${page.url()}) is ${overflow.scrollWidth}px wide at 360px: ${overflow.widest.join(", ")}`,
          )
          .toBeLessThanOrEqual(360);
        await page.setViewportSize({ width: 1280, height: 800 });
        checked.push(name);
      };

      await page.goto("/account/sign-in");
      await audit("sign-in");
      await page.getByLabel("Email", { exact: true }).fill("not-an-email");
      await page.getByRole("button", { name: "Email me a sign-in link" }).click();
      await page.getByRole("alert").waitFor();
      expect(await page.getByLabel("Email", { exact: true }).getAttribute("aria-invalid")).toBe("true");
      await audit("sign-in with an error");

      const link = await openSignInLink(page, AXE_SUPPORTER);
      await page.goto("/account/sign-in?sent=1");
      await page.getByRole("heading", { name: "Check your email" }).waitFor();
      await audit("check your email");
      await page.goto(link);
      await page.getByRole("button", { name: "Continue" }).waitFor();
      await audit("the sign-in link, with Continue");
      await page.goto("/account/auth/not-a-real-link");
      await page.getByRole("heading", { level: 1, name: "This link can't be used" }).waitFor();
      await audit("an invalid link");

      await page.goto(link);
      await page.getByRole("button", { name: "Continue" }).click();
      await page.waitForURL(/\/account$/);
      await audit("the account overview");
      const subscription = (await page
        .getByRole("region", { name: "Regular support" })
        .getByRole("link", { name: "Digital supporter", exact: true })
        .getAttribute("href"))!;
      const receipt = (await page
        .getByRole("link", { name: /^No\. \d+$/ })
        .first()
        .getAttribute("href"))!;
      expect(subscription).toMatch(/^\/account\/subscriptions\/\d+$/);
      expect(receipt).toMatch(/^\/account\/receipts\/\d+$/);

      const h1 = (name: string) => page.getByRole("heading", { level: 1, name });
      const pages: [name: string, path: string, ready: Locator][] = [
        ["the subscription", subscription, page.getByRole("heading", { name: "Take a break" })],
        [
          "the cancel confirmation",
          `${subscription}?confirm=cancel`,
          page.getByRole("heading", { name: "Before you cancel" }),
        ],
        ["the details page", "/account/profile", h1("Your details")],
        ["the privacy page", "/account/privacy", page.getByRole("link", { name: "Erase me…" })],
        [
          "the privacy page confirming erasure",
          "/account/privacy?step=erase",
          page.getByRole("button", { name: "Erase my details now" }),
        ],
        ["the annual statement", "/account/statement", h1("Your annual statement")],
        ["a receipt", receipt, h1("Receipt")],
        ["the simulated card page", "/account/card/simulated", page.getByRole("button", { name: "Save a test card" })],
      ];
      for (const [name, path, ready] of pages) {
        await page.goto(path);
        await ready.waitFor();
        await audit(name);
      }
      expect(checked).toHaveLength(14);
    });
  }, 120_000);
});
