import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { outbox, payments, settings } from "@db/schema";
import { action as statementAction, loader as statementLoader } from "~/routes/account.statement";
import { financialYear, financialYearOf, getAnnualStatement } from "~/supporters/statement.server";
import { giveGift, uniqueEmail } from "../factories";
import { signInAs } from "../support/supporter-session";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

const MELBOURNE_JULY = { financialYearStartMonth: 7, timeZone: "Australia/Melbourne" };

describe("financial years", () => {
  it("FY2026 with a July start runs from 1 July 2025 to 30 June 2026, Melbourne time", () => {
    const fy = financialYear(2026, MELBOURNE_JULY);
    expect(fy.start.toISOString()).toBe("2025-06-30T14:00:00.000Z");
    expect(fy.end.toISOString()).toBe("2026-06-30T14:00:00.000Z");
    expect(fy.label).toBe("financial year 2025–26");
    expect(fy.range).toBe("1 July 2025 – 30 June 2026");
  });

  it("a January start is the calendar year, and daylight saving is respected", () => {
    const fy = financialYear(2026, { financialYearStartMonth: 1, timeZone: "Australia/Melbourne" });
    // 1 January is summer time in Melbourne (UTC+11).
    expect(fy.start.toISOString()).toBe("2025-12-31T13:00:00.000Z");
    expect(fy.label).toBe("2026");
    expect(financialYear(2026, { financialYearStartMonth: 4, timeZone: "Europe/London" }).start.toISOString()).toBe(
      "2025-03-31T23:00:00.000Z",
    );
  });

  it("puts a gift at 11.59 pm on 30 June in the year that ends that day", () => {
    expect(financialYearOf(new Date("2025-06-30T13:59:00Z"), MELBOURNE_JULY)).toBe(2025);
    expect(financialYearOf(new Date("2025-06-30T14:00:00Z"), MELBOURNE_JULY)).toBe(2026);
  });
});

async function donorWithGifts() {
  const email = uniqueEmail("statement");
  const give = (paidAt: string, extra: Partial<Parameters<typeof giveGift>[1]> = {}) =>
    giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      email,
      name: "Sam Statement",
      paidAt: new Date(paidAt),
      ...extra,
    });
  const before = await give("2025-06-30T13:59:00Z", { amountMinor: 1000 }); // 30 June 2025, 11.59 pm: FY2025
  const first = await give("2025-06-30T14:00:00Z", { amountMinor: 2500 }); // 1 July 2025, midnight: FY2026
  const refunded = await give("2026-01-10T00:00:00Z", { amountMinor: 5000 });
  await t.db.update(payments).set({ refundedMinor: 2000 }).where(eq(payments.id, refunded.payment.id));
  const dollars = await give("2026-03-01T00:00:00Z", { amountMinor: 700, currency: "USD" });
  const last = await give("2026-06-30T13:59:59Z", { amountMinor: 300 }); // 30 June 2026, 11.59 pm: FY2026
  const after = await give("2026-06-30T14:00:00Z", { amountMinor: 9900 }); // FY2027
  return {
    email,
    supporterId: first.supporterId,
    before,
    first,
    refunded,
    dollars,
    last,
    after,
    ...(await signInAs(t.db, first.supporterId)),
  };
}

