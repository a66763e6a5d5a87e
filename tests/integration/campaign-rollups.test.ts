import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  campaignIncomeBuckets,
  campaigns,
  campaignSupporterTotals,
  campaignTotals,
  payments,
  receipts,
  settings,
} from "@db/schema";
import { getCampaignProgress } from "~/campaigns/campaigns.server";
import { getIncomeByMonth, getIncomeThisMonth } from "~/reports/dashboard.server";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";

const { t, fixtures } = useSeededDatabase();

const rowsOf = <T>(result: unknown) => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

/** Every rollup as the triggers keep it, in a comparable form. */
async function rollups() {
  const totals = await t.db.select().from(campaignTotals).orderBy(campaignTotals.campaignId, campaignTotals.currency);
  const people = await t.db
    .select()
    .from(campaignSupporterTotals)
    .where(sql`${campaignSupporterTotals.netMinor} <> 0 or ${campaignSupporterTotals.livePayments} <> 0`)
    .orderBy(campaignSupporterTotals.campaignId, campaignSupporterTotals.currency, campaignSupporterTotals.supporterId);
  const buckets = await t.db
    .select()
    .from(campaignIncomeBuckets)
    .where(
      sql`${campaignIncomeBuckets.oneOffMinor} <> 0 or ${campaignIncomeBuckets.recurringMinor} <> 0 or ${campaignIncomeBuckets.offlineMinor} <> 0`,
    )
    .orderBy(campaignIncomeBuckets.campaignId, campaignIncomeBuckets.currency, campaignIncomeBuckets.bucketStart);
  return {
    totals: totals.filter((r) => r.raisedMinor !== 0 || r.supporters !== 0),
    people,
    buckets: buckets.map((b) => ({ ...b, bucketStart: b.bucketStart.toISOString() })),
  };
}

/** The same figures summed from the ledger here and now, the way getCampaignProgress used to. */
async function fromLedger() {
  const net = sql`greatest(${payments.amountMinor} - ${payments.refundedMinor} - ${payments.feeCoverMinor}, 0)`;
  const people = await t.db
    .select({
      campaignId: payments.campaignId,
      currency: payments.currency,
      supporterId: payments.supporterId,
      netMinor: sql<number>`sum(${net})::bigint`.mapWith(Number),
      livePayments: sql<number>`(count(*) filter (where ${payments.amountMinor} > ${payments.refundedMinor}))::int`,
    })
    .from(payments)
    .groupBy(payments.campaignId, payments.currency, payments.supporterId)
    .orderBy(payments.campaignId, payments.currency, payments.supporterId);
  // In the home currency (ADR 050): as paid, or at what the provider settled, net in proportion.
  const inHome = sql`(${payments.currency} = ${campaigns.currency} or coalesce(${payments.settledCurrency} = ${campaigns.currency}, false))`;
  const home = sql`case when ${payments.currency} = ${campaigns.currency} then ${net} when ${payments.settledCurrency} = ${campaigns.currency} then round(${payments.settledAmountMinor}::numeric * ${net} / ${payments.amountMinor}) else 0 end`;
  const totals = await t.db
    .select({
      campaignId: payments.campaignId,
      currency: payments.currency,
      raisedMinor: sql<number>`sum(${net})::bigint`.mapWith(Number),
      supporters: sql<number>`(count(distinct ${payments.supporterId}) filter (where ${payments.amountMinor} > ${payments.refundedMinor}))::int`,
      homeMinor: sql<number>`sum(${home})::bigint`.mapWith(Number),
      unconvertedMinor: sql<number>`coalesce(sum(${net}) filter (where not ${inHome}), 0)::bigint`.mapWith(Number),
      unconvertedPayments: sql<number>`(count(*) filter (where not ${inHome} and ${net} > 0))::int`,
    })
    .from(payments)
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .groupBy(payments.campaignId, payments.currency)
    .orderBy(payments.campaignId, payments.currency);
  return {
    totals: totals.filter((r) => r.raisedMinor !== 0 || r.supporters !== 0),
    people: people.filter((p) => p.netMinor !== 0 || p.livePayments !== 0),
  };
}

