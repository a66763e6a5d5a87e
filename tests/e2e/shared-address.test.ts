// ADR 045: a reader without JavaScript behind a busy shared address (here,
// every request comes from 127.0.0.1) is never locked out. Past the limit the form leads to a
// waiting page that says why; it refreshes itself when the wait is over, and one press takes the
// gift, as typed, to the payment page. Small limits and a tiny wait, set through the environment.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireChromium, startE2E, type E2E } from "../support/browser";
import { axeViolations, describeViolations } from "../support/axe";
import { auditBothWidths, CHECKOUT_URL, giveButton, submitGift } from "./flows";

requireChromium();

/** Screenshots for a person to look at, only when FF_SHOTS names a folder. */
const SHOTS = process.env.FF_SHOTS ?? "";
let app: E2E;
beforeAll(async () => {
  app = await startE2E({
    env: {
      CHECKOUT_LIMIT_PER_IP: "2",
      // One start an hour past the limit: the first waiting gift takes it, the next waits for the hour.
      CHECKOUT_HARD_LIMIT_PER_HOUR: "1",
      CHECKOUT_WAIT_SECONDS: "2",
      CHECKOUT_WAIT_MAX_SECONDS: "2",
    },
  });
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
}

/**
 * axe runs only where the page runs script: the waiting page this browser holds (its ff_wait
 * cookie), opened in a browser with JavaScript, is checked at both widths there.
 */
async function auditWithAxe(noScript: BrowserContext, path: string, shot: string) {
  const cookies = await noScript.cookies();
  await app.withPage({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: true }, async (page, context) => {
    await context.addCookies(cookies);
    await page.goto(path);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await auditBothWidths(page, { axe: true });
    if (process.env.FF_SHOTS) await page.screenshot({ path: `${SHOTS}/${shot}-1280.png`, fullPage: true });
  });
}

describe("a reader without JavaScript behind a busy shared address", () => {
  it("waits on a page that refreshes itself, then reaches the payment page with the gift intact (360 px)", async () => {
    await app.withPage({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false }, async (page, context) => {
      // Others on the same network use up the address's limit.
      for (let i = 0; i < 2; i++) {
        await page.goto("/");
        await submitGift(page, { amount: "$25", email: `neighbour-${i}@example.net` });
      }

      const typed: Gift = {
        email: "tor-reader@example.net",
        name: "Rosa Waiting",
        message: "From behind the firewall: stay strong",
        customAmount: "37.50",
      };
      await page.goto("/");
      await fillGift(page, typed);
      await page.waitForURL(/\/give\/wait$/);
      await page.getByRole("heading", { level: 1, name: "One moment, please" }).waitFor();
      expect(await page.getByRole("status").innerText()).toMatch(
        /^Many people are giving from the same network as you\. To protect against card fraud, please wait \d+ seconds?\.$/,
      );
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(1);
      // Nothing personal in the address.
      // (The path and query: the server's port is a number too, and may hold "37".)
      const { pathname, search } = new URL(page.url());
      expect(pathname + search).not.toMatch(/tor-reader|Rosa|37/);

      // No script, no press: the page refreshes itself once the wait is over.
      await page.getByRole("heading", { level: 1, name: "Thank you for waiting" }).waitFor({ timeout: 30_000 });
      expect(page.url()).toMatch(/\/give\/wait$/);
      await auditBothWidths(page, { axe: false });
      if (process.env.FF_SHOTS) await page.screenshot({ path: `${SHOTS}/ready-360.png`, fullPage: true });
      await auditWithAxe(context, "/give/wait", "ready");

      await page.getByRole("button", { name: "Continue to payment" }).click();
      await page.waitForURL(CHECKOUT_URL);
      await page.getByRole("heading", { level: 1, name: "Confirm your monthly payment" }).waitFor();
      const summary = await page.locator(".summary").innerText();
      expect(summary).toContain("$37.50");
      expect(summary).toMatch(/card fees/i);
      // Every field as typed: the payment page's way back brings the form back filled in (ADR 040).
      await page.getByRole("link", { name: "Cancel and go back to the form" }).click();
      await page.getByRole("status").filter({ hasText: "Your gift is as you left it" }).waitFor();
      expect(await page.getByLabel("Your amount (AUD)").inputValue()).toBe(typed.customAmount);
      expect(await page.getByLabel("Your name", { exact: true }).inputValue()).toBe(typed.name);
      expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe(typed.email);
      expect(await page.getByLabel("Message of support (optional)").inputValue()).toBe(typed.message);
      expect(await page.getByLabel("Don't show my name publicly").isChecked()).toBe(true);

      // The next gift from this address waits for the hour's limit to pass: still a page that says
      // why and how long, never a dead end.
      await page.goto("/");
      await fillGift(page, { ...typed, email: "second-reader@example.net" });
      await page.waitForURL(/\/give\/wait$/);
      expect(await page.getByRole("status").innerText()).toMatch(/please wait about \d+ minutes\.$/);
      if (process.env.FF_SHOTS) await page.screenshot({ path: `${SHOTS}/waiting-360.png`, fullPage: true });
      await page.getByRole("link", { name: "Stop refreshing this page" }).click();
      await page.waitForURL(/\/give\/wait\?refresh=off$/);
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
      await page.getByRole("heading", { level: 1, name: "One moment, please" }).waitFor();
      await auditBothWidths(page, { axe: false });
      await auditWithAxe(context, "/give/wait?refresh=off", "waiting");
      // With the refresh on, axe's one objection is the timed refresh itself (WCAG 2.2.1, met by the switch above).
      const cookies = await context.cookies();
      await app.withPage({ javaScriptEnabled: true }, async (refreshing, refreshingContext) => {
        await refreshingContext.addCookies(cookies);
        await refreshing.goto("/give/wait");
        await refreshing.getByRole("heading", { level: 1, name: "One moment, please" }).waitFor();
        const violations = await axeViolations(refreshing);
        expect(
          violations.map((v) => v.id),
          describeViolations(violations),
        ).toEqual(["meta-refresh"]);
      });
    });
  }, 90_000);
});
