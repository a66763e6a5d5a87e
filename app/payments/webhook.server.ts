import type { DB } from "@db/client.server";
import { logger } from "~/log.server";
import { applyDelivery, isKnownStripePayment } from "./apply-event.server";
import type { ProviderDelivery } from "./events";
import { resolveCardChanges } from "./stripe-cards.server";
import { MalformedEventError, mapStripeEvent } from "./stripe-events.server";
import { findInvoicesPaidBy, verifyWebhook } from "./stripe.server";

/** Stripe's own payloads are a few KB; anything this large is not from Stripe. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

export type WebhookResult = { status: number; body: Record<string, unknown> };

/**
 * Verify → record → apply → acknowledge. 400 for anything not signed by Stripe (nothing
 * written); 200 for applied, duplicate and deliberately ignored events; 500 only when we could
 * not persist, so that Stripe retries.
 */
export async function handleStripeWebhook(db: DB, { rawBody, signature }: { rawBody: string; signature: string | null }): Promise<WebhookResult> {
  if (Buffer.byteLength(rawBody) > MAX_WEBHOOK_BYTES) return { status: 413, body: { error: "payload too large" } };
  if (!signature) return { status: 400, body: { error: "missing Stripe-Signature header" } };
  let event;
  try {
    event = verifyWebhook(rawBody, signature);
  } catch {
    return { status: 400, body: { error: "invalid signature" } };
  }
  let delivery;
  try {
    delivery = mapStripeEvent(event);
  } catch (error) {
    if (error instanceof MalformedEventError) {
      logger.warn({ eventId: event.id, type: event.type, reason: error.message }, "malformed stripe event rejected");
      return { status: 400, body: { error: "malformed event" } };
    }
    throw error;
  }
  try {
    await traceSubscriptionRefunds(db, delivery);
    await resolveCardChanges(db, delivery);
    const outcome = await applyDelivery(db, delivery);
    logger.info({ eventId: event.id, type: event.type, outcome, applied: delivery.events.length }, "stripe event");
    return { status: 200, body: { received: true, outcome, ignored: delivery.events.length === 0 } };
  } catch (error) {
    logger.error({ eventId: event.id, type: event.type, err: error instanceof Error ? error.message : String(error) }, "stripe event not persisted");
    return { status: 500, body: { error: "could not persist the event; please retry" } };
  }
}

/**
 * A refunded charge names only its PaymentIntent. Subscription payments are in the ledger under
 * their invoice id, and the PaymentIntent is not always known: ask Stripe which invoices it paid.
 * Runs only for refunds the ledger cannot place, so ordinary deliveries make no API call.
 */
async function traceSubscriptionRefunds(db: DB, delivery: ProviderDelivery) {
  for (const event of delivery.events) {
    if (event.type !== "payment.refunded" || (await isKnownStripePayment(db, event.providerPaymentIds))) continue;
    for (const paymentIntentId of [...event.providerPaymentIds]) {
      event.providerPaymentIds.push(...(await findInvoicesPaidBy(paymentIntentId)));
    }
  }
}