async function expectRollupsToMatchLedger() {
  const kept = await rollups();
  const summed = await fromLedger();
  expect(kept.totals).toEqual(summed.totals);
  expect(kept.people).toEqual(summed.people);
  // The quarter hours add up to the campaign's net income too.
  const bucketSums = new Map<string, number>();
  for (const b of kept.buckets)
    bucketSums.set(
      `${b.campaignId}:${b.currency}`,
      (bucketSums.get(`${b.campaignId}:${b.currency}`) ?? 0) + b.oneOffMinor + b.recurringMinor + b.offlineMinor,
    );
  expect(Object.fromEntries(bucketSums)).toEqual(
    Object.fromEntries(summed.totals.map((r) => [`${r.campaignId}:${r.currency}`, r.raisedMinor])),
  );
  return kept;
}

const progress = () => getCampaignProgress(t.db, fixtures.campaign);

describe("campaign totals kept by the ledger's triggers", () => {
  it("count a gift, its fee cover, refunds and the person once, however their payments change", async () => {
    const before = await progress();
    // The checkout asks for 50.00 and 1.18 of fee cover; the card pays 51.18.
    const first = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 5000, feeCoverMinor: 118 });
    expect(first.payment.amountMinor).toBe(5118);
    expect(await progress()).toMatchObject({
      raisedMinor: before.raisedMinor + 5000,
      supporters: before.supporters + 1,
    });

    // A second gift from the same person: more money, still one supporter.
    const second = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      amountMinor: 2000,
      email: first.checkout.email,
    });
    expect(second.supporterId).toBe(first.supporterId);
    expect(await progress()).toMatchObject({
      raisedMinor: before.raisedMinor + 7000,
      supporters: before.supporters + 1,
    });

    // Refund the first in part, then the second in full: they still count, by what is left.
    await t.db.update(payments).set({ refundedMinor: 1000 }).where(eq(payments.id, first.payment.id));
    await t.db.update(payments).set({ refundedMinor: 2000 }).where(eq(payments.id, second.payment.id));
    expect(await progress()).toMatchObject({
      raisedMinor: before.raisedMinor + 4000,
      supporters: before.supporters + 1,
    });

    // Refund what is left of the first: nothing kept, so no longer a supporter.
    await t.db.update(payments).set({ refundedMinor: 5118 }).where(eq(payments.id, first.payment.id));
    expect(await progress()).toMatchObject({ raisedMinor: before.raisedMinor, supporters: before.supporters });

    // Changes that move no money (a scrubbed message) leave the figures alone.
    await t.db.update(payments).set({ message: null }).where(eq(payments.supporterId, first.supporterId));
    expect(await progress()).toMatchObject({ raisedMinor: before.raisedMinor, supporters: before.supporters });
    await expectRollupsToMatchLedger();
  });

  it("follow payments moved between campaigns and currencies, backdated, or deleted", async () => {
    const [defence] = await t.db.select().from(campaigns).where(eq(campaigns.slug, "defence-fund"));
    const gifts = [];
    for (const amountMinor of [1500, 2500, 4000])
      gifts.push(await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor }));
    await t.db.update(payments).set({ campaignId: defence.id }).where(eq(payments.id, gifts[0].payment.id));
    await t.db.update(payments).set({ currency: "NZD" }).where(eq(payments.id, gifts[1].payment.id));
    await t.db
      .update(payments)
      .set({ paidAt: new Date("2025-02-03T04:05:06Z") })
      .where(eq(payments.id, gifts[2].payment.id));
    const defenceProgress = await getCampaignProgress(t.db, defence);
    expect(defenceProgress.raisedMinor).toBeGreaterThanOrEqual(1500);
    await expectRollupsToMatchLedger();

    await t.db.delete(receipts).where(eq(receipts.paymentId, gifts[2].payment.id));
    await t.db.delete(payments).where(eq(payments.id, gifts[2].payment.id));
    await expectRollupsToMatchLedger();
  });

  it("agree with the ledger after many random changes, and with a rebuild from scratch", async () => {
    // A small deterministic random walk over gifts, refunds, fee cover and dates.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const ids: number[] = [];
    for (let step = 0; step < 40; step++) {
      const roll = random();
      if (roll < 0.4 || ids.length === 0) {
        const amountMinor = 500 + Math.floor(random() * 20) * 250;
        const gift = await giveGift(t.db, {
          campaignId: fixtures.campaign.id,
          amountMinor,
          kind: random() < 0.3 ? "monthly" : "one_off",
        });
        ids.push(gift.payment.id);
      } else {
        const id = ids[Math.floor(random() * ids.length)];
        const [row] = await t.db.select().from(payments).where(eq(payments.id, id));
        if (roll < 0.7)
          await t.db
            .update(payments)
            .set({
              refundedMinor: Math.min(row.amountMinor, row.refundedMinor + Math.floor(random() * row.amountMinor)),
            })
            .where(eq(payments.id, id));
        else if (roll < 0.85)
          await t.db
            .update(payments)
            .set({ feeCoverMinor: Math.floor(random() * 200) })
            .where(eq(payments.id, id));
        else
          await t.db
            .update(payments)
            .set({
              paidAt: new Date(
                Date.UTC(
                  2026,
                  Math.floor(random() * 12),
                  1 + Math.floor(random() * 28),
                  Math.floor(random() * 24),
                  Math.floor(random() * 60),
                ),
              ),
            })
            .where(eq(payments.id, id));
      }
    }
    const kept = await expectRollupsToMatchLedger();
    await t.db.execute(sql`select rebuild_campaign_rollups()`);
    expect(await rollups()).toEqual(kept);
  });

  it("add up to calendar months in a zone whose midnight is not on the hour", async () => {
    const [org] = await t.db.select({ timeZone: settings.timeZone }).from(settings);
    await t.db.update(settings).set({ timeZone: "Asia/Kathmandu" }); // UTC+5:45
    try {
      // 18:14 UTC on 31 March is 23:59 in Kathmandu, 18:15 is midnight on 1 April.
      await giveGift(t.db, {
        campaignId: fixtures.campaign.id,
        amountMinor: 1100,
        paidAt: new Date("2026-03-31T18:14:59Z"),
      });
      await giveGift(t.db, {
        campaignId: fixtures.campaign.id,
        amountMinor: 2200,
        paidAt: new Date("2026-03-31T18:15:00Z"),
      });
      const now = new Date("2026-04-10T00:00:00Z");
      const chart = await getIncomeByMonth(t.db, { campaignId: fixtures.campaign.id, now });
      const net = sql`greatest(${payments.amountMinor} - ${payments.refundedMinor} - ${payments.feeCoverMinor}, 0)`;
      const expected = rowsOf<{ month: string; net: string }>(
        await t.db
          .execute(sql`select to_char(${payments.paidAt} at time zone 'Asia/Kathmandu', 'YYYY-MM') as month, sum(${net}) as net
          from ${payments} where ${and(eq(payments.campaignId, fixtures.campaign.id), eq(payments.currency, "AUD"))} group by 1`),
      );
      const byMonth = Object.fromEntries(expected.map((r) => [r.month, Number(r.net)]));
      expect(chart.find((m) => m.month === "2026-03")?.netMinor).toBe(byMonth["2026-03"]);
      expect(chart.find((m) => m.month === "2026-04")?.netMinor).toBe(byMonth["2026-04"]);
      expect((await getIncomeThisMonth(t.db, { campaignId: fixtures.campaign.id, now })).totalMinor).toBe(
        byMonth["2026-04"],
      );
    } finally {
      await t.db.update(settings).set({ timeZone: org.timeZone });
    }
  });
});
