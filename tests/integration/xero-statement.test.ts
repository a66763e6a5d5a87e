import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, campaigns, payments, refundObservations } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { applyDelivery } from "~/payments/apply-event.server";
import { confirmRefund } from "~/payments/refunds.server";
import { refundMovements, statementCsv, STATEMENT_HEADER } from "~/reports/statement.server";
import { loader as exportLoader } from "~/routes/admin.exports.$kind[.csv]";
import { loader as exportsPageLoader } from "~/routes/admin.exports._index";
import { giveGift, givePhoneOnlyCheque } from "../factories";
import { parseCsv } from "../support/csv";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";

/**
 * ADR 046: a bank statement Xero imports, one line per movement of money —
 * each payment in gross on its local day, each refund a minus line on the day it was made — and
 * the refund's date whatever order Stripe's charge.refunded events arrive in.
 */
const { t, fixtures } = useSeededDatabase();
const PASSWORD = "correct horse battery staple 15";
let adminId = 0;
let cookie = "";
const ZONE = "Australia/Melbourne";

beforeAll(async () => {
  adminId = await createStaffUser(t.db, {
    email: "books@fund.example",
    name: "Books",
    role: "admin",
    password: PASSWORD,
  });
  const result = await signInStaff(t.db, {
    email: "books@fund.example",
    password: PASSWORD,
    clientAddress: "198.51.100.9",
  });
  if (result.status !== "ok") throw new Error("sign-in failed");
  cookie = result.cookie.split(";")[0];
});

/** A charge.refunded as the ledger receives it: the running total, at the event's time. */
const refunded = (providerPaymentId: string, totalMinor: number, at: string) =>
  applyDelivery(t.db, {
    eventId: `evt_${randomUUID()}`,
    type: "charge.refunded",
    createdAt: new Date(at),
    events: [
      {
        type: "payment.refunded",
        providerPaymentIds: [providerPaymentId],
        refundedTotalMinor: totalMinor,
        occurredAt: new Date(at),
      },
    ],
  });

const statement = (from: string, to: string, extra: Partial<Parameters<typeof statementCsv>[1]> = {}) =>
  statementCsv(t.db, { from: new Date(from), to: new Date(to), account: "card", timeZone: ZONE, ...extra });

