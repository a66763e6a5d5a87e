// Messages of support in a real browser: a reader writes one with their gift (name withheld), and
// staff on the phone line find it under Messages of support, approve it, and see it confirmed, at
// 1280 px and on a tablet (768 px), without JavaScript as well, with axe on the page.
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { createStaffAccount, requireChromium, startE2E, type E2E } from "../support/browser";
import { finishCheckout, horizontalOverflow, signInStaff, submitGift } from "./flows";

requireChromium();

const STAFF = {
  email: "messages.staff@fund.example",
  name: "Sam Staff",
  role: "staff" as const,
  password: "a-long-e2e-staff-password",
};
const MESSAGES = {
  wide: "Solidarity from the Ballarat branch. Free them all!",
  tablet: "From the Geelong reading group: we stand with you.",
};

let app: E2E;
let staffState: Awaited<ReturnType<BrowserContext["storageState"]>>;

beforeAll(async () => {
  app = await startE2E({ prepare: (databaseEnv) => createStaffAccount(databaseEnv, STAFF) });
  for (const message of Object.values(MESSAGES)) {
    await app.withPage({}, async (page) => {
      await page.goto("/");
      await page.getByLabel("Message of support (optional)").fill(message);
      await page.getByLabel("Don't show my name publicly").check();
      await submitGift(page, { amount: "$25", email: "ballarat.reader@example.net", name: "Bea Ballarat" });
      await finishCheckout(page, "Pay");
    });
  }
  await app.withPage({}, async (page, context) => {
    await signInStaff(page, STAFF);
    staffState = await context.storageState();
  });
}, 120_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

describe("messages of support, as staff see them", () => {
  for (const [label, viewport, javaScriptEnabled, message] of [
    ["1280 px", { width: 1280, height: 800 }, true, MESSAGES.wide],
    ["768 px without JavaScript", { width: 768, height: 1024 }, false, MESSAGES.tablet],
  ] as const) {
    it(`the reader's message waits under To review with their wish not to be named, and Approve confirms itself (${label})`, async () => {
      await app.withPage({ storageState: staffState, viewport, javaScriptEnabled }, async (page) => {
        await page.goto("/admin/messages");
        await page.getByRole("heading", { level: 1, name: "Messages of support" }).waitFor();
        // axe and the overflow check run scripts in the page: with JavaScript on only.
        if (javaScriptEnabled) {
          const violations = await axeViolations(page);
          expect(
            violations.filter((v) => v.impact === "serious" || v.impact === "critical"),
            describeViolations(violations),
          ).toEqual([]);
          expect((await horizontalOverflow(page)).widest).toEqual([]);
        }
        const card = page.locator(".message-card", { hasText: message });
        expect(await card.innerText()).toContain("asked not to be named publicly");
        if (process.env.FF_SHOTS)
          await page.screenshot({ path: `${process.env.FF_SHOTS}/messages-${viewport.width}.png`, fullPage: true });
        await card.getByRole("button", { name: /^Approve/ }).click();
        await page.getByRole("status").filter({ hasText: "Approved: the message may now appear" }).waitFor();
        expect(await page.locator(".message-card", { hasText: message }).count()).toBe(0);
        await page.getByRole("link", { name: "Approved", exact: true }).click();
        await page.locator(".message-card", { hasText: message }).getByRole("button", { name: /^Hide/ }).waitFor();
        if (process.env.FF_SHOTS)
          await page.screenshot({
            path: `${process.env.FF_SHOTS}/messages-approved-${viewport.width}.png`,
            fullPage: true,
          });
      });
    });
  }

  it("a staff member who opens an admin-only page is told it is for administrators, not that something went wrong", async () => {
    await app.withPage({ storageState: staffState, viewport: { width: 1280, height: 800 } }, async (page) => {
      const response = await page.goto("/admin/staff");
      expect(response?.status()).toBe(403);
      await page.getByRole("heading", { level: 1, name: "Not open to your account" }).waitFor();
      expect(await page.locator("main").innerText()).toContain(
        "Only an administrator can do this. Ask an administrator if you need it done.",
      );
      await page.getByRole("link", { name: "Back to the dashboard" }).click();
      await page.waitForURL(/\/admin$/);
    });
  });
});
