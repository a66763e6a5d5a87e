// ADR 040: after a declined card, or back from the payment page by its cancel
// link, the donate form comes back with everything the reader typed. With and without
// JavaScript, at 360 px and 1280 px, checked with axe.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, type E2E } from "../support/browser";
import { auditBothWidths, CHECKOUT_URL, finishCheckout, FLOW_VIEWS, giveButton, UUID } from "./flows";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

type Gift = { email: string; name: string; message: string; customAmount: string };

async function fillGift(page: Page, gift: Gift) {
  await page.getByRole("radio", { name: "Monthly", exact: true }).check();
  await page.getByRole("radio", { name: "Other", exact: true }).check();
  await page.getByLabel("Your amount (AUD)").fill(gift.customAmount);
  await page.getByLabel("Your name", { exact: true }).fill(gift.name);
  await page.getByLabel("Email", { exact: true }).fill(gift.email);
  await page.getByLabel("Don't show my name publicly").check();
  await page.getByLabel("Message of support (optional)").fill(gift.message);
  await page.getByRole("checkbox", { name: /cover card fees/ }).check();
  await giveButton(page).click();
  await page.waitForURL(CHECKOUT_URL);
}

async function expectKept(page: Page, gift: Gift, javaScriptEnabled: boolean) {
  await page.getByRole("status").filter({ hasText: "Your gift is as you left it" }).waitFor();
  expect(await page.getByRole("radio", { name: "Monthly", exact: true }).isChecked()).toBe(true);
  expect(await page.getByRole("radio", { name: "Other", exact: true }).isChecked()).toBe(true);
  expect(await page.getByLabel("Your amount (AUD)").inputValue()).toBe(gift.customAmount);
  expect(await page.getByLabel("Your name", { exact: true }).inputValue()).toBe(gift.name);
  expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe(gift.email);
  expect(await page.getByLabel("Don't show my name publicly").isChecked()).toBe(true);
  expect(await page.getByLabel("Message of support (optional)").inputValue()).toBe(gift.message);
  expect(await page.getByRole("checkbox", { name: /cover card fees/ }).isChecked()).toBe(true);
  await auditBothWidths(page, { axe: javaScriptEnabled });
}

describe("a declined or abandoned payment keeps the gift", () => {
  for (const { width, javaScriptEnabled } of FLOW_VIEWS) {
    const how = `${width} px, ${javaScriptEnabled ? "with" : "without"} JavaScript`;
    const gift = (what: string): Gift => ({
      email: `${what}-${width}-${javaScriptEnabled}@example.net`,
      name: "Rosa Retry",
      message: "Stay strong, we are with you",
      customAmount: "37.50",
    });

    it(`declined card → "Try again" → the form as it was left (${how})`, async () => {
      await app.withPage({ viewport: { width, height: 900 }, javaScriptEnabled }, async (page) => {
        await page.goto("/");
        const typed = gift("declined");
        await fillGift(page, typed);
        const ref = await finishCheckout(page, "Decline");
        await page.getByRole("heading", { level: 1, name: "Your payment didn't go through" }).waitFor();
        const tryAgain = page.getByRole("link", { name: "Try again" });
        expect(await tryAgain.getAttribute("href")).toBe(`/c/fighting-fund-2026?retry=${ref}`);
        await tryAgain.click();
        await page.waitForURL(new RegExp(`/c/fighting-fund-2026\\?retry=${ref}$`));
        await expectKept(page, typed, javaScriptEnabled);
        if (process.env.FF_SHOTS)
          await page.screenshot({
            path: `${process.env.FF_SHOTS}/retry-${width}-${javaScriptEnabled ? "js" : "nojs"}.png`,
            fullPage: true,
          });
      });
    });

    it(`back from the payment page by its cancel link → the form as it was left (${how})`, async () => {
      await app.withPage({ viewport: { width, height: 900 }, javaScriptEnabled }, async (page) => {
        await page.goto("/");
        const typed = gift("cancelled");
        await fillGift(page, typed);
        await page.getByRole("link", { name: "Cancel and go back to the form" }).click();
        await page.waitForURL(new RegExp(`/c/fighting-fund-2026\\?retry=${UUID}$`));
        await expectKept(page, typed, javaScriptEnabled);
      });
    });
  }

  it("the same link in another browser opens a blank form: no one else's name or email", async () => {
    let link = "";
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await fillGift(page, {
        email: "private-reader@example.net",
        name: "Private Reader",
        message: "Secret",
        customAmount: "12",
      });
      await finishCheckout(page, "Decline");
      link = (await page.getByRole("link", { name: "Try again" }).getAttribute("href"))!;
    });
    await app.withPage({}, async (page) => {
      await page.goto(link);
      await giveButton(page).waitFor();
      expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe("");
      expect(await page.getByLabel("Your name", { exact: true }).inputValue()).toBe("");
      expect(await page.locator("main").innerText()).not.toMatch(/Private Reader|private-reader@example\.net|Secret/);
    });
  });
});
