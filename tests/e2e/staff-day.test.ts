// A phone team's day in a real browser: a member of staff signs in, finds a
// caller by a misspelt name, takes a cheque pledge for them, refunds one of their payments through
// the confirmation (a reason required), and downloads the accountant's payments CSV and the Xero
// bank statement (ADR 046), checking their columns and that times are on the organisation's clock
// (Melbourne), not UTC. With JavaScript at 1280 px; each page audited by axe at 1280 px and at a
// tablet's 768 px.
import { readFile } from "node:fs/promises";
import type { Download, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffAccount, requireChromium, startE2E, waitForHydration, type E2E } from "../support/browser";
import { parseCsv } from "../support/csv";
import { auditBothWidths, completeGift, signInStaff } from "./flows";

requireChromium();

const ADMIN = {
  email: "phones.day@fund.example",
  name: "Dee Dayshift",
  role: "admin" as const,
  password: "a-long-e2e-staff-day-password",
};
const CALLER = { name: "Wilhelmina Quarrington", email: "wil.quarrington@example.net" };
const ZONE = "Australia/Melbourne";
const WIDTHS = [1280, 768] as const;

let app: E2E;
let before: Date;

beforeAll(async () => {
  app = await startE2E({ prepare: (databaseEnv) => createStaffAccount(databaseEnv, ADMIN) });
  before = new Date(Math.floor(Date.now() / 1000) * 1000);
  await app.withPage({ javaScriptEnabled: false }, async (page) => {
    await completeGift(page, { amount: "$50", email: CALLER.email, name: CALLER.name });
  });
}, 90_000);
afterAll(async () => {
  await app?.close();
}, 30_000);

const audit = (page: Page) => auditBothWidths(page, { axe: true, widths: WIDTHS });

/** "2026-12-05 06:07:08" on Melbourne's clock → the instant it names. */
function melbourneWallClockToInstant(text: string): Date {
  const asUtc = new Date(`${text.replace(" ", "T")}Z`);
  const offset = (at: Date) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", {
        timeZone: ZONE,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      })
        .formatToParts(at)
        .map((p) => [p.type, p.value]),
    );
    return (
      Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - at.getTime()
    );
  };
  return new Date(asUtc.getTime() - offset(asUtc));
}

async function downloaded(page: Page, press: () => Promise<void>) {
  const [download] = await Promise.all([page.waitForEvent("download"), press()]);
  const path = await (download as Download).path();
  return { name: (download as Download).suggestedFilename(), text: await readFile(path!, "utf8") };
}

