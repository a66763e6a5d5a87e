// ADR 040: after a one-off gift the thank-you page offers to make it monthly
// (one step, amount prefilled, frequency on the button) and a share link (plain links, and the
// Web Share API where the browser has it). 360 px and 1280 px, with and without JavaScript, axe.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import { auditBothWidths, CHECKOUT_URL, finishCheckout, FLOW_VIEWS, submitGift } from "./flows";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

async function confirmed(page: Page) {
  await page
    .getByRole("heading", { level: 1, name: "Thank you — your payment is confirmed" })
    .waitFor({ timeout: 10_000 });
}

describe("after a one-off gift", () => {
  for (const { width, javaScriptEnabled } of FLOW_VIEWS) {
    const how = `${width} px, ${javaScriptEnabled ? "with" : "without"} JavaScript`;

    it(`make it monthly in one step, and share the campaign (${how})`, async () => {
      await app.withPage({ viewport: { width, height: 900 }, javaScriptEnabled }, async (page) => {
        if (javaScriptEnabled) {
          // A browser with the Web Share API: what it was asked to share is kept for the test.
          await page.addInitScript(() => {
            Object.defineProperty(navigator, "share", {
              configurable: true,
              value: (data: unknown) => (((window as unknown as { shared: unknown }).shared = data), Promise.resolve()),
            });
          });
        }
        await page.goto("/");
        const email = `after-${width}-${javaScriptEnabled}@example.net`;
        await submitGift(page, { amount: "$50", email, name: "Mo Monthly" });
        await finishCheckout(page, "Pay");
        await confirmed(page);

        await page.getByRole("heading", { level: 2, name: "Make it monthly?" }).waitFor();
        const share = page.getByRole("region", { name: "Tell others" });
        const link = share.getByRole("link", { name: /\/c\/fighting-fund-2026$/ });
        expect(await link.getAttribute("href")).toMatch(/^http:\/\/[^/]+\/c\/fighting-fund-2026$/);
        const mailto = (await share.getByRole("link", { name: "Share by email" }).getAttribute("href"))!;
        expect(mailto).toMatch(/^mailto:\?subject=Support%20Fighting%20Fund%202026&body=/);
        expect(decodeURIComponent(mailto)).toContain("/c/fighting-fund-2026");
        if (javaScriptEnabled) {
          await waitForHydration(page);
          await share.getByRole("button", { name: "Share…" }).click();
          const shared = await page.evaluate(() => (window as unknown as { shared: { url: string } }).shared);
          expect(shared.url).toMatch(/\/c\/fighting-fund-2026$/);
        } else {
          expect(await share.getByRole("button").count()).toBe(0);
        }
        await auditBothWidths(page, { axe: javaScriptEnabled });
        if (process.env.FF_SHOTS)
          await page.screenshot({
            path: `${process.env.FF_SHOTS}/after-gift-${width}-${javaScriptEnabled ? "js" : "nojs"}.png`,
            fullPage: true,
          });

        // One step: the button states amount and frequency, and opens the payment page for it.
        await page.getByRole("button", { name: "Give $50 every month" }).click();
        await page.waitForURL(CHECKOUT_URL);
        await page.getByRole("heading", { level: 1, name: "Confirm your monthly payment" }).waitFor();
        await finishCheckout(page, "Pay");
        await confirmed(page);
        expect((await page.locator("main").innerText()).replace(/\s+/g, " ")).toContain(
          "We have recorded $50 for Fighting Fund 2026. This gift repeats every month until you change or cancel it.",
        );
        // A monthly gift is not offered to be made monthly again.
        expect(await page.getByRole("heading", { name: "Make it monthly?" }).count()).toBe(0);
      });
    });
  }

  it("another browser opening the thank-you link gets the form with monthly and the amount chosen, no details", async () => {
    let thanksUrl = "";
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await submitGift(page, { amount: "$100", email: "elsewhere@example.net", name: "Private Giver" });
      await finishCheckout(page, "Pay");
      await confirmed(page);
      thanksUrl = page.url();
    });
    await app.withPage({ javaScriptEnabled: false }, async (page) => {
      await page.goto(thanksUrl);
      await confirmed(page);
      expect(await page.getByRole("button", { name: /every month/ }).count()).toBe(0);
      await page.getByRole("link", { name: "Give $100 every month instead" }).click();
      await page.waitForURL(/\/c\/fighting-fund-2026\?frequency=monthly&amount=10000&currency=AUD$/);
      expect(await page.getByRole("radio", { name: "Monthly", exact: true }).isChecked()).toBe(true);
      expect(await page.getByRole("radio", { name: "$100", exact: true }).isChecked()).toBe(true);
      expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe("");
    });
  });
});
