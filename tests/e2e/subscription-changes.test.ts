// A supporter changes their own monthly support in a real browser, with and without JavaScript:
// simulated payments, sign-in through the dev mailbox.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import { finishCheckout, openMail, submitGift } from "./flows";

requireChromium();

let app: E2E;
beforeAll(async () => {
  app = await startE2E();
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

/** Gives $25 a month, signs in from the emailed link, and opens the subscription's page. */
async function monthlySupporterSignedIn(page: Page, email: string) {
  await page.goto("/");
  await submitGift(page, { amount: "$25", email, frequency: "Monthly" });
  await finishCheckout(page, "Pay");
  await page.goto("/account/sign-in");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
  const mail = await openMail(page, { to: email, subject: /sign-in link/ });
  await page.goto(new URL(/\/account\/auth\/[A-Za-z0-9_-]+/.exec(mail.text)![0], page.url()).pathname);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(/\/account$/);
  await page.getByRole("link", { name: /^Monthly gift to / }).click();
  await page.waitForURL(/\/account\/subscriptions\/\d+$/);
}

const summaryValue = (page: Page, term: string) =>
  page
    .locator("dt", { hasText: new RegExp(`^${term}$`) })
    .locator("xpath=following-sibling::dd[1]")
    .innerText();

describe("changing monthly support in a browser", () => {
  it("with JavaScript: change the amount, pause and resume, then cancel after the alternatives", async () => {
    await app.withPage({}, async (page) => {
      await monthlySupporterSignedIn(page, "changer@example.net");
      await waitForHydration(page);
      expect(await summaryValue(page, "Amount")).toBe("$25 AUD a month");

      await page.getByLabel("New monthly amount (AUD)").fill("30");
      await page.getByRole("button", { name: "Change amount" }).click();
      await expect.poll(() => summaryValue(page, "Amount")).toBe("$30 AUD a month");

      await page.getByLabel("Pause payments for").selectOption("2");
      await page.getByRole("button", { name: "Pause payments" }).click();
      await page.getByRole("button", { name: "Resume payments now" }).waitFor();
      expect(await summaryValue(page, "Paused until")).toMatch(/^\d{1,2} \w+ \d{4}$/);
      await page.getByRole("button", { name: "Resume payments now" }).click();
      await page.getByRole("button", { name: "Pause payments" }).waitFor();

      await page.getByRole("link", { name: "Cancel this support" }).click();
      await page.getByRole("heading", { name: "Before you cancel" }).waitFor();
      await page.getByRole("heading", { name: "Give a smaller amount" }).waitFor();
      await page.getByRole("heading", { name: "Pause instead" }).waitFor();
      await page.getByLabel("Why are you cancelling? (optional)").fill("Saving for a house");
      await page.getByRole("button", { name: "Cancel at the end of the paid period" }).click();
      await page.getByText(/^This support ends on /).waitFor();
      expect(await summaryValue(page, "Ends on")).toMatch(/^\d{1,2} \w+ \d{4}$/);

      const mail = await openMail(page, { to: "changer@example.net", subject: /has changed/, containing: /cancelled/ });
      expect(mail.text).toMatch(/cancelled: your support ends on/);
    });
  });

  it("without JavaScript: a bad amount is explained at the field, a good one applies; the card page saves a test card", async () => {
    await app.withPage({ javaScriptEnabled: false }, async (page) => {
      await monthlySupporterSignedIn(page, "nojs-changer@example.net");
      await page.getByLabel("New monthly amount (AUD)").fill("abc");
      await page.getByRole("button", { name: "Change amount" }).click();
      await page.getByRole("alert").waitFor();
      expect(await page.locator("#monthlyAmount-error").innerText()).toMatch(/Enter an amount in numbers/);
      expect(await page.getByLabel("New monthly amount (AUD)").getAttribute("aria-invalid")).toBe("true");

      await page.getByLabel("New monthly amount (AUD)").fill("12.50");
      await page.getByRole("button", { name: "Change amount" }).click();
      expect(await summaryValue(page, "Amount")).toBe("$12.50 AUD a month");

      await page.goto("/account");
      await page.getByRole("button", { name: "Update card" }).click();
      await page.waitForURL(/\/account\/card\/simulated$/);
      await page.getByText("Test — no card is asked for").waitFor();
      await page.getByRole("button", { name: "Save a test card" }).click();
      await page.waitForURL(/\/account$/);
      await page.getByRole("button", { name: "Update card (Test ending 4242)" }).waitFor();
    });
  });
});
