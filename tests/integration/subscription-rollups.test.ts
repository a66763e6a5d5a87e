import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DB } from "@db/client.server";
import {
  campaigns,
  campaignSubscriptionFigures,
  campaignSubscriptionPeople,
  payments,
  receipts,
  subscriptions,
} from "@db/schema";
import { runJobsOnce } from "~/jobs/scheduler.server";
import { getRecurringRevenue, getSupportersByTier } from "~/reports/dashboard.server";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";

/**
 * The dashboard's subscription figures come from rollups kept by triggers (ADR 024). Here the
 * oracle is the definition itself, computed from the subscriptions and the ledger as the
 * dashboard did before: after random changes of every column the rollups read, at instants
 * before, during and after pauses and one-time years, the two must agree, and a rebuild from
 * scratch must find the rows the triggers kept.
 */

const { t, fixtures } = useSeededDatabase();

const ENTITLING = sql.raw("('active', 'trialing', 'past_due')");
const rowsOf = <T>(result: unknown): T[] => (result as { rows?: T[] }).rows ?? (result as T[]);

/** What the dashboard showed before rollups: the figures straight from the rows. */
async function fromTheRows(db: DB, campaignId: number, now: Date) {
  const at = sql`${now.toISOString()}::timestamptz`;
  const collecting = sql`status in ${ENTITLING} and not cancel_at_period_end and (paused_until is null or paused_until <= ${at})`;
  const mrr = rowsOf<{ currency: string; amount: string }>(
    await db.execute(
      sql`select currency, sum(amount_minor) as amount from subscriptions where campaign_id = ${campaignId} and ${collecting} group by currency order by currency`,
    ),
  );
  const [donors] = rowsOf<{ n: number }>(
    await db.execute(
      sql`select count(distinct supporter_id)::int as n from subscriptions where campaign_id = ${campaignId} and kind = 'monthly' and ${collecting}`,
    ),
  );
  const entitled = async (tier: "any" | "print") => {
    const ofTier = (planId: string) =>
      tier === "print"
        ? sql.raw(`${planId} in (select id from plans where tier = 'print')`)
        : sql.raw(`${planId} is not null`);
    const [row] = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from (
        select supporter_id from subscriptions where campaign_id = ${campaignId} and kind = 'tier_monthly' and status in ${ENTITLING} and ${ofTier("plan_id")}
        union
        select supporter_id from payments where campaign_id = ${campaignId} and kind = 'tier_one_time' and covers_until > ${at} and refunded_minor < amount_minor and ${ofTier("plan_id")}
      ) as people`),
    );
    return row.n;
  };
  const [everyone, print] = [await entitled("any"), await entitled("print")];
  return {
    recurring: {
      mrr: mrr.map((r) => ({ currency: r.currency, amountMinor: Number(r.amount) })),
      monthlyDonors: donors.n,
    },
    tiers: { print, digital: everyone - print },
  };
}

async function fromTheRollups(db: DB, campaignId: number, now: Date) {
  return {
    recurring: await getRecurringRevenue(db, { campaignId, now }),
    tiers: await getSupportersByTier(db, { campaignId, now }),
  };
}

/** The rollup tables as rows to compare: people in order, and the figures summed per campaign and currency. */
async function rollupTables(db: DB) {
  const peopleRows = await db
    .select()
    .from(campaignSubscriptionPeople)
    .orderBy(campaignSubscriptionPeople.campaignId, campaignSubscriptionPeople.supporterId);
  const sums = rowsOf<Record<string, string | number | null>>(
    await db.execute(sql`select campaign_id, currency, sum(recurring_minor)::bigint::text as recurring, sum(monthly_donors)::int as donors,
        sum(tier_people)::int as tier, sum(print_people)::int as print
      from ${campaignSubscriptionFigures} group by 1, 2
      having (sum(recurring_minor), sum(monthly_donors), sum(tier_people), sum(print_people)) <> (0, 0, 0, 0)
      order by 1, 2 nulls first`),
  );
  return {
    people: peopleRows.map((p) => ({
      ...p,
      monthlyPausedUntil: p.monthlyPausedUntil?.toISOString() ?? null,
      tierYearsUntil: p.tierYearsUntil?.toISOString() ?? null,
      printYearsUntil: p.printYearsUntil?.toISOString() ?? null,
    })),
    sums,
  };
}

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
// Instants the random dates below fall around: before, among and after pauses and years.
const INSTANTS = ["2025-06-01", "2026-01-15", "2026-05-15", "2026-09-30", "2027-08-01"].map(day);

describe("subscription rollups", () => {
  it("agree with the subscriptions and the ledger after random changes to everything they read, and with a rebuild", async () => {
    let seed = 2024;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const [defence] = await t.db.select().from(campaigns).where(eq(campaigns.slug, "defence-fund"));
    const campaignIds = [fixtures.campaign.id, defence.id];
    const tierPlans = [fixtures.plan("digital-monthly").id, fixtures.plan("print-monthly").id];
    const yearPlans = [fixtures.plan("digital-year").id, fixtures.plan("print-year").id];
    const dates = [
      "2025-03-01",
      "2025-11-20",
      "2026-02-01",
      "2026-05-15",
      "2026-07-01",
      "2027-01-01",
      "2027-06-30",
    ].map(day);

    // People with several subscriptions and years each, so "a person counts once" is tested.
    const supporterIds: number[] = [];
    const gift = async (kind: "monthly" | "tier_monthly" | "tier_one_time", supporterEmail?: string) => {
      const planId = kind === "monthly" ? undefined : pick(kind === "tier_monthly" ? tierPlans : yearPlans);
      const result = await giveGift(t.db, {
        campaignId: pick(campaignIds),
        kind,
        planId,
        amountMinor: 500 + Math.floor(random() * 8) * 250,
        ...(supporterEmail ? { email: supporterEmail } : {}),
        paidAt: pick(dates),
      });
      if (!supporterIds.includes(result.supporterId)) supporterIds.push(result.supporterId);
      return result;
    };
    const emails = ["ana", "bo", "cy", "dee", "eli", "fay", "gus", "hal"].map((name) => `${name}@example.net`);
    for (let i = 0; i < 14; i++) await gift(pick(["monthly", "tier_monthly", "tier_one_time"] as const), pick(emails));

    const changes = { subscriptions: 0, years: 0, deleted: 0 };
    // The states the read-time corrections exist for, seen at some checkpoint.
    const seen = { everyGiftPaused: 0, onlyAYear: 0, onlyAPrintYear: 0 };
    for (let step = 0; step < 150; step++) {
      // In id order, so the walk is the same on every database.
      const subs = await t.db.select().from(subscriptions).orderBy(subscriptions.id);
      const years = await t.db.select().from(payments).where(eq(payments.kind, "tier_one_time")).orderBy(payments.id);
      const roll = random();
      if (roll < 0.08) {
        await gift(pick(["monthly", "tier_monthly", "tier_one_time"] as const), pick(emails));
      } else if (roll < 0.7 && subs.length > 0) {
        const sub = pick(subs);
        const change: Partial<typeof subscriptions.$inferInsert> = pick([
          { status: pick(["active", "trialing", "past_due", "canceled", "unpaid", "incomplete_expired"]) },
          { cancelAtPeriodEnd: !sub.cancelAtPeriodEnd },
          { pausedUntil: random() < 0.3 ? null : pick(dates) },
          { pausedUntil: pick(dates) },
          { planId: sub.kind === "tier_monthly" ? pick(tierPlans) : null },
          { amountMinor: 300 + Math.floor(random() * 10) * 100 },
          { currency: pick(["AUD", "USD"] as const) },
          { campaignId: pick(campaignIds) },
          { supporterId: pick(supporterIds) },
          {
            kind: sub.kind === "monthly" ? "tier_monthly" : "monthly",
            planId: sub.kind === "monthly" ? pick(tierPlans) : null,
          },
        ]);
        if (random() < 0.05) {
          await t.db.update(payments).set({ subscriptionId: null }).where(eq(payments.subscriptionId, sub.id));
          await t.db.delete(subscriptions).where(eq(subscriptions.id, sub.id));
          changes.deleted += 1;
        } else await t.db.update(subscriptions).set(change).where(eq(subscriptions.id, sub.id));
        changes.subscriptions += 1;
      } else if (years.length > 0) {
        const year = pick(years);
        const change: Partial<typeof payments.$inferInsert> = pick([
          { refundedMinor: pick([0, Math.floor(year.amountMinor / 2), year.amountMinor]) },
          { coversUntil: pick(dates) },
          { planId: pick(yearPlans) },
          { campaignId: pick(campaignIds) },
          { supporterId: pick(supporterIds) },
          { kind: "one_off", coversUntil: null, planId: null },
        ]);
        if (random() < 0.05) {
          await t.db.delete(receipts).where(eq(receipts.paymentId, year.id));
          await t.db.delete(payments).where(eq(payments.id, year.id));
          changes.deleted += 1;
        } else await t.db.update(payments).set(change).where(eq(payments.id, year.id));
        changes.years += 1;
      }
      if (step % 20 === 19) {
        const [corrected] = rowsOf<{ paused: number; years: number; printYears: number }>(
          await t.db.execute(sql`select count(*) filter (where monthly_paused_until is not null)::int as paused,
              count(*) filter (where tier_subscriptions = 0 and tier_years_until is not null)::int as years,
              count(*) filter (where print_subscriptions = 0 and print_years_until is not null)::int as "printYears"
            from ${campaignSubscriptionPeople}`),
        );
        seen.everyGiftPaused += corrected.paused;
        seen.onlyAYear += corrected.years;
        seen.onlyAPrintYear += corrected.printYears;
        for (const campaignId of campaignIds) {
          for (const now of INSTANTS)
            expect(
              await fromTheRollups(t.db, campaignId, now),
              `campaign ${campaignId} at ${now.toISOString()} after step ${step}`,
            ).toEqual(await fromTheRows(t.db, campaignId, now));
        }
      }
    }
    expect(changes.subscriptions).toBeGreaterThan(60);
    expect(changes.years).toBeGreaterThan(15);
    expect(seen.everyGiftPaused).toBeGreaterThan(0);
    expect(seen.onlyAYear).toBeGreaterThan(0);
    expect(seen.onlyAPrintYear).toBeGreaterThan(0);

    // Somebody is counted somewhere: the walk did not wander into an empty world.
    const figuresNow = await Promise.all(
      campaignIds.flatMap((campaignId) => INSTANTS.map((now) => fromTheRows(t.db, campaignId, now))),
    );
    expect(figuresNow.some((f) => f.recurring.monthlyDonors > 0 && f.tiers.digital + f.tiers.print > 0)).toBe(true);

    const kept = await rollupTables(t.db);
    await t.db.execute(sql`select rebuild_subscription_rollups()`);
    expect(await rollupTables(t.db)).toEqual(kept);
  });

  it("count a person once however many subscriptions they have, and stop counting them when the last one ends", async () => {
    const campaignId = fixtures.campaign.id;
    const now = day("2026-05-15");
    const before = await fromTheRollups(t.db, campaignId, now);
    const email = "twice.monthly@example.net";
    const first = await giveGift(t.db, { campaignId, kind: "monthly", amountMinor: 1000, email });
    const second = await giveGift(t.db, { campaignId, kind: "monthly", amountMinor: 2000, email });
    expect(second.supporterId).toBe(first.supporterId);
    const withBoth = await fromTheRollups(t.db, campaignId, now);
    expect(withBoth.recurring.monthlyDonors).toBe(before.recurring.monthlyDonors + 1);
    const aud = (f: typeof withBoth) => f.recurring.mrr.find((m) => m.currency === "AUD")?.amountMinor ?? 0;
    expect(aud(withBoth)).toBe(aud(before) + 3000);

    // One paused until after "now": still a donor through the other; both paused: not a donor.
    await t.db
      .update(subscriptions)
      .set({ pausedUntil: day("2026-08-01") })
      .where(eq(subscriptions.id, first.payment.subscriptionId!));
    expect((await fromTheRollups(t.db, campaignId, now)).recurring.monthlyDonors).toBe(
      before.recurring.monthlyDonors + 1,
    );
    await t.db
      .update(subscriptions)
      .set({ pausedUntil: day("2026-07-01") })
      .where(eq(subscriptions.id, second.payment.subscriptionId!));
    const paused = await fromTheRollups(t.db, campaignId, now);
    expect(paused.recurring.monthlyDonors).toBe(before.recurring.monthlyDonors);
    expect(aud(paused)).toBe(aud(before));
    // When the earlier pause ends, they give again (the later one still paused).
    for (const instant of ["2026-06-30", "2026-07-02", "2026-08-02"].map(day))
      expect(await fromTheRollups(t.db, campaignId, instant)).toEqual(await fromTheRows(t.db, campaignId, instant));

    await t.db
      .update(subscriptions)
      .set({ status: "canceled" })
      .where(eq(subscriptions.supporterId, first.supporterId));
    const cancelled = await fromTheRollups(t.db, campaignId, day("2026-09-01"));
    expect(cancelled).toEqual(await fromTheRows(t.db, campaignId, day("2026-09-01")));
    const [row] = await t.db
      .select()
      .from(campaignSubscriptionPeople)
      .where(eq(campaignSubscriptionPeople.supporterId, first.supporterId));
    expect(row).toBeUndefined();
  });

  it("stay exact when one person's subscriptions change in concurrent transactions", async () => {
    const campaignId = fixtures.campaign.id;
    const email = "busy.person@example.net";
    const gifts = [];
    for (const kind of ["monthly", "monthly", "tier_monthly", "tier_monthly", "monthly"] as const) {
      gifts.push(
        await giveGift(t.db, {
          campaignId,
          kind,
          email,
          amountMinor: 1000,
          planId: kind === "tier_monthly" ? fixtures.plan("print-monthly").id : undefined,
        }),
      );
    }
    const ids = gifts.map((g) => g.payment.subscriptionId!);
    // Every subscription cancelled and restarted several times, each change in its own
    // transaction, all at once (on PostgreSQL, truly concurrent; PGlite runs them in turn).
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        ids.flatMap((id, i) => [
          t.db.transaction(async (tx) => {
            await tx
              .update(subscriptions)
              .set({ status: (round + i) % 2 === 0 ? "canceled" : "active" })
              .where(eq(subscriptions.id, id));
          }),
          t.db.transaction(async (tx) => {
            await tx
              .update(subscriptions)
              .set({ cancelAtPeriodEnd: round === 1 })
              .where(eq(subscriptions.id, id));
          }),
        ]),
      );
    }
    const kept = await rollupTables(t.db);
    await t.db.execute(sql`select rebuild_subscription_rollups()`);
    expect(await rollupTables(t.db)).toEqual(kept);
    const now = new Date();
    expect(await fromTheRollups(t.db, campaignId, now)).toEqual(await fromTheRows(t.db, campaignId, now));
  });

  it("are folded by the scheduled jobs into one row per campaign and currency, the figures unchanged", async () => {
    await giveGift(t.db, { campaignId: fixtures.campaign.id, kind: "monthly", amountMinor: 4200 });
    const now = new Date();
    const figures = await fromTheRollups(t.db, fixtures.campaign.id, now);
    const [{ rows: before }] = rowsOf<{ rows: number }>(
      await t.db.execute(sql`select count(*)::int as rows from ${campaignSubscriptionFigures}`),
    );
    const report = await runJobsOnce(t.db, now);
    expect(report.subscriptionFigures).toEqual({ status: "done", folded: expect.any(Number) });
    const groups = rowsOf<{ n: number }>(
      await t.db.execute(
        sql`select count(*)::int as n from ${campaignSubscriptionFigures} group by campaign_id, currency`,
      ),
    );
    expect(groups.every((g) => g.n === 1)).toBe(true);
    const [{ rows: after }] = rowsOf<{ rows: number }>(
      await t.db.execute(sql`select count(*)::int as rows from ${campaignSubscriptionFigures}`),
    );
    expect(after).toBeLessThan(before);
    expect(report.subscriptionFigures.status === "done" && report.subscriptionFigures.folded).toBe(before - after);
    expect(await fromTheRollups(t.db, fixtures.campaign.id, now)).toEqual(figures);
  });
});
