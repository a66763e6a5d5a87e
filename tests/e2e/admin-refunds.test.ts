// A deliberate refund in a real browser (ADR 039): from the payment page, the
// amount box empty, a reason required, a confirmation page saying what will happen, and only then
// the refund; at 1280 px and at 360 px, with axe on each step. Two deliberate refunds of the same
// amount are two refunds.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, describeViolations } from "../support/axe";
import { createStaffAccount, requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import { completeGift, horizontalOverflow, signInStaff } from "./flows";

requireChromium();

const ADMIN = {
  email: "refunds.admin@fund.example",
  name: "Rosa Refunder",
  role: "admin" as const,
  password: "a-long-e2e-refund-password",
};
const DONOR = { name: "Rhoda Returned", email: "rhoda.returned@example.net" };
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 800 };

let app: E2E;
let adminState: Awaited<ReturnType<BrowserContext["storageState"]>>;
let paymentPath = "";

beforeAll(async () => {
  app = await startE2E({ prepare: (databaseEnv) => createStaffAccount(databaseEnv, ADMIN) });
  await app.withPage({ javaScriptEnabled: false }, async (page) => {
    await completeGift(page, { amount: "$50", email: DONOR.email, name: DONOR.name });
  });
  await app.withPage({}, async (page, context) => {
    await signInStaff(page, ADMIN);
    adminState = await context.storageState();
    await page.goto("/admin/payments");
    const row = page.getByRole("row").filter({ hasText: DONOR.name });
    paymentPath = (await row.getByRole("link").first().getAttribute("href"))!;
  });
  expect(paymentPath).toMatch(/^\/admin\/payments\/\d+$/);
}, 90_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const asAdmin = (viewport: { width: number; height: number }, run: (page: Page) => Promise<void>) =>
  app.withPage({ storageState: adminState, viewport, bypassCSP: true }, run);
const summaryValue = (page: Page, term: string) =>
  page
    .locator("dt", { hasText: new RegExp(`^${term}$`) })
    .locator("xpath=following-sibling::dd[1]")
    .innerText();

/** Controls left as the browser draws them (a native button is about 21 px tall): none on staff pages. */
async function unstyledControls(page: Page) {
  return page.evaluate(() =>
    [
      ...document.querySelectorAll(
        "main :is(button:not(.link-button), select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox]))",
      ),
    ]
      .filter((el) => el.getBoundingClientRect().width > 0)
      .filter((el) => {
        const style = getComputedStyle(el);
        return el.getBoundingClientRect().height < 40 || style.borderTopLeftRadius === "0px";
      })
      .map(
        (el) =>
          `${el.tagName.toLowerCase()} "${(el.textContent || (el as HTMLInputElement).name || "").trim().slice(0, 40)}" (${Math.round(el.getBoundingClientRect().height)} px)`,
      ),
  );
}

async function expectAccessibleAndNarrowEnough(page: Page, label: string) {
  const blocking = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(blocking, `${label}:\n${describeViolations(blocking)}`).toEqual([]);
  const overflow = await horizontalOverflow(page);
  expect(overflow.scrollWidth, `${label} is wider than the screen: ${overflow.widest.join(", ")}`).toBeLessThanOrEqual(
    overflow.clientWidth,
  );
}

describe("a refund from the payment page", () => {
  it("at 1280 px: nothing prefilled, a reason required, a confirmation that says what happens, then the refund", async () => {
    await asAdmin(LAPTOP, async (page) => {
      await page.goto(paymentPath);
      await waitForHydration(page);
      expect(await summaryValue(page, "Refunded")).toBe("Nothing");
      await page.getByRole("link", { name: "Refund…" }).click();
      await page.getByRole("heading", { level: 1, name: /^Refund receipt \d+$/ }).waitFor();
      const amount = page.getByLabel(/^Amount to refund \(AUD\)/);
      expect(await amount.inputValue()).toBe("");
      await expectAccessibleAndNarrowEnough(page, "the refund request at 1280 px");

      // Continue with nothing filled in: told what is missing, nothing refunded.
      await page.getByRole("button", { name: "Continue to check the refund" }).click();
      const problems = page.getByRole("alert").filter({ hasText: "Please fix the highlighted fields." });
      await problems.waitFor();
      expect(await problems.innerText()).toMatch(/Enter the amount to refund[\s\S]*Choose the reason for the refund/);
      await expectAccessibleAndNarrowEnough(page, "the refund request with errors");

      await amount.fill("15");
      await page.getByRole("radio", { name: "The supporter asked for it" }).check();
      await page.getByLabel("Note for the record").fill("Rang to say it was meant to be $35");
      await page.getByRole("button", { name: "Continue to check the refund" }).click();
      await page.getByRole("heading", { level: 1, name: "Check and confirm the refund" }).waitFor();
      expect(await summaryValue(page, "Amount")).toBe("$15.00 AUD");
      expect(await summaryValue(page, "How")).toMatch(/card refund/i);
      expect(await summaryValue(page, "What the supporter sees, and when")).toMatch(/refund confirmation/);
      expect(await summaryValue(page, "What happens to what they paid for")).toMatch(
        /one-off gift: nothing else changes/,
      );
      expect(await summaryValue(page, "Reason")).toBe("The supporter asked for it");
      expect(await summaryValue(page, "Left to refund afterwards")).toBe("$35.00 AUD");
      await expectAccessibleAndNarrowEnough(page, "the refund confirmation at 1280 px");

      // Still nothing refunded until the confirmation is pressed.
      await page.getByRole("button", { name: "Refund $15.00 AUD" }).click();
      await page.waitForURL(/\/admin\/payments\/\d+\?done=refund$/);
      await page.getByRole("status").filter({ hasText: "Refund recorded." }).waitFor();
      expect(await summaryValue(page, "Refunded")).toBe("$15.00 AUD");
      expect(await summaryValue(page, "Refunds made here")).toMatch(
        /\$15\.00 AUD by Rosa Refunder, .*: The supporter asked for it — “Rang to say it was meant to be \$35”/,
      );
    });
  });

  it("at 360 px: a second refund of the same amount is a second refund, after its own confirmation", async () => {
    await asAdmin(PHONE, async (page) => {
      await page.goto(paymentPath);
      await waitForHydration(page);
      await expectAccessibleAndNarrowEnough(page, "the payment page at 360 px");
      await page.getByRole("link", { name: "Refund…" }).click();
      await page.getByLabel(/^Amount to refund \(AUD\)/).fill("15");
      await page.getByRole("radio", { name: /^Paid twice by mistake/ }).check();
      await expectAccessibleAndNarrowEnough(page, "the refund request at 360 px");
      await page.getByRole("button", { name: "Continue to check the refund" }).click();
      await page.getByRole("heading", { level: 1, name: "Check and confirm the refund" }).waitFor();
      await expectAccessibleAndNarrowEnough(page, "the refund confirmation at 360 px");
      await page.getByRole("button", { name: "Refund $15.00 AUD" }).click();
      await page.getByRole("status").filter({ hasText: "Refund recorded." }).waitFor();
      expect(await summaryValue(page, "Refunded")).toBe("$30.00 AUD");
      expect(
        await page
          .locator("dt", { hasText: /^Refunds made here$/ })
          .locator("xpath=following-sibling::dd[1]")
          .getByRole("listitem")
          .count(),
      ).toBe(2);
    });
  });

  it("the supporter page opens with who they are, and passes axe at 1280×800 and 768 px", async () => {
    for (const viewport of [LAPTOP, { width: 768, height: 1024 }]) {
      await asAdmin(viewport, async (page) => {
        await page.goto(paymentPath);
        await page
          .getByRole("link", { name: new RegExp(`^${DONOR.name}`) })
          .first()
          .click();
        await page.getByRole("heading", { level: 1, name: DONOR.name }).waitFor();
        await waitForHydration(page);
        await page.getByRole("heading", { level: 2, name: "At a glance" }).waitFor();
        expect(await summaryValue(page, "Email")).toBe(DONOR.email);
        expect(await summaryValue(page, "Lifetime given \\(gifts, net of refunds\\)")).toMatch(/^\$\d+ AUD$/);
        await expectAccessibleAndNarrowEnough(page, `the supporter page at ${viewport.width} px`);
        expect(await unstyledControls(page), "native unstyled controls on the supporter page").toEqual([]);
        await page.getByRole("link", { name: "Edit contact details" }).click();
        await page.getByRole("heading", { level: 2, name: "Edit contact details" }).waitFor();
        await expectAccessibleAndNarrowEnough(page, `the supporter page's edit view at ${viewport.width} px`);
        expect(await unstyledControls(page), "native unstyled controls on the edit view").toEqual([]);
      });
    }
  });
});
