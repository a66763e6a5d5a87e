import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, checkouts, plans } from "@db/schema";
import { applyDelivery } from "./apply-event.server";
import type { NormalizedEvent, PostalAddress } from "./events";
import type { PaymentProvider } from "./provider.server";

/**
 * The zero-key demo provider: a local page (/simulated-checkout/:id) stands in for Stripe
 * Checkout and says plainly that no money moves. Paying there produces the same normalised
 * events a Stripe webhook would, applied by the same function.
 */
export const simulatedProvider: PaymentProvider = {
  name: "simulated",
  async startCheckout(start) {
    return { sessionId: `sim_cs_${start.checkoutId}`, url: `/simulated-checkout/${start.checkoutId}` };
  },
  // Implemented with the account area (issue 4).
  changeGiftAmount: notYet,
  switchTier: notYet,
  pauseCollection: notYet,
  resumeCollection: notYet,
  cancelSubscription: notYet,
  startCardUpdate: notYet,
};

async function notYet(): Promise<never> {
  throw new Error("not implemented yet");
}

export async function completeSimulatedCheckout(db: DB, input: { checkoutId: string; outcome: "pay" | "decline"; address?: PostalAddress | null }) {
  const [checkout] = await db.select().from(checkouts).where(eq(checkouts.id, input.checkoutId));
  if (!checkout || checkout.provider !== "simulated") return "not_found" as const;
  const now = new Date();
  const customer = { email: checkout.email, name: checkout.name, address: input.address ?? null };
  let events: NormalizedEvent[];
  if (input.outcome === "decline") {
    events = [{ type: "checkout.failed", checkoutId: checkout.id }];
  } else {
    const recurring = checkout.kind === "monthly" || checkout.kind === "tier_monthly";
    const total = checkout.amountMinor + checkout.feeCoverMinor;
    const subscriptionId = recurring ? `sim_sub_${checkout.id}` : null;
    events = [{ type: "checkout.completed", checkoutId: checkout.id, paid: true, customer }];
    if (subscriptionId) {
      const periodEnd = new Date(now);
      periodEnd.setUTCMonth(periodEnd.getUTCMonth() + 1);
      events.push({
        type: "subscription.changed",
        checkoutId: checkout.id,
        providerSubscriptionId: subscriptionId,
        status: "active",
        amountMinor: total,
        currency: checkout.currency,
        currentPeriodEnd: periodEnd,
        cancelAtPeriodEnd: false,
        occurredAt: now,
        customer,
      });
    }
    events.push({
      type: "payment.succeeded",
      checkoutId: checkout.id,
      providerPaymentId: `${recurring ? "sim_in" : "sim_pi"}_${randomUUID()}`,
      providerSubscriptionId: subscriptionId,
      amountMinor: total,
      currency: checkout.currency,
      paidAt: now,
      method: "simulated",
      firstOfSubscription: recurring,
      customer,
    });
  }
  // One event id per checkout: pressing Pay twice (or Pay after Decline's retry) records one payment.
  const eventId = `sim_evt_${checkout.id}_${input.outcome === "pay" ? "paid" : `declined_${randomUUID()}`}`;
  await applyDelivery(db, { eventId, type: `simulated.${input.outcome}`, createdAt: now, events });
  return "ok" as const;
}

/** What the simulated payment page shows: only open checkouts of this provider. */
export async function getSimulatedCheckout(db: DB, { checkoutId }: { checkoutId: string }) {
  const [row] = await db
    .select({ checkout: checkouts, campaignName: campaigns.name, plan: plans })
    .from(checkouts)
    .innerJoin(campaigns, eq(campaigns.id, checkouts.campaignId))
    .leftJoin(plans, eq(plans.id, checkouts.planId))
    .where(eq(checkouts.id, checkoutId));
  if (!row || row.checkout.provider !== "simulated") return null;
  return {
    id: row.checkout.id,
    status: row.checkout.status,
    kind: row.checkout.kind,
    totalMinor: row.checkout.amountMinor + row.checkout.feeCoverMinor,
    currency: row.checkout.currency,
    campaignName: row.campaignName,
    planName: row.plan?.name ?? null,
    needsAddress: row.plan?.tier === "print",
  };
}
