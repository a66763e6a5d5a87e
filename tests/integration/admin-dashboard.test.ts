import { eq } from "drizzle-orm";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { campaigns, payments, subscriptions } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import {
  getDashboard,
  getIncomeByMonth,
  getPendingPledges,
  getIncomeThisMonth,
  getRecurringRevenue,
  getSubscriptionChangesThisMonth,
  getSupportersByTier,
  lastTwelveMonths,
  listFailingPayments,
  toMonthlyBars,
} from "~/reports/dashboard.server";
import { loader as dashboardLoader } from "~/routes/admin._index";
import { IncomeChart } from "~/ui/IncomeChart";
import { cancelPledge, createPledge } from "~/pledges/pledges.server";
import { giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

// 15 May 2026, 10 am in Melbourne: May runs from 2026-04-30T14:00Z to 2026-05-31T14:00Z.
const NOW = new Date("2026-05-15T00:00:00Z");

/** A known ledger on the default campaign, plus things the dashboard must leave out. */
async function knownLedger() {
  const campaignId = fixtures.campaign.id;
  const give = (paidAt: string, extra: Partial<Parameters<typeof giveGift>[1]> = {}) =>
    giveGift(t.db, { campaignId, paidAt: new Date(paidAt), ...extra });
  const setSubscription = async (
    payment: { subscriptionId: number | null },
    change: Partial<typeof subscriptions.$inferInsert>,
  ) => {
    await t.db.update(subscriptions).set(change).where(eq(subscriptions.id, payment.subscriptionId!));
  };

  // This month, one-off: 2500 + 5000 (fee cover excluded) + 2500 (4000 less a 1500 refund) + 700 (first second of May).
  const oneOff = await give("2026-05-02T00:00:00Z", { amountMinor: 2500 });
  await give("2026-05-03T00:00:00Z", { amountMinor: 5000, feeCoverMinor: 118 });
  const refunded = await give("2026-05-04T00:00:00Z", { amountMinor: 4000 });
  await t.db.update(payments).set({ refundedMinor: 1500 }).where(eq(payments.id, refunded.payment.id));
  await give("2026-04-30T14:00:00Z", { amountMinor: 700 });
  await give("2026-04-30T13:59:59Z", { amountMinor: 1000 }); // 11.59 pm on 30 April in Melbourne: April

  // Recurring this month: a monthly gift and a print tier.
  const monthly = await give("2026-05-05T00:00:00Z", { kind: "monthly", amountMinor: 1500 });
  const printEmail = uniqueEmail("print");
  const print = await give("2026-05-06T00:00:00Z", {
    kind: "tier_monthly",
    planId: fixtures.plan("print-monthly").id,
    amountMinor: 1000,
    email: printEmail,
  });
  // The same person also bought a digital year: still one supporter, counted at print.
  await give("2026-02-10T00:00:00Z", {
    kind: "tier_one_time",
    planId: fixtures.plan("digital-year").id,
    amountMinor: 5500,
    email: printEmail,
  });
  await give("2026-01-10T00:00:00Z", {
    kind: "tier_one_time",
    planId: fixtures.plan("digital-year").id,
    amountMinor: 5500,
  });
  const failing = await give("2026-03-01T00:00:00Z", {
    kind: "tier_monthly",
    planId: fixtures.plan("digital-monthly").id,
    amountMinor: 500,
  });
  await setSubscription(failing.payment, { status: "past_due" });
  // Not entitled: a print year that ran out, and a digital year refunded in full.
  await give("2025-03-01T00:00:00Z", {
    kind: "tier_one_time",
    planId: fixtures.plan("print-year").id,
    amountMinor: 11000,
  });
  const refundedYear = await give("2026-04-01T00:00:00Z", {
    kind: "tier_one_time",
    planId: fixtures.plan("digital-year").id,
    amountMinor: 5500,
  });
  await t.db.update(payments).set({ refundedMinor: 5500 }).where(eq(payments.id, refundedYear.payment.id));

  // Monthly gifts that bring in nothing next month: paused, ending, cancelled this month.
  const paused = await give("2025-12-01T00:00:00Z", { kind: "monthly", amountMinor: 1200 });
  await setSubscription(paused.payment, { pausedUntil: new Date("2026-06-01T00:00:00Z") });
  const ending = await give("2025-06-15T00:00:00Z", { kind: "monthly", amountMinor: 800 });
  await setSubscription(ending.payment, { cancelAtPeriodEnd: true });
  const cancelled = await give("2025-05-20T00:00:00Z", { kind: "monthly", amountMinor: 900 });

  // Outside the campaign's figures: another currency, another campaign.
  const dollars = await give("2026-05-07T00:00:00Z", { kind: "monthly", amountMinor: 700, currency: "USD" });
  const [defence] = await t.db.select().from(campaigns).where(eq(campaigns.slug, "defence-fund"));
  await giveGift(t.db, { campaignId: defence.id, amountMinor: 3000, paidAt: new Date("2026-05-08T00:00:00Z") });

  // A cheque, as offline recording will write it.
  await t.db.insert(payments).values({
    supporterId: oneOff.supporterId,
    campaignId,
    kind: "one_off",
    method: "cheque",
    provider: "offline",
    providerPaymentId: "cheque-000123",
    amountMinor: 20000,
    currency: "AUD",
    receiptNumber: 900_001,
    paidAt: new Date("2026-05-09T00:00:00Z"),
  });

  // Started this month: the monthly gift, the print tier and the dollar gift; the rest earlier.
  await t.db
    .update(subscriptions)
    .set({ createdAt: new Date("2026-03-01T00:00:00Z") })
    .where(eq(subscriptions.campaignId, campaignId));
  for (const gift of [monthly, print, dollars])
    await setSubscription(gift.payment, { createdAt: new Date("2026-05-05T00:00:00Z") });
  await setSubscription(cancelled.payment, { status: "canceled", providerUpdatedAt: new Date("2026-05-10T00:00:00Z") });

  return { campaignId, failing };
}

let ledger: Awaited<ReturnType<typeof knownLedger>>;
let staffCookie: string;

beforeAll(async () => {
  ledger = await knownLedger();
  const email = uniqueEmail("staff");
  const password = "correct horse battery staple";
  await createStaffUser(t.db, { email, name: "Sam Staff", role: "staff", password });
  const signIn = await signInStaff(t.db, { email, password, clientAddress: "203.0.113.20" });
  if (signIn.status !== "ok") throw new Error(`staff sign-in failed: ${signIn.status}`);
  staffCookie = signIn.cookie.split(";")[0];
});

describe("the dashboard's figures", () => {
  it("splits this month's income into one-off, recurring and offline, net of refunds and fee cover, in the organisation's time zone", async () => {
    const income = await getIncomeThisMonth(t.db, { campaignId: ledger.campaignId, now: NOW });
    expect(income).toEqual({
      oneOffMinor: 2500 + 5000 + 2500 + 700,
      recurringMinor: 1500 + 1000,
      offlineMinor: 20000,
      totalMinor: 33200,
    });
  });

  it("counts monthly recurring revenue per currency from subscriptions that will be collected, and the people giving monthly", async () => {
    const revenue = await getRecurringRevenue(t.db, { campaignId: ledger.campaignId, now: NOW });
    expect(revenue.mrr).toEqual([
      { currency: "AUD", amountMinor: 1500 + 1000 + 500 },
      { currency: "USD", amountMinor: 700 },
    ]);
    expect(revenue.monthlyDonors).toBe(2);
  });

  it("counts each entitled supporter once, at their highest tier", async () => {
    expect(await getSupportersByTier(t.db, { campaignId: ledger.campaignId, now: NOW })).toEqual({
      print: 1,
      digital: 2,
    });
  });

  it("counts subscriptions started and cancelled this month", async () => {
    expect(await getSubscriptionChangesThisMonth(t.db, { campaignId: ledger.campaignId, now: NOW })).toEqual({
      started: 3,
      cancelled: 1,
    });
  });

  it("lists the subscriptions whose payments are failing now", async () => {
    const failing = await listFailingPayments(t.db, { campaignId: ledger.campaignId, now: NOW });
    expect(failing.total).toBe(1);
    expect(failing.subscriptions).toEqual([
      expect.objectContaining({
        supporterId: ledger.failing.supporterId,
        planName: "Digital supporter",
        amountMinor: 500,
        currency: "AUD",
      }),
    ]);
  });
});

describe("the 12-month income chart", () => {
  it("has twelve calendar months ending with this one, bounded at local midnights", () => {
    const months = lastTwelveMonths(NOW, "Australia/Melbourne");
    expect(months.map((m) => m.month)).toEqual([
      "2025-06",
      "2025-07",
      "2025-08",
      "2025-09",
      "2025-10",
      "2025-11",
      "2025-12",
      "2026-01",
      "2026-02",
      "2026-03",
      "2026-04",
      "2026-05",
    ]);
    expect(months[11].start.toISOString()).toBe("2026-04-30T14:00:00.000Z");
    expect(months[6].start.toISOString()).toBe("2025-11-30T13:00:00.000Z"); // summer time
    expect(toMonthlyBars(months.slice(0, 2), [{ month: "2025-07", netMinor: 5 }])).toEqual([
      { month: "2025-06", netMinor: 0 },
      { month: "2025-07", netMinor: 5 },
    ]);
  });

  it("has one bar per month with that month's net income", async () => {
    const bars = await getIncomeByMonth(t.db, { campaignId: ledger.campaignId, now: NOW });
    expect(bars).toEqual([
      { month: "2025-06", netMinor: 800 },
      { month: "2025-07", netMinor: 0 },
      { month: "2025-08", netMinor: 0 },
      { month: "2025-09", netMinor: 0 },
      { month: "2025-10", netMinor: 0 },
      { month: "2025-11", netMinor: 0 },
      { month: "2025-12", netMinor: 1200 },
      { month: "2026-01", netMinor: 5500 },
      { month: "2026-02", netMinor: 5500 },
      { month: "2026-03", netMinor: 500 },
      { month: "2026-04", netMinor: 1000 },
      { month: "2026-05", netMinor: 33200 },
    ]);
  });

  it("draws twelve bars with a title, a description, money on the axis and a table of the same figures", async () => {
    const bars = await getIncomeByMonth(t.db, { campaignId: ledger.campaignId, now: NOW });
    const html = renderToStaticMarkup(createElement(IncomeChart, { months: bars, currency: "AUD" }));
    expect(html.match(/<rect class="income-bar"/g)).toHaveLength(12);
    expect(html).toContain('viewBox="0 0 320 190"');
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="income-chart-title income-chart-desc"/);
    expect(html).toContain('<title id="income-chart-title">');
    expect(html).toContain("The highest month is May 2026 at $332.");
    expect(html).toMatch(/>\$400<\/text>/);
    expect(html).toContain('<th scope="row">June 2025</th><td>$8</td>');
    expect(html.match(/<th scope="row">/g)).toHaveLength(12);
  });
});

