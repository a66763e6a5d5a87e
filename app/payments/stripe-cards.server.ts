import { and, eq, isNotNull } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { providerEvents, supporters } from "@db/schema";
import type { NormalizedEvent, ProviderDelivery } from "./events";
import { findDefaultCard, useCardForAllSubscriptions } from "./stripe.server";

type CardChanged = Extract<NormalizedEvent, { type: "card.changed" }>;

/**
 * The webhook's follow-up for card events, run before the delivery is applied. Stripe is asked
 * which card is the customer's default now (so deliveries in any order record the current card,
 * never an older one), and when the default changed every live subscription is moved onto it.
 * Throws when Stripe cannot be asked: the webhook answers 500 and Stripe delivers again.
 */
export async function resolveCardChanges(db: DB, delivery: ProviderDelivery): Promise<ProviderDelivery> {
  if (!delivery.events.some((e) => e.type === "card.changed") || (await isAppliedDelivery(db, delivery.eventId)))
    return delivery;
  const events: ProviderDelivery["events"][number][] = [];
  for (const event of delivery.events) {
    events.push(event.type === "card.changed" ? await resolveCardChange(db, delivery.eventId, event) : event);
  }
  return { ...delivery, events };
}

/** One card event as it should be applied: a new value, the event given is left as it was. */
async function resolveCardChange(db: DB, eventId: string, event: Readonly<CardChanged>): Promise<CardChanged> {
  if (!("providerCustomerId" in event.owner)) return event;
  const customerId = event.owner.providerCustomerId;
  // Customers made outside the app are not ours to change.
  if (!(await isKnownCustomer(db, customerId))) return { ...event, card: null };
  const current = await findDefaultCard(customerId);
  if (current) {
    if (event.defaultChanged)
      await useCardForAllSubscriptions({ customerId, paymentMethodId: current.paymentMethodId, eventId });
    return { ...event, paymentMethodId: current.paymentMethodId, card: current.card };
  }
  // No default on the customer: Checkout puts the card on the subscription only, so the card
  // this payment_method event names is the one that pays.
  return event.defaultChanged ? { ...event, card: null } : event;
}

async function isAppliedDelivery(db: DB, eventId: string) {
  const [row] = await db
    .select({ id: providerEvents.id })
    .from(providerEvents)
    .where(and(eq(providerEvents.id, eventId), isNotNull(providerEvents.processedAt)));
  return Boolean(row);
}

async function isKnownCustomer(db: DB, customerId: string) {
  const [row] = await db
    .select({ id: supporters.id })
    .from(supporters)
    .where(eq(supporters.stripeCustomerId, customerId));
  return Boolean(row);
}