describe("the Xero statement", () => {
  it("gross payments and dated refunds on the organisation's calendar, refunds in the period they were made", async () => {
    const campaignId = fixtures.campaign.id;
    // 12.30 am on 1 August in Melbourne, though still 31 July in UTC.
    const gift = await giveGift(t.db, {
      campaignId,
      name: "Ann O'Neil",
      amountMinor: 5000,
      paidAt: new Date("2026-07-31T14:30:00Z"),
    });
    // Stripe's events for two refunds (10.00 on 3 Aug, then 15.00 more on 2 Sept) arrive in reverse order.
    await refunded(gift.payment.providerPaymentId, 2500, "2026-09-02T01:00:00Z");
    await refunded(gift.payment.providerPaymentId, 1000, "2026-08-03T01:00:00Z");
    // And again: nothing more.
    await refunded(gift.payment.providerPaymentId, 2500, "2026-09-02T01:00:00Z");
    const [row] = await t.db.select().from(payments).where(eq(payments.id, gift.payment.id));
    expect(row.refundedMinor).toBe(2500);

    const august = await statement("2026-07-31T14:00:00Z", "2026-08-31T14:00:00Z");
    if (!august.ok) throw new Error(august.message);
    const rows = parseCsv(august.csv);
    expect(rows[0]).toEqual(STATEMENT_HEADER);
    expect(rows[0]).toEqual(["*Date", "*Amount", "Payee", "Description", "Reference"]);
    expect(august.csv.startsWith("*Date")).toBe(true);
    const receipt = gift.payment.receiptNumber;
    expect(rows.slice(1)).toEqual([
      [
        "01/08/2026",
        "50.00",
        "Ann O'Neil",
        `Gift, Card (simulated), receipt ${receipt}, ${fixtures.campaign.name}`,
        `Receipt ${receipt}`,
      ],
      [
        "03/08/2026",
        "-10.00",
        "Ann O'Neil",
        `Refund (part) of receipt ${receipt}: Gift, Card (simulated)`,
        `Receipt ${receipt} refunded to 10.00`,
      ],
    ]);
    const september = await statement("2026-08-31T14:00:00Z", "2026-09-30T14:00:00Z", { dateOrder: "mdy" });
    if (!september.ok) throw new Error(september.message);
    expect(parseCsv(september.csv).slice(1)).toEqual([
      [
        "09/02/2026",
        "-15.00",
        "Ann O'Neil",
        `Refund (part) of receipt ${receipt}: Gift, Card (simulated)`,
        `Receipt ${receipt} refunded to 25.00`,
      ],
    ]);
    // The refunds add up to the ledger's refunded total.
    const all = await refundMovements(t.db, {
      from: new Date(0),
      to: new Date("2100-01-01"),
      paymentIds: [gift.payment.id],
    });
    expect(all.map((m) => m.amountMinor)).toEqual([1000, 1500]);
    // The offline account holds none of it.
    const offline = await statement("2026-07-31T14:00:00Z", "2026-09-30T14:00:00Z", { account: "offline" });
    expect(offline.ok && parseCsv(offline.csv)).toEqual([STATEMENT_HEADER]);
  });

  it("a cheque and its refund go to the offline account, dated when the refund was recorded, with the cheque's reference", async () => {
    const cheque = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: adminId,
      amountMinor: 4000,
      name: "Pat Postal",
      reference: "CHQ 000123",
    });
    const before = new Date();
    const outcome = await confirmRefund(t.db, {
      staff: { staffUserId: adminId, role: "admin" },
      paymentId: cheque.paymentId,
      requestId: randomUUID(),
      request: { amountMinor: 4000, reason: "requested_by_customer", note: null },
    });
    expect(outcome.ok).toBe(true);
    const [observation] = await t.db
      .select()
      .from(refundObservations)
      .where(eq(refundObservations.paymentId, cheque.paymentId));
    expect(observation.refundedTotalMinor).toBe(4000);
    expect(observation.observedAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);

    const result = await statement(
      new Date(Date.now() - 86_400_000).toISOString(),
      new Date(Date.now() + 86_400_000).toISOString(),
      {
        account: "offline",
      },
    );
    if (!result.ok) throw new Error(result.message);
    const rows = parseCsv(result.csv).slice(1);
    expect(rows.map((r) => [r[1], r[2], r[4]])).toEqual([
      ["40.00", "Pat Postal", "CHQ 000123"],
      ["-40.00", "Pat Postal", expect.stringMatching(/^Receipt \d+ refunded to 40\.00$/)],
    ]);
    expect(rows[1][3]).toMatch(/^Refund of receipt \d+: Gift, Cheque$/);
    // Both on today's date in Melbourne.
    const today = new Intl.DateTimeFormat("en-GB", {
      timeZone: ZONE,
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
    }).format(new Date());
    expect(rows.map((r) => r[0])).toEqual([today, today]);
  });

  it("refuses more lines than Xero imports, and money in two currencies unless one is chosen", async () => {
    const from = "2026-10-31T13:00:00Z";
    const to = "2026-11-30T13:00:00Z";
    for (let i = 0; i < 3; i++)
      await giveGift(t.db, {
        campaignId: fixtures.campaign.id,
        amountMinor: 1000 + i,
        paidAt: new Date(`2026-11-0${i + 1}T00:00:00Z`),
      });
    const ok = await statement(from, to, { maxLines: 3 });
    expect(ok.ok && ok.lines).toBe(3);
    expect(await statement(from, to, { maxLines: 2 })).toEqual({
      ok: false,
      field: "to",
      message: expect.stringMatching(/^More than 2 lines .* Xero imports at most 2 per file/),
    });

    const [nz] = await t.db
      .insert(campaigns)
      .values({
        slug: `kiwi-${randomUUID().slice(0, 8)}`,
        name: "Kiwi appeal",
        headline: "Kiwi appeal",
        currency: "NZD",
        startsAt: new Date("2026-01-01T00:00:00Z"),
        targetMinor: 100000,
      })
      .returning();
    await giveGift(t.db, {
      campaignId: nz.id,
      amountMinor: 700,
      currency: "NZD",
      paidAt: new Date("2026-11-04T00:00:00Z"),
    });
    const both = await statement(from, to);
    expect(both).toMatchObject({ ok: false, field: "currency", message: expect.stringContaining("AUD and NZD") });
    const kiwi = await statement(from, to, { currency: "NZD" });
    expect(
      kiwi.ok &&
        parseCsv(kiwi.csv)
          .slice(1)
          .map((r) => r[1]),
    ).toEqual(["7.00"]);
  });

  it("downloads through the exports page: audited, named, and a refusal shown at its field", async () => {
    const page = await callLoader(
      exportsPageLoader,
      "/admin/exports?kind=statement&account=card&from=2026-08-01&to=2026-08-31&dates=dmy",
      { cookie },
    );
    expect(page.status).toBe(303);
    const location = page.headers.get("Location")!;
    expect(location).toMatch(/^\/admin\/exports\/statement\.csv\?/);
    const response = await callLoader(exportLoader, location, { params: { kind: "statement" }, cookie });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toBe(
      'attachment; filename="xero-statement-card-2026-08-01-to-2026-08-31.csv"',
    );
    const text = await response.text();
    expect(parseCsv(text)[0]).toEqual(STATEMENT_HEADER);
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "export.statement"), eq(auditLog.actorId, adminId)));
    expect(entry.details).toMatchObject({ from: "2026-08-01", to: "2026-08-31", account: "card" });

    // November holds two currencies: the page says so at the currency field and sends nothing.
    const refused = await callLoader(
      exportsPageLoader,
      "/admin/exports?kind=statement&account=card&from=2026-11-01&to=2026-11-30&dates=dmy",
      { cookie },
    );
    expect(refused.status).toBe(200);
    const body = (await refused.json()) as { errors: Record<string, string>; currencies: string[] };
    expect(body.errors.currency).toMatch(/AUD and NZD/);
    // Every currency the organisation's campaigns take, the seeded euro campaign's included (ADR 050).
    expect(body.currencies).toEqual(["AUD", "EUR", "NZD"]);
    const bad = await callLoader(
      exportLoader,
      "/admin/exports/statement.csv?account=bank&from=2026-11-01&to=2026-11-30",
      {
        params: { kind: "statement" },
        cookie,
      },
    );
    expect(bad.status).toBe(400);
  });
});