describe("the annual statement", () => {
  let sam: Awaited<ReturnType<typeof donorWithGifts>>;
  let other: Awaited<ReturnType<typeof donorWithGifts>>;
  beforeAll(async () => {
    sam = await donorWithGifts();
    other = await donorWithGifts();
  });

  it("lists the year's gifts and totals them per currency, net of refunds", async () => {
    const statement = await getAnnualStatement(t.db, { supporterId: sam.supporterId, year: 2026 });
    expect(statement!.payments.map((p) => p.paymentId)).toEqual([
      sam.first.payment.id,
      sam.refunded.payment.id,
      sam.dollars.payment.id,
      sam.last.payment.id,
    ]);
    expect(statement!.gifts.totals).toEqual([
      { currency: "AUD", totalMinor: 2500 + 5000 - 2000 + 300 },
      { currency: "USD", totalMinor: 700 },
    ]);
    expect(statement!.payments[0]).toMatchObject({
      receiptNumber: sam.first.payment.receiptNumber,
      description: "One-off gift to Fighting Fund 2026",
    });
  });

  it("shows the chosen year, offers the years with gifts, and keeps to the signed-in supporter", async () => {
    const response = await callLoader(statementLoader, "/account/statement?year=2026", { cookie: sam.cookie });
    expect(response.status).toBe(200);
    const data = await response.json();
    expect(data.statement.payments).toHaveLength(4);
    expect(data.statement.payments.some((p: { paymentId: number }) => p.paymentId === other.first.payment.id)).toBe(
      false,
    );
    expect(data.years).toEqual(
      expect.arrayContaining([
        { year: 2026, label: "financial year 2025–26" },
        { year: 2025, label: "financial year 2024–25" },
      ]),
    );
    const fy2025 = await (
      await callLoader(statementLoader, "/account/statement?year=2025", { cookie: sam.cookie })
    ).json();
    expect(fy2025.statement.payments.map((p: { paymentId: number }) => p.paymentId)).toEqual([sam.before.payment.id]);
    expect((await callLoader(statementLoader, "/account/statement?year=2026")).status).toBe(303);
  });

  it("defaults to the current financial year", async () => {
    const data = await (await callLoader(statementLoader, "/account/statement", { cookie: sam.cookie })).json();
    expect(data.year).toBe(financialYearOf(new Date(), MELBOURNE_JULY));
  });

  it.each(["abc", "1999", "3000", "2026.5", "20266"])("answers year=%s with 400 and a message", async (year) => {
    const response = await callLoader(statementLoader, `/account/statement?year=${year}`, { cookie: sam.cookie });
    expect(response.status).toBe(400);
    const data = await response.json();
    expect(data.errors.year).toMatch(/Choose one of the years/);
    expect(data.statement).toBeNull();
  });

  it("follows the organisation's financial year setting", async () => {
    await t.db.update(settings).set({ financialYearStartMonth: 1 });
    try {
      const statement = await getAnnualStatement(t.db, { supporterId: sam.supporterId, year: 2026 });
      expect(statement!.period.label).toBe("2026");
      expect(statement!.payments.map((p) => p.paymentId)).toEqual([
        sam.refunded.payment.id,
        sam.dollars.payment.id,
        sam.last.payment.id,
        sam.after.payment.id,
      ]);
    } finally {
      await t.db.update(settings).set({ financialYearStartMonth: 7 });
    }
  });
});

describe("emailing the statement", () => {
  const statementMails = (to: string) =>
    t.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toEmail, to), eq(outbox.template, "annual-statement")));

  it("queues one statement per currency, once however often the button is pressed that day", async () => {
    const sam = await donorWithGifts();
    const send = () =>
      postForm(statementAction, "/account/statement", { csrf: sam.csrf, year: "2026" }, { cookie: sam.cookie });
    const response = await send();
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/account/statement?year=2026&sent=1");
    await send();
    const mails = await statementMails(sam.email);
    expect(mails).toHaveLength(2);
    const aud = mails.find((m) => (m.props as { currency: string }).currency === "AUD")!;
    expect(aud.props).toMatchObject({
      donorName: "Sam Statement",
      periodLabel: "financial year 2025–26",
      totalMinor: 5800,
      currency: "AUD",
      manageUrl: null,
      payments: [
        expect.objectContaining({
          receiptNumber: sam.first.payment.receiptNumber,
          amountMinor: 2500,
          refundedMinor: 0,
        }),
        expect.objectContaining({
          receiptNumber: sam.refunded.payment.receiptNumber,
          amountMinor: 5000,
          refundedMinor: 2000,
        }),
        expect.objectContaining({ receiptNumber: sam.last.payment.receiptNumber }),
      ],
    });
  });

  it("refuses a bad year, a year without gifts and a missing CSRF token, queueing nothing", async () => {
    const sam = await donorWithGifts();
    const post = (fields: Record<string, string>, cookie = sam.cookie) =>
      postForm(statementAction, "/account/statement", fields, { cookie });
    const bad = await post({ csrf: sam.csrf, year: "twenty" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.year).toMatch(/Choose one of the years/);
    expect((await post({ csrf: sam.csrf, year: "2020" })).status).toBe(400);
    expect((await post({ year: "2026" })).status).toBe(403);
    expect(await statementMails(sam.email)).toHaveLength(0);
  });
});
