// Every change a supporter makes confirms itself, nothing ends before it is paid for,
// pausing skips what it says, and a cancellation can be taken back. Real browser, 360 and 1280 px,
// with and without JavaScript; axe on every page visited.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import {
  becomeSupporter,
  CHECKOUT_URL,
  finishCheckout,
  horizontalOverflow,
  openMail,
  signIn,
  submitGift,
} from "./flows";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const NARROW = { width: 360, height: 740 };
const WIDE = { width: 1280, height: 900 };

const summaryValue = (page: Page, term: string) =>
  page
    .locator("dt", { hasText: new RegExp(`^${term}$`) })
    .locator("xpath=following-sibling::dd[1]")
    .innerText();
const flash = (page: Page) => page.locator(".flash-region[role=status] .flash");

/** The confirmation after a redirect: in the account's status region. */
async function expectFlash(page: Page, text: RegExp) {
  await expect.poll(() => flash(page).innerText()).toMatch(text);
  // Without JavaScript the confirmation, at the top, shows while the rest of the page is still
  // arriving: what the test reads next (lists that are not waited for) must be there.
  await page.waitForLoadState("load");
}

/**
 * Axe (with JavaScript) and no sideways scroll, at the width the flow runs at and at the other
 * one: each page a flow reaches is checked at 360 px and 1280 px, with and without JavaScript,
 * while each flow runs once per JavaScript setting.
 */
async function audit(page: Page, js: boolean, name: string) {
  const flowViewport = page.viewportSize()!;
  for (const viewport of [flowViewport, flowViewport.width === NARROW.width ? WIDE : NARROW]) {
    await page.setViewportSize(viewport);
    const where = `${name} at ${viewport.width} px`;
    // axe runs on timers, which a page without JavaScript never fires: the same markup is checked in the runs with it.
    if (js) {
      await waitForHydration(page);
      const blocking = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
      expect.soft(blocking, `axe on ${where} (${page.url()}):\n${describeViolations(blocking)}`).toEqual([]);
    }
    const overflow = await horizontalOverflow(page);
    expect
      .soft(overflow.scrollWidth, `${where} is wider than the screen: ${overflow.widest.join(", ")}`)
      .toBeLessThanOrEqual(viewport.width);
  }
  await page.setViewportSize(flowViewport);
}

async function openSubscription(page: Page, name: RegExp) {
  await page.goto("/account");
  await page.getByRole("link", { name }).first().click();
  await page.waitForURL(/\/account\/subscriptions\/\d+$/);
}

const shortDate = /^\d{1,2} \w+ \d{4}$/;

