import { randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { getDb, type DB } from "@db/client.server";
import { campaigns, checkouts, payments, plans, subscriptions, supporters, type Currency } from "@db/schema";
import { addressOf } from "~/supporters/supporters.server";
import { applyDelivery } from "./apply-event.server";
import { endSubscriptionsReplacedBy } from "./replaced-subscriptions.server";
import type { NormalizedEvent, PostalAddress } from "./events";
import type { PaymentProvider, SubscriptionRef } from "./provider.server";

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
  // A change is confirmed at once, by the same kind of event a Stripe webhook would bring.
  changeGiftAmount: (input) => confirmSimulatedChange(input, { amountMinor: input.amountMinor }),
  switchTier: (input) =>
    confirmSimulatedChange(input, { amountMinor: input.amountMinor, planLookupKey: input.lookupKey }),
  pauseCollection: (input) => confirmSimulatedChange(input, { pausedUntil: input.resumesAt }),
  resumeCollection: (input) => confirmSimulatedChange(input, { pausedUntil: null }),
  keepSubscription: (input) => confirmSimulatedChange(input, { cancelAtPeriodEnd: false }),
  cancelSubscription: (input) =>
    confirmSimulatedChange(input, input.atPeriodEnd ? { cancelAtPeriodEnd: true } : { status: "canceled" }),
  async forgetCustomer() {
    // The simulated provider keeps nothing about people.
  },
  async updateCustomer() {
    // Nor anything to update.
    return "updated" as const;
  },
  async startCardUpdate() {
    return { url: "/account/card/simulated" };
  },
  async refundPayment(input) {
    const db = getDb();
    const [payment] = await db
      .select()
      .from(payments)
      .where(and(eq(payments.provider, "simulated"), eq(payments.providerPaymentId, input.providerPaymentId)));
    if (!payment) throw new Error(`No simulated payment ${input.providerPaymentId}`);
    const now = new Date();
    await applyDelivery(db, {
      eventId: `sim_evt_${input.idempotencyKey}`,
      type: "simulated.refunded",
      createdAt: now,
      events: [
        {
          type: "payment.refunded",
          providerPaymentIds: [input.providerPaymentId],
          refundedTotalMinor: Math.min(payment.amountMinor, payment.refundedMinor + input.amountMinor),
          occurredAt: now,
        },
      ],
    });
    return { providerRefundId: null };
  },
};

type SubscriptionChanged = Extract<NormalizedEvent, { type: "subscription.changed" }>;

/** The subscription as it now is, with the change applied, reported as a provider event. */
async function confirmSimulatedChange(
  input: SubscriptionRef & { idempotencyKey: string },
  change: Partial<
    Pick<SubscriptionChanged, "amountMinor" | "planLookupKey" | "pausedUntil" | "cancelAtPeriodEnd" | "status">
  >,
) {
  const db = getDb();
  const [row] = await db
    .select({ sub: subscriptions, lookupKey: plans.lookupKey })
    .from(subscriptions)
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.providerSubscriptionId, input.providerSubscriptionId));
  // Simulated subscriptions are named after the checkout that started them.
  const checkoutId = input.checkoutId ?? input.providerSubscriptionId.replace(/^sim_sub_/, "");
  if (!row || row.sub.provider !== "simulated")
    throw new Error(`No simulated subscription ${input.providerSubscriptionId}`);
  const now = new Date();
  const event: SubscriptionChanged = {
    type: "subscription.changed",
    checkoutId,
    providerSubscriptionId: input.providerSubscriptionId,
    status: row.sub.status,
    amountMinor: row.sub.amountMinor,
    currency: row.sub.currency,
    currentPeriodEnd: row.sub.currentPeriodEnd,
    cancelAtPeriodEnd: row.sub.cancelAtPeriodEnd,
    pausedUntil: row.sub.pausedUntil,
    planLookupKey: row.lookupKey,
    occurredAt: now,
    customer: {},
    ...change,
  };
  // The idempotency key names the request: asking twice applies once.
  await applyDelivery(db, {
    eventId: `sim_evt_${input.idempotencyKey}`,
    type: "simulated.subscription_changed",
    createdAt: now,
    events: [event],
  });
}

/** The simulated card page's "save a test card": a card that expires in three years. */
export async function completeSimulatedCardUpdate(db: DB, { supporterId }: { supporterId: number }) {
  const now = new Date();
  await applyDelivery(db, {
    eventId: `sim_evt_card_${randomUUID()}`,
    type: "simulated.card_updated",
    createdAt: now,
    events: [
      {
        type: "card.changed",
        owner: { supporterId },
        paymentMethodId: null,
        card: { brand: "Test", last4: "4242", expMonth: 12, expYear: now.getUTCFullYear() + 3 },
        defaultChanged: true,
      },
    ],
  });
}