describe("/admin", () => {
  it("sends a visitor without a staff session to sign in", async () => {
    const response = await callLoader(dashboardLoader, "/admin");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/admin/sign-in?next=%2Fadmin");
  });

  it("shows staff the default campaign, or the one they choose", async () => {
    const response = await callLoader(dashboardLoader, "/admin", { cookie: staffCookie });
    expect(response.status).toBe(200);
    const data = await response.json();
    expect(data.campaign.slug).toBe(fixtures.campaign.slug);
    expect(data.campaigns.map((c: { slug: string }) => c.slug)).toEqual([
      fixtures.campaign.slug,
      "svobodnye-novosti",
      "defence-fund",
    ]);
    expect(data.chart).toHaveLength(12);
    expect(data.failing.subscriptions[0].supporterId).toBe(ledger.failing.supporterId);

    const chosen = await (
      await callLoader(dashboardLoader, "/admin?campaign=defence-fund", { cookie: staffCookie })
    ).json();
    expect(chosen.campaign.slug).toBe("defence-fund");
    expect(chosen.progress.raisedMinor).toBe(3000);
    expect(chosen.tiers).toEqual({ print: 0, digital: 0 });

    expect(
      (await callLoader(dashboardLoader, "/admin?campaign=no-such-campaign", { cookie: staffCookie })).status,
    ).toBe(404);
    expect((await callLoader(dashboardLoader, "/admin?campaign=Not%20a%20slug", { cookie: staffCookie })).status).toBe(
      404,
    );
  });

  it("matches the figures getDashboard computes for the same moment", async () => {
    const dashboard = await getDashboard(t.db, { now: NOW });
    expect(dashboard?.income.totalMinor).toBe(33200);
    expect(dashboard?.month).toBe("2026-05");
  });
});