// Each flow runs once with JavaScript (at 1280 px) and once without (at 360 px, the harder case);
// every page it reaches is audited at both widths (audit above).
describe.each([
  { js: true, viewport: WIDE, label: "JavaScript, 1280 px" },
  { js: false, viewport: NARROW, label: "no JavaScript, 360 px" },
])("account changes ($label)", ({ js, viewport, label }) => {
  const tag = label.replace(/\W+/g, "-").toLowerCase();

  it("an abandoned move to 12 months leaves the monthly support running with no end date; paying ends it at the period end", async () => {
    await app.withPage({ javaScriptEnabled: js, viewport }, async (page) => {
      const email = `year-${tag}@example.net`;
      await becomeSupporter(page, { plan: "Digital supporter", email });
      await signIn(page, email);
      await openSubscription(page, /^Digital supporter/);
      const nextPayment = await summaryValue(page, "Next payment");
      await page.getByRole("button", { name: /^Pay .* once instead$/ }).click();
      await page.waitForURL(CHECKOUT_URL);
      // Leaves without paying.
      await openSubscription(page, /^Digital supporter/);
      expect(await summaryValue(page, "Status")).toBe("Active");
      expect(await summaryValue(page, "Next payment")).toBe(nextPayment);
      expect(await page.locator("dt", { hasText: /^Ends on$/ }).count()).toBe(0);
      await audit(page, js, "subscription after an abandoned 12-month move");

      // Declining the card changes nothing either.
      await page.getByRole("button", { name: /^Pay .* once instead$/ }).click();
      await page.waitForURL(CHECKOUT_URL);
      await finishCheckout(page, "Decline");
      await openSubscription(page, /^Digital supporter/);
      expect(await summaryValue(page, "Next payment")).toBe(nextPayment);

      // Paying does: the monthly ends where the month paid for ends, and the 12 months start there.
      await page.getByRole("button", { name: /^Pay .* once instead$/ }).click();
      await page.waitForURL(CHECKOUT_URL);
      await finishCheckout(page, "Pay");
      await page.goto("/account");
      await page
        .getByRole("link", { name: /^Digital supporter/ })
        .first()
        .click();
      await page.getByText(/^Your 12-month payment is received/).waitFor();
      expect(await summaryValue(page, "Ends on")).toBe(nextPayment);
      expect(await page.getByRole("button", { name: "Keep my support" }).count()).toBe(0);
      const mail = await openMail(page, {
        to: email,
        subject: /has changed/,
        containing: /12-month payment is received/,
      });
      expect(mail.text).toMatch(/Your monthly payments end on/);
    });
  }, 120_000);

  it("each change confirms itself; pause 2 months skips two payments; keep my support undoes a cancellation; the last email says cancelled", async () => {
    await app.withPage({ javaScriptEnabled: js, viewport }, async (page) => {
      const email = `changes-${tag}@example.net`;
      await page.goto("/");
      await submitGift(page, { amount: "$25", email, frequency: "Monthly" });
      await finishCheckout(page, "Pay");
      await signIn(page, email);
      await audit(page, js, "account overview");
      await openSubscription(page, /^Monthly gift to /);
      await audit(page, js, "subscription");

      await page.getByLabel("New monthly amount (AUD)").fill("30");
      await page.getByRole("button", { name: "Change amount" }).click();
      await expectFlash(page, /^✓ Done: your monthly amount is now \$30, from your next payment\.$/);
      expect(await summaryValue(page, "Amount")).toBe("$30 AUD a month");
      await audit(page, js, "subscription with a confirmation");

      // Before confirming: the option says which two payments are skipped.
      const nextPayment = await summaryValue(page, "Next payment");
      const option = await page.getByLabel("Pause payments for").locator("option[value='2']").innerText();
      expect(option).toContain(`Skips the 2 payments of ${nextPayment} and `);
      await page.getByLabel("Pause payments for").selectOption("2");
      await page.getByRole("button", { name: "Pause payments" }).click();
      await expectFlash(page, /^✓ Done: payments are paused\./);
      // After confirming: the same two dates, and the one payments start again.
      const skipped = await page
        .locator("dt", { hasText: /^Payments skipped$/ })
        .locator("xpath=following-sibling::dd[1]//li")
        .allInnerTexts();
      expect(skipped).toHaveLength(2);
      expect(skipped[0]).toBe(nextPayment);
      expect(option).toContain(
        `${skipped[0]} and ${skipped[1]}; payments start again on ${await summaryValue(page, "Payments start again on")}.`,
      );
      expect(await summaryValue(page, "Paused until")).toMatch(shortDate);
      await audit(page, js, "paused subscription");

      await page.getByRole("button", { name: "Resume payments now" }).click();
      await expectFlash(page, /^✓ Done: payments have resumed\.$/);
      await page.getByRole("link", { name: "Cancel this support" }).click();
      await page.getByRole("heading", { name: "Before you cancel" }).waitFor();
      await audit(page, js, "cancel confirmation");
      await page.getByRole("button", { name: "Cancel at the end of the paid period" }).click();
      await expectFlash(page, /^✓ Done: your support is cancelled\./);
      await page.getByText(/^This support ends on /).waitFor();
      await audit(page, js, "ending subscription");

      // Resume then cancel in quick succession: the newest email in the inbox says cancelled.
      await openMail(page, { to: email, subject: /has changed/, containing: /cancelled/ });
      const newest = await openMail(page, { to: email, subject: /has changed/ });
      expect(newest.text).toMatch(/cancelled: your support ends on/);
      expect(newest.text).not.toMatch(/payments have resumed/);

      await openSubscription(page, /^Monthly gift to /);
      await page.getByRole("button", { name: "Keep my support" }).click();
      await expectFlash(page, /^✓ Done: your support carries on\. It will not end\.$/);
      expect(await summaryValue(page, "Next payment")).toMatch(shortDate);
      expect(await page.locator("dt", { hasText: /^Ends on$/ }).count()).toBe(0);
      await page.getByRole("link", { name: "Cancel this support" }).waitFor();

      // The card, the profile and signing out confirm themselves the same way.
      await page.goto("/account/card");
      await audit(page, js, "card");
      await page.getByRole("button", { name: "Update card" }).click();
      await page.getByRole("button", { name: "Save a test card" }).click();
      await page.waitForURL(/\/account$/);
      await expectFlash(page, /^✓ Done: your new card is saved\./);
      await page.goto("/account/profile");
      await audit(page, js, "profile");
      await page.getByLabel("Your name", { exact: true }).fill("Changer");
      await page.getByRole("button", { name: "Save details" }).click();
      await expectFlash(page, /^✓ Done: your details are saved\.$/);
      // Said once: a reload no longer says it.
      await page.reload();
      await page.getByRole("heading", { name: "Your details" }).waitFor();
      expect(await flash(page).count()).toBe(0);
      await page.goto("/account");
      await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
      await page.waitForURL(/\/account\/sign-in$/);
      await expectFlash(page, /^✓ You are signed out\.$/);
      await audit(page, js, "sign-in after signing out");
    });
  }, 90_000);
});