export async function completeSimulatedCheckout(
  db: DB,
  input: { checkoutId: string; outcome: "pay" | "decline"; address?: PostalAddress | null },
) {
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
        pausedUntil: null,
        planLookupKey: null,
        occurredAt: now,
        customer,
      });
    }
    const providerPaymentId = `${recurring ? "sim_in" : "sim_pi"}_${randomUUID()}`;
    events.push({
      type: "payment.succeeded",
      checkoutId: checkout.id,
      providerPaymentId,
      providerSubscriptionId: subscriptionId,
      amountMinor: total,
      currency: checkout.currency,
      paidAt: now,
      method: "simulated",
      firstOfSubscription: recurring,
      customer,
    });
    events.push(await simulatedSettlement(db, { checkout, providerPaymentId, total, now }));
  }
  // One event id per checkout: pressing Pay twice (or Pay after Decline's retry) records one payment.
  const eventId = `sim_evt_${checkout.id}_${input.outcome === "pay" ? "paid" : `declined_${randomUUID()}`}`;
  await endSubscriptionsReplacedBy(db, { events });
  await applyDelivery(db, { eventId, type: `simulated.${input.outcome}`, createdAt: now, events });
  return "ok" as const;
}

/**
 * The simulated provider settles at once into the campaign's home currency, like a Stripe account
 * that settles in it (ADR 050). Its rates are the provider's side of a demo, not ours: the app
 * never converts anything itself, it only records what the provider says it settled.
 */
const SIMULATED_RATES_TO_USD: Record<Currency, number> = {
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  AUD: 0.66,
  NZD: 0.6,
  CAD: 0.73,
};

async function simulatedSettlement(
  db: DB,
  input: { checkout: typeof checkouts.$inferSelect; providerPaymentId: string; total: number; now: Date },
): Promise<NormalizedEvent> {
  const [campaign] = await db
    .select({ currency: campaigns.currency })
    .from(campaigns)
    .where(eq(campaigns.id, input.checkout.campaignId));
  const home = campaign?.currency ?? input.checkout.currency;
  const paid = input.checkout.currency;
  const rate = paid === home ? null : (SIMULATED_RATES_TO_USD[paid] / SIMULATED_RATES_TO_USD[home]).toFixed(6);
  return {
    type: "payment.settled",
    providerPaymentIds: [input.providerPaymentId],
    balanceTransactionId: `sim_txn_${input.checkout.id}`,
    settlement: {
      balanceTransactionId: `sim_txn_${input.checkout.id}`,
      amountMinor: rate === null ? input.total : Math.round(input.total * Number(rate)),
      currency: home,
      exchangeRate: rate,
      settledAt: input.now,
    },
  };
}

/** What the simulated payment page shows: only open checkouts of this provider. */
export async function getSimulatedCheckout(db: DB, { checkoutId }: { checkoutId: string }) {
  const [row] = await db
    .select({
      checkout: checkouts,
      campaignName: campaigns.name,
      campaignSlug: campaigns.slug,
      plan: plans,
      supporter: supporters,
    })
    .from(checkouts)
    .innerJoin(campaigns, eq(campaigns.id, checkouts.campaignId))
    .leftJoin(plans, eq(plans.id, checkouts.planId))
    // Started by a signed-in supporter (starting again, moving to a year): like Stripe Checkout
    // opened for a known customer, the page fills in the postal address the supporter keeps.
    .leftJoin(supporters, and(eq(supporters.id, checkouts.supporterId), isNull(supporters.erasedAt)))
    .where(eq(checkouts.id, checkoutId));
  if (!row || row.checkout.provider !== "simulated") return null;
  const needsAddress = row.plan?.tier === "print";
  return {
    id: row.checkout.id,
    status: row.checkout.status,
    kind: row.checkout.kind,
    totalMinor: row.checkout.amountMinor + row.checkout.feeCoverMinor,
    /** The gift and the card fees the reader chose to cover, shown on separate lines (ADR 040). */
    amountMinor: row.checkout.amountMinor,
    feeCoverMinor: row.checkout.feeCoverMinor,
    currency: row.checkout.currency,
    campaignName: row.campaignName,
    campaignSlug: row.campaignSlug,
    planName: row.plan?.name ?? null,
    needsAddress,
    prefillAddress: needsAddress && row.supporter ? addressOf(row.supporter) : null,
  };
}