describe("pending pledges", () => {
  it("counts the campaign's unpaid pledges and their sum, and drops one once it is cancelled", async () => {
    const staffUserId = await createStaffUser(t.db, {
      email: uniqueEmail("pledger"),
      name: "Pat Phones",
      role: "staff",
      password: "a long enough password",
    });
    const staff = { staffUserId };
    const before = await getPendingPledges(t.db, { campaignId: fixtures.campaign.id, now: NOW });
    const pledge = async (amountMinor: number, campaignId = fixtures.campaign.id) => {
      const result = await createPledge(t.db, {
        staff,
        supporter: { email: uniqueEmail("caller"), name: "Carla Caller", phone: "0400 111 222" },
        campaignId,
        kind: "one_off",
        amountMinor,
        payMethod: "link",
      });
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      return result.pledgeId;
    };
    const first = await pledge(4200);
    await pledge(1800);
    const other = await t.db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.slug, "defence-fund"));
    await pledge(9900, other[0].id);

    const after = await getPendingPledges(t.db, { campaignId: fixtures.campaign.id, now: NOW });
    expect(after.count - before.count).toBe(2);
    expect(after.amountMinor - before.amountMinor).toBe(6000);
    expect(after.oldestAt).toBeInstanceOf(Date);

    expect(await cancelPledge(t.db, { staff, pledgeId: first })).toBe("cancelled");
    const cancelled = await getPendingPledges(t.db, { campaignId: fixtures.campaign.id, now: NOW });
    expect(cancelled.count - before.count).toBe(1);
    expect(cancelled.amountMinor - before.amountMinor).toBe(1800);

    const page = await (await callLoader(dashboardLoader, "/admin", { cookie: staffCookie })).json();
    expect(page.pending.count).toBe(cancelled.count);
  });
});