describe("a staff day", () => {
  it("finds a misspelt caller, takes a cheque pledge, refunds with confirmation, and downloads both CSVs in local time", async () => {
    await app.withPage(
      { viewport: { width: 1280, height: 800 }, bypassCSP: true, acceptDownloads: true },
      async (page) => {
        await signInStaff(page, ADMIN);

        // The caller spells it "Quarington": the type-ahead finds Quarrington.
        await page.goto("/admin/pledges/new");
        await waitForHydration(page);
        const search = page.getByRole("combobox", { name: /^Find by phone/ });
        await search.pressSequentially("Quarington");
        await page.getByRole("option", { name: new RegExp(CALLER.name) }).click();
        await page.waitForURL(/\/admin\/pledges\/new\?supporter=\d+$/);
        await page.locator(".caller-card", { hasText: CALLER.name }).waitFor();
        await audit(page);

        // A one-off gift of $35 by cheque.
        await page.getByRole("radio", { name: "One-off gift" }).check();
        await page.getByLabel("Amount (gifts)").fill("35");
        await page.getByRole("radio", { name: "Cheque" }).check();
        await page.getByLabel("Reference (cheque number or bank reference)").fill("CHQ 004711");
        await page.getByRole("button", { name: "Save pledge" }).click();
        await page.waitForURL(/\/admin\/pledges\/\d+\?created=1$/);
        await page.getByRole("status").first().waitFor();
        await audit(page);

        // Refund $20 of the card gift, from its payment page: a reason is required, then the confirmation.
        await page.goto("/admin/payments");
        const cardRow = page
          .getByRole("row")
          .filter({ hasText: CALLER.name })
          .filter({ hasText: /\$50(\.00)? AUD/ });
        await page.goto((await cardRow.getByRole("link").first().getAttribute("href"))!);
        await waitForHydration(page);
        await page.getByRole("link", { name: "Refund…" }).click();
        await page.getByLabel(/^Amount to refund \(AUD\)/).fill("20");
        await page.getByRole("button", { name: "Continue to check the refund" }).click();
        await page.getByRole("alert").filter({ hasText: "Choose the reason for the refund" }).waitFor();
        await page.getByRole("radio", { name: "The supporter asked for it" }).check();
        await page.getByRole("button", { name: "Continue to check the refund" }).click();
        await page.getByRole("heading", { level: 1, name: "Check and confirm the refund" }).waitFor();
        await audit(page);
        await page.getByRole("button", { name: "Refund $20.00 AUD" }).click();
        await page.getByRole("status").filter({ hasText: "Refund recorded." }).waitFor();

        // The exports page, its dates already this month on Melbourne's calendar.
        await page.goto("/admin/exports");
        await waitForHydration(page);
        await audit(page);
        const payments = await downloaded(page, () => page.getByRole("button", { name: "Download payments" }).click());
        const after = new Date(Math.ceil(Date.now() / 1000) * 1000);
        expect(payments.name).toMatch(/^payments-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.csv$/);
        const rows = parseCsv(payments.text.replace(/^\uFEFF/, ""));
        expect(rows[0]).toEqual([
          "Receipt number",
          `Paid at (${ZONE})`,
          "Supporter id",
          "Supporter name",
          "Kind",
          "Method",
          "Amount",
          "Currency",
          "Refunded",
          `Last refund (${ZONE})`,
          "Campaign",
          "Fee cover",
          "Net to campaign",
          "Reference",
          "Provider payment id",
          "Stripe PaymentIntent",
        ]);
        const byAmount = (amount: string) => rows.find((r) => r[3] === CALLER.name && r[6] === amount);
        const card = byAmount("50.00");
        const cheque = byAmount("35.00");
        expect(card?.slice(4, 10)).toEqual(["Gift", "Card (simulated)", "50.00", "AUD", "20.00", expect.any(String)]);
        expect(cheque?.slice(4, 9)).toEqual(["Gift", "Cheque", "35.00", "AUD", "0.00"]);
        expect(cheque?.[13]).toBe("CHQ 004711");
        // Local time: read as Melbourne's wall clock, each time falls between the test's start and
        // now; read as UTC, it would not (Melbourne is 10 or 11 hours ahead).
        for (const text of [card![1], card![9], cheque![1]]) {
          expect(text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
          const instant = melbourneWallClockToInstant(text);
          expect(instant.getTime()).toBeGreaterThanOrEqual(before.getTime());
          expect(instant.getTime()).toBeLessThanOrEqual(after.getTime());
          expect(new Date(`${text.replace(" ", "T")}Z`).getTime()).toBeGreaterThan(after.getTime());
        }

        // The Xero statement of card payments: the gift in full, the refund a minus line, today's local date.
        const today = new Intl.DateTimeFormat("en-GB", {
          timeZone: ZONE,
          day: "2-digit",
          month: "2-digit",
          year: "numeric",
        }).format(new Date());
        await page.getByLabel("Account").selectOption("card");
        const statement = await downloaded(page, () =>
          page.getByRole("button", { name: "Download statement" }).click(),
        );
        expect(statement.name).toMatch(/^xero-statement-card-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.csv$/);
        const lines = parseCsv(statement.text);
        expect(lines[0]).toEqual(["*Date", "*Amount", "Payee", "Description", "Reference"]);
        expect(
          lines
            .slice(1)
            .filter((l) => l[2] === CALLER.name)
            .map((l) => [l[0], l[1]]),
        ).toEqual([
          [today, "50.00"],
          [today, "-20.00"],
        ]);

        // Cheques go to their own clearing account, with the cheque's number as the reference.
        await page.getByLabel("Account").selectOption("offline");
        const offline = await downloaded(page, () => page.getByRole("button", { name: "Download statement" }).click());
        expect(parseCsv(offline.text).slice(1)).toEqual([
          [today, "35.00", CALLER.name, expect.stringMatching(/^Gift, Cheque, receipt \d+, /), "CHQ 004711"],
        ]);
      },
    );
  }, 120_000);
});
