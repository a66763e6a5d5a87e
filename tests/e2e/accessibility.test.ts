// axe-core against the pages a giver sees, in a real browser: no serious or critical WCAG 2.2 AA
// violation. The failure message lists each violation so it can be fixed without re-running.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import { CHECKOUT_URL, completeGift, giveButton } from "./flows";

async function expectNoSeriousViolations(page: Page) {
  const violations = await axeViolations(page);
  const blocking = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    blocking,
    `axe found serious or critical violations on ${page.url()}:\n${describeViolations(blocking)}`,
  ).toEqual([]);
  return violations;
}

requireChromium();

let app: E2E;
let completedRef: string;
beforeAll(async () => {
  app = await startE2E();
  await app.withPage({ javaScriptEnabled: false }, async (page) => {
    completedRef = await completeGift(page, { amount: "$25", email: "axe@example.net", name: "Ally Axe" });
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

describe("accessibility (axe, WCAG 2.2 A and AA)", () => {
  it.each([
    ["the campaign page", "/"],
    ["the supporter options", "/support"],
  ])("%s has no serious or critical violations", async (_name, path) => {
    await app.withPage({}, async (page) => {
      await page.goto(path);
      await waitForHydration(page);
      await expectNoSeriousViolations(page);
    });
  });

  it("the thanks page for a completed payment has no serious or critical violations", async () => {
    await app.withPage({}, async (page) => {
      await page.goto(`/thanks?ref=${completedRef}`);
      await page.getByRole("heading", { level: 1, name: /confirmed/ }).waitFor();
      await waitForHydration(page);
      await expectNoSeriousViolations(page);
    });
  });

  it("the donate form re-rendered with errors has no serious or critical violations", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await waitForHydration(page);
      await page.getByRole("radio", { name: "Other", exact: true }).check();
      await page.getByLabel("Your amount (AUD)", { exact: true }).fill("abc");
      await page.getByLabel("Email", { exact: true }).fill("not-an-email");
      await giveButton(page).click();
      await page.getByRole("alert").waitFor();
      // The summary comes first in the re-rendered page, the fields' own errors further down: on a
      // busy machine the alert was visible before the browser had parsed the rest (CI, once).
      await page.waitForLoadState("load");
      await expect.poll(() => page.locator(".field-error").count()).toBeGreaterThanOrEqual(2);
      await expectNoSeriousViolations(page);
    });
  });

  it("the donate form re-rendered with errors without JavaScript has no serious or critical violations", async () => {
    // axe needs timers, which a context without JavaScript never fires: block the app's scripts
    // instead, so the page stays the server's no-JavaScript markup and the form posts natively.
    await app.withPage({}, async (page) => {
      await page.route("**/build/**/*.js", (route) => route.abort("blockedbyclient"));
      await page.goto("/");
      await page.getByRole("radio", { name: "Other", exact: true }).check();
      await page.getByLabel("Your amount (AUD)", { exact: true }).fill("abc");
      await page.getByLabel("Email", { exact: true }).fill("not-an-email");
      const post = page.waitForResponse((response) => response.request().method() === "POST");
      await giveButton(page).click();
      expect((await post).status()).toBe(400);
      await page.getByRole("alert").waitFor();
      // The re-rendered page's stylesheet decides which button wording shows: wait until it applies.
      await page.waitForLoadState("load");
      await expect.poll(() => giveButton(page).innerText()).toBe("Give your amount now");
      await expectNoSeriousViolations(page);
    });
  });

  it("the simulated checkout for a print plan, with its address form, has no serious or critical violations", async () => {
    await app.withPage({}, async (page) => {
      await page.goto("/support");
      await waitForHydration(page);
      await page.getByRole("radio", { name: /^Print supporter — 12 months/ }).check();
      await page.getByLabel("Email", { exact: true }).fill("axe-print@example.net");
      await page.getByRole("button", { name: /^Pay / }).click();
      await page.waitForURL(CHECKOUT_URL);
      await waitForHydration(page);
      await expectNoSeriousViolations(page);
    });
  });
});