describe("the live figures at their edges", () => {
  // A campaign of its own, made after the tests above have counted the campaigns.
  let campaignId: number;
  beforeAll(async () => {
    const [edge] = await t.db
      .insert(campaigns)
      .values({
        slug: "edge-cases",
        name: "Edge cases",
        headline: "Edges",
        currency: "AUD",
        targetMinor: 100_000,
        startsAt: new Date("2025-01-01T00:00:00Z"),
      })
      .returning();
    campaignId = edge.id;
    const give = (email: string, paidAt: string, extra: Partial<Parameters<typeof giveGift>[1]>) =>
      giveGift(t.db, { campaignId, email, paidAt: new Date(paidAt), ...extra });
    const setSubscription = async (
      payment: { subscriptionId: number | null },
      change: Partial<typeof subscriptions.$inferInsert>,
    ) => {
      await t.db.update(subscriptions).set(change).where(eq(subscriptions.id, payment.subscriptionId!));
    };
    const refund = async (payment: { id: number }, refundedMinor: number) => {
      await t.db.update(payments).set({ refundedMinor }).where(eq(payments.id, payment.id));
    };
    const plan = (code: string) => fixtures.plan(code).id;

    // Two monthly gifts and a digital tier: one monthly donor, three amounts of revenue.
    const both = uniqueEmail("both");
    await give(both, "2026-02-01T00:00:00Z", { kind: "monthly", amountMinor: 1000 });
    await give(both, "2026-03-01T00:00:00Z", { kind: "monthly", amountMinor: 2000 });
    await give(both, "2026-03-02T00:00:00Z", {
      kind: "tier_monthly",
      planId: plan("digital-monthly"),
      amountMinor: 500,
    });
    // A pause that ended before now: collected again.
    const resumed = await give(uniqueEmail("resumed"), "2026-01-01T00:00:00Z", { kind: "monthly", amountMinor: 700 });
    await setSubscription(resumed.payment, { pausedUntil: new Date("2026-05-01T00:00:00Z") });
    // Monthly gifts in two currencies from one person: one donor, two currencies.
    const twoCurrencies = uniqueEmail("two-currencies");
    await give(twoCurrencies, "2026-02-01T00:00:00Z", { kind: "monthly", amountMinor: 400 });
    await give(twoCurrencies, "2026-02-02T00:00:00Z", { kind: "monthly", amountMinor: 600, currency: "USD" });
    // A print tier paused and ending: no revenue next month, still entitled now.
    const pausedPrint = await give(uniqueEmail("paused-print"), "2026-01-01T00:00:00Z", {
      kind: "tier_monthly",
      planId: plan("print-monthly"),
      amountMinor: 1000,
    });
    await setSubscription(pausedPrint.payment, {
      pausedUntil: new Date("2026-07-01T00:00:00Z"),
      cancelAtPeriodEnd: true,
    });
    // A digital subscriber who also bought a print year, partly refunded: print.
    const upgraded = uniqueEmail("upgraded");
    await give(upgraded, "2026-01-01T00:00:00Z", {
      kind: "tier_monthly",
      planId: plan("digital-monthly"),
      amountMinor: 500,
    });
    const printYear = await give(upgraded, "2026-03-01T00:00:00Z", {
      kind: "tier_one_time",
      planId: plan("print-year"),
      amountMinor: 11000,
    });
    await refund(printYear.payment, 1000);
    // Two one-time years, digital and print: one person, print.
    const twoYears = uniqueEmail("two-years");
    await give(twoYears, "2026-01-15T00:00:00Z", {
      kind: "tier_one_time",
      planId: plan("digital-year"),
      amountMinor: 5500,
    });
    await give(twoYears, "2026-02-15T00:00:00Z", {
      kind: "tier_one_time",
      planId: plan("print-year"),
      amountMinor: 11000,
    });
    // A print year refunded in full beside a digital year: digital.
    const refundedPrint = uniqueEmail("refunded-print");
    await give(refundedPrint, "2026-01-20T00:00:00Z", {
      kind: "tier_one_time",
      planId: plan("digital-year"),
      amountMinor: 5500,
    });
    const fullRefund = await give(refundedPrint, "2026-02-20T00:00:00Z", {
      kind: "tier_one_time",
      planId: plan("print-year"),
      amountMinor: 11000,
    });
    await refund(fullRefund.payment, 11000);
    // A cancelled print tier: neither revenue nor entitlement.
    const gone = await give(uniqueEmail("gone"), "2025-10-01T00:00:00Z", {
      kind: "tier_monthly",
      planId: plan("print-monthly"),
      amountMinor: 1000,
    });
    await setSubscription(gone.payment, { status: "canceled" });
    // A digital year here, and a digital tier in another campaign only: counted here, once.
    const elsewhere = uniqueEmail("elsewhere");
    await give(elsewhere, "2026-02-01T00:00:00Z", {
      kind: "tier_one_time",
      planId: plan("digital-year"),
      amountMinor: 5500,
    });
    await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      email: elsewhere,
      kind: "tier_monthly",
      planId: plan("digital-monthly"),
      amountMinor: 500,
    });
  });

  it("counts revenue per currency and each monthly donor once, whatever else they give", async () => {
    expect(await getRecurringRevenue(t.db, { campaignId, now: NOW })).toEqual({
      mrr: [
        { currency: "AUD", amountMinor: 1000 + 2000 + 500 + 700 + 400 + 500 },
        { currency: "USD", amountMinor: 600 },
      ],
      monthlyDonors: 3,
    });
  });

  it("counts tiers by entitlement, not by collection, each person once at their highest tier", async () => {
    expect(await getSupportersByTier(t.db, { campaignId, now: NOW })).toEqual({ print: 3, digital: 3 });
  });
});
