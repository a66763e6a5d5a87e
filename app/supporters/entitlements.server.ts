import { and, eq, gt, inArray, lt, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { payments, plans, subscriptions, type Tier } from "@db/schema";

export type Entitlement = { tier: Tier; until: Date | null; source: "monthly" | "one_time"; planName: string };

/** Subscription states in which a tier's benefits continue. */
export const ENTITLING_STATUSES = ["active", "trialing", "past_due"] as const;

/**
 * What a supporter receives (digital, print) and until when — derived from live tier
 * subscriptions and unexpired, unrefunded one-time tier payments; never stored twice.
 */
export async function listEntitlements(
  db: DB,
  { supporterId, now = new Date() }: { supporterId: number; now?: Date },
): Promise<Entitlement[]> {
  const monthly = await db
    .select({
      tier: plans.tier,
      planName: plans.name,
      until: subscriptions.currentPeriodEnd,
      cancelAtPeriodEnd: subscriptions.cancelAtPeriodEnd,
    })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(
      and(
        eq(subscriptions.supporterId, supporterId),
        eq(subscriptions.kind, "tier_monthly"),
        inArray(subscriptions.status, [...ENTITLING_STATUSES]),
      ),
    );
  const oneTime = await db
    .select({ tier: plans.tier, planName: plans.name, until: payments.coversUntil })
    .from(payments)
    .innerJoin(plans, eq(plans.id, payments.planId))
    .where(
      and(
        eq(payments.supporterId, supporterId),
        eq(payments.kind, "tier_one_time"),
        gt(payments.coversUntil, now),
        lt(payments.refundedMinor, sql`${payments.amountMinor}`),
      ),
    );
  return [
    // A monthly tier runs on while it renews; it ends at the period end only once cancelled.
    ...monthly.map((m) => ({
      tier: m.tier,
      planName: m.planName,
      until: m.cancelAtPeriodEnd ? m.until : null,
      source: "monthly" as const,
    })),
    ...oneTime.map((o) => ({ tier: o.tier, planName: o.planName, until: o.until, source: "one_time" as const })),
  ];
}

/** Print includes digital. */
export function entitlementSummary(entitlements: Entitlement[]) {
  return { print: entitlements.some((e) => e.tier === "print"), digital: entitlements.length > 0 };
}
