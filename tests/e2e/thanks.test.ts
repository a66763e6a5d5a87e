// The thank-you page says what happens next (ADR 035–036): for monthly support how often, the next
// payment date and where to manage it; for print when the first edition comes; for 12 months the
// end date. With and without JavaScript, at 360 px and 1280 px, checked with axe.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { requireChromium, startE2E, type E2E } from "../support/browser";
import { becomeSupporter, CHECKOUT_URL, finishCheckout, horizontalOverflow, submitGift } from "./flows";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const DATE = String.raw`\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}`;

async function confirmed(page: Page) {
  await page.getByRole("heading", { level: 1, name: "Thank you — your payment is confirmed" }).waitFor();
  return (await page.locator("main").innerText()).replace(/\s+/g, " ");
}

/**
 * Axe and the sideways-scroll check run scripts in the page: with JavaScript on only, at 1280 px
 * and again at 360 px on the same page (the flows without JavaScript run at 360 px).
 */
async function checkPage(page: Page, name: string, javaScriptEnabled: boolean) {
  if (javaScriptEnabled) {
    const flowViewport = page.viewportSize()!;
    for (const width of [flowViewport.width, 360]) {
      await page.setViewportSize({ width, height: flowViewport.height });
      const violations = await axeViolations(page);
      expect(violations, `at ${width} px: ${describeViolations(violations)}`).toEqual([]);
      expect((await horizontalOverflow(page)).widest, `at ${width} px`).toEqual([]);
    }
    await page.setViewportSize(flowViewport);
  }
  if (process.env.FF_SHOTS)
    await page.screenshot({ path: `${process.env.FF_SHOTS}/thanks-${name}.png`, fullPage: true });
}

describe("the thank-you page says what happens next", () => {
  // Each flow without JavaScript at 360 px and with it at 1280 px; the page with JavaScript is
  // also checked at 360 px (checkPage).
  for (const { width, javaScriptEnabled } of [
    { width: 360, javaScriptEnabled: false },
    { width: 1280, javaScriptEnabled: true },
  ]) {
    const how = `${width} px, ${javaScriptEnabled ? "with" : "without"} JavaScript`;

    it(`a monthly gift: every month, the next payment date, and a way to manage it (${how})`, async () => {
      await app.withPage({ viewport: { width, height: 800 }, javaScriptEnabled }, async (page) => {
        await page.goto("/");
        await submitGift(page, {
          amount: "$25",
          email: `monthly-${width}-${javaScriptEnabled}@example.net`,
          frequency: "Monthly",
        });
        await finishCheckout(page);
        const text = await confirmed(page);
        expect(text).toContain(
          "We have recorded $25 for Fighting Fund 2026. This gift repeats every month until you change or cancel it.",
        );
        expect(text).toMatch(new RegExp(`Your next payment is on ${DATE}\\.`));
        expect(text).not.toMatch(/runs until|print edition/);
        const manage = page.getByRole("link", { name: "Manage your support" });
        expect(await manage.getAttribute("href")).toBe("/account");
        await checkPage(page, `monthly-${width}-${javaScriptEnabled ? "js" : "nojs"}`, javaScriptEnabled);
        // The link leads to the account (through sign-in for a browser that is not signed in).
        await manage.click();
        await page.waitForURL(/\/account(\/sign-in)?/);
      });
    });

    it(`a print supporter: every month, the next payment, and when the first edition comes (${how})`, async () => {
      await app.withPage({ viewport: { width, height: 800 }, javaScriptEnabled }, async (page) => {
        await page.goto("/support");
        await page.getByRole("radio", { name: /^Print supporter \$10 a month/ }).check();
        await page.getByLabel("Your name", { exact: true }).fill("Pat Printreader");
        await page.getByLabel("Email", { exact: true }).fill(`print-${width}-${javaScriptEnabled}@example.net`);
        await page.getByRole("button", { name: /^Pay / }).click();
        await page.waitForURL(CHECKOUT_URL);
        const address = page.getByRole("group", { name: "Postal address for your print edition" });
        await address.getByLabel("Street address").fill("1 Printers Lane");
        await address.getByLabel("Town or city").fill("Fitzroy");
        await address.getByLabel("Postcode").fill("3065");
        await finishCheckout(page);
        const text = await confirmed(page);
        expect(text).toContain(
          "We have recorded $10 for Print supporter. You pay $10 every month until you change or cancel it.",
        );
        expect(text).toMatch(new RegExp(`Your next payment is on ${DATE}\\.`));
        expect(text).toMatch(new RegExp(`Expect your first print edition by ${DATE}\\.`));
        await page.getByRole("link", { name: "Manage your support" }).waitFor();
        await checkPage(page, `print-${width}-${javaScriptEnabled ? "js" : "nojs"}`, javaScriptEnabled);
      });
    });

    it(`12 months: the end date, no next payment, no repeated words (${how})`, async () => {
      await app.withPage({ viewport: { width, height: 800 }, javaScriptEnabled }, async (page) => {
        await becomeSupporter(page, {
          plan: "Digital supporter — 12 months",
          email: `year-${width}-${javaScriptEnabled}@example.net`,
        });
        const text = await confirmed(page);
        expect(text).toContain("We have recorded $55 for Digital supporter — 12 months.");
        expect(text).toMatch(new RegExp(`Your support runs until ${DATE}; nothing more will be charged\\.`));
        expect(text).not.toMatch(/12 months — 12 months|next payment|print edition|pause or cancel/);
        expect(text).toContain("you can renew early from there.");
        expect(await page.getByRole("link", { name: "Your account" }).getAttribute("href")).toBe("/account");
        await checkPage(page, `year-${width}-${javaScriptEnabled ? "js" : "nojs"}`, javaScriptEnabled);
      });
    });
  }
});
