import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { payments, plans, receipts, subscriptions } from "@db/schema";

/**
 * Who this supporter is to us, at a glance: what they give now, what they have
 * given, and what needs staff's attention. Gifts and supporter subscriptions are told apart
 * (ADR 036): only gifts are giving. Totals are net of refunds, per currency.
 */
export async function getSupporterSummary(db: DB, { supporterId }: { supporterId: number }) {
  const [totals, live, toPost] = await Promise.all([
    db
      .select({
        currency: payments.currency,
        gifts:
          sql<number>`coalesce(sum(${payments.amountMinor} - ${payments.refundedMinor}) filter (where ${payments.kind} in ('one_off', 'monthly')), 0)::bigint`.mapWith(
            Number,
          ),
        subscriptions:
          sql<number>`coalesce(sum(${payments.amountMinor} - ${payments.refundedMinor}) filter (where ${payments.kind} in ('tier_monthly', 'tier_one_time')), 0)::bigint`.mapWith(
            Number,
          ),
        count: sql<number>`count(*)::int`,
        first: sql<string>`min(${payments.paidAt})`,
      })
      .from(payments)
      .where(eq(payments.supporterId, supporterId))
      .groupBy(payments.currency),
    db
      .select({
        kind: subscriptions.kind,
        amountMinor: subscriptions.amountMinor,
        currency: subscriptions.currency,
        status: subscriptions.status,
        planName: plans.name,
        failing: sql<boolean>`(${subscriptions.lastFailureReason} is not null or ${subscriptions.nextRetryAt} is not null or ${subscriptions.status} = 'past_due')`,
      })
      .from(subscriptions)
      .leftJoin(plans, eq(plans.id, subscriptions.planId))
      .where(
        and(
          eq(subscriptions.supporterId, supporterId),
          inArray(subscriptions.status, ["active", "trialing", "past_due", "paused"]),
        ),
      ),
    db
      .select({ count: sql<number>`count(*)::int` })
      .from(receipts)
      .innerJoin(payments, eq(payments.id, receipts.paymentId))
      .where(and(eq(payments.supporterId, supporterId), eq(receipts.needsPosting, true), isNull(receipts.postedAt))),
  ]);
  return {
    totals: totals.map((t) => ({ ...t, first: t.first ? new Date(t.first).toISOString() : null })),
    live: live.map((l) => ({ ...l, failing: Boolean(l.failing) })),
    paymentFailing: live.some((l) => l.failing),
    receiptsToPost: toPost[0]?.count ?? 0,
  };
}
export type SupporterSummary = Awaited<ReturnType<typeof getSupporterSummary>>;
