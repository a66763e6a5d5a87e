import type { DB } from "@db/client.server";
import { recordAudit } from "~/audit/audit.server";
import { describeError, logger } from "~/log.server";
import {
  applyDeliveryIn,
  CheckoutMismatchError,
  CommitWithPaymentError,
  isAppliedEvent,
  isKnownStripePayment,
  isSettledStripePayment,
} from "./apply-event.server";
import type { ProviderDelivery } from "./events";
import { endSubscriptionsReplacedBy } from "./replaced-subscriptions.server";
import { resolveCardChanges } from "./stripe-cards.server";
import { MalformedEventError, mapStripeEvent, settlementFacts } from "./stripe-events.server";
import { describePaymentError } from "./decline-reasons";
import { findBalanceTransaction, findInvoicePaymentError, findInvoicesPaidBy, verifyWebhook } from "./stripe.server";
import { findWebhookFailure, recordWebhookFailure, type FailureResolution } from "./webhook-failures.server";

/** Stripe's own payloads are a few KB; anything this large is not from Stripe. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

/**
 * What became of one delivery. `applied`/`duplicate`: recorded (`ignored` when it mapped to none
 * of our events); `rejected`: signed by Stripe but not the session we created, kept for staff and
 * never applied. The failures say why nothing was recorded; only `not_persisted` is worth Stripe
 * trying again. app/http/stripe-webhook.server.ts tells Stripe (status codes live there).
 */
export type WebhookDeliveryResult =
  | { ok: true; outcome: "applied" | "duplicate"; ignored: boolean }
  | { ok: true; outcome: "rejected" }
  | { ok: false; error: "too_large" | "missing_signature" | "invalid_signature" | "malformed" | "not_persisted" };

/**
 * Verify → record → apply. Nothing is written for anything not signed by Stripe. A verified event
 * that could not be applied is also kept in `webhook_failures`, for staff to see and replay; so is
 * a session that does not match its checkout (ADR 032).
 */
export async function receiveStripeDelivery(
  db: DB,
  { rawBody, signature }: { rawBody: string; signature: string | null },
): Promise<WebhookDeliveryResult> {
  if (Buffer.byteLength(rawBody) > MAX_WEBHOOK_BYTES) return { ok: false, error: "too_large" };
  if (!signature) return { ok: false, error: "missing_signature" };
  let event;
  try {
    event = verifyWebhook(rawBody, signature);
  } catch {
    return { ok: false, error: "invalid_signature" };
  }
  let delivery;
  try {
    delivery = mapStripeEvent(event);
  } catch (error) {
    if (error instanceof MalformedEventError) {
      logger.warn({ ...envelopeFacts(event), reason: error.message }, "malformed stripe event rejected");
      return { ok: false, error: "malformed" };
    }
    throw error;
  }
  try {
    const outcome = await applyVerifiedDelivery(db, delivery, "redelivered");
    logger.info({ eventId: event.id, type: event.type, outcome, applied: delivery.events.length }, "stripe event");
    return { ok: true, outcome, ignored: delivery.events.length === 0 };
  } catch (error) {
    const reason = describeError(error);
    if (error instanceof CheckoutMismatchError) {
      // Signed by Stripe but not the session we created, or not for its amount: applying it would
      // record money we did not ask for. It will not match on a retry either, so Stripe is told it
      // arrived and staff find it, with its reason, among the failed events (ADR 032).
      logger.warn(
        { eventId: event.id, type: event.type, reason: error.message },
        "stripe event does not match its checkout: not applied",
      );
      await keepFailure(db, {
        eventId: event.id,
        type: event.type,
        payload: event as unknown as Record<string, unknown>,
        error: error.message,
      });
      return { ok: true, outcome: "rejected" };
    }
    logger.error({ eventId: event.id, type: event.type, err: reason }, "stripe event not persisted");
    await keepFailure(db, {
      eventId: event.id,
      type: event.type,
      payload: event as unknown as Record<string, unknown>,
      error: reason,
    });
    return { ok: false, error: "not_persisted" };
  }
}

/**
 * The id and type of a verified body that is not a Stripe event, for the log. It may be any JSON
 * (`null`, a number, an array), so nothing is assumed; only short strings are kept.
 */
function envelopeFacts(event: unknown): { eventId?: string; type?: string } {
  if (typeof event !== "object" || event === null) return {};
  const { id, type } = event as Record<string, unknown>;
  const short = (value: unknown) => (typeof value === "string" && value.length <= 100 ? value : undefined);
  return { eventId: short(id), type: short(type) };
}

/**
 * The one application path for a verified Stripe event, from a delivery or a replay: the
 * Stripe look-ups some events need, then the event applied and any open failure of it resolved
 * in one transaction. An event already applied changes nothing (and still resolves its failure).
 */
async function applyVerifiedDelivery(
  db: DB,
  delivery: ProviderDelivery,
  resolution: FailureResolution,
  audit?: { staffUserId: number },
) {
  // Each look-up returns the delivery with what it learned; the next step and the apply take that one.
  const traced = await learnSettlements(db, await traceSubscriptionRefunds(db, delivery));
  const withCards = await resolveCardChanges(db, traced);
  const explained = await explainFailedPayments(db, withCards);
  await endSubscriptionsReplacedBy(db, explained);
  const apply = (commitWithLastStatement: boolean) =>
    db.transaction(async (tx) => {
      // Any open failure of the event is resolved by the statement that records it (ADR 016's lock order).
      const outcome = await applyDeliveryIn(tx, explained, resolution, { commitWithLastStatement });
      if (audit) {
        await recordAudit(tx, {
          actor: { type: "staff", id: audit.staffUserId },
          action: "webhook.replay",
          target: { type: "provider_event", id: delivery.eventId },
          details: { outcome },
        });
      }
      return outcome;
    });
  // A delivery's payment is its transaction's last statement, sent with COMMIT (ADR 056), unless
  // an audit row follows it. If that statement could not record the payment (another delivery
  // recorded it meanwhile, or the counter is still to be made), nothing was kept: apply again,
  // committing as usual, where those cases are handled.
  try {
    return await apply(!audit);
  } catch (error) {
    if (!(error instanceof CommitWithPaymentError)) throw error;
    return apply(false);
  }
}

/** Recording is best effort: with the database down there is nothing to write to, and Stripe retries anyway. */
async function keepFailure(db: DB, failure: Parameters<typeof recordWebhookFailure>[1]) {
  try {
    await recordWebhookFailure(db, failure);
  } catch (error) {
    logger.error({ eventId: failure.eventId, err: describeError(error) }, "stripe event failure not recorded");
  }
}

export type ReplayOutcome =
  | { status: "applied" | "duplicate" }
  | { status: "not_found" | "already_resolved" }
  | { status: "failed"; error: string; attempts: number };

/**
 * Staff press "Replay" on a failed delivery: the stored, verified event goes through the same
 * mapping and application as a delivery. Idempotent: an event applied meanwhile changes nothing
 * and its failure is resolved. Failing again keeps the failure open, one attempt more.
 */
export async function replayWebhookFailure(
  db: DB,
  { eventId, staffUserId }: { eventId: string; staffUserId: number },
): Promise<ReplayOutcome> {
  const failure = await findWebhookFailure(db, eventId);
  if (!failure) return { status: "not_found" };
  if (failure.resolvedAt) return { status: "already_resolved" };
  try {
    const outcome = await applyVerifiedDelivery(db, mapStripeEvent(failure.payload), "replayed", { staffUserId });
    logger.info({ eventId, type: failure.type, outcome }, "stripe event replayed");
    return { status: outcome };
  } catch (error) {
    const reason = describeError(error);
    logger.error({ eventId, type: failure.type, err: reason }, "stripe event replay failed");
    const attempts = await db.transaction(async (tx) => {
      await recordWebhookFailure(tx, { eventId, type: failure.type, payload: failure.payload, error: reason });
      await recordAudit(tx, {
        actor: { type: "staff", id: staffUserId },
        action: "webhook.replay_failed",
        target: { type: "provider_event", id: eventId },
      });
      return (await findWebhookFailure(tx, eventId))?.attempts ?? failure.attempts + 1;
    });
    return { status: "failed", error: reason, attempts };
  }
}

/**
 * A failed invoice payment's event carries no card error in the pinned API version: Stripe is asked
 * once (not for a repeat of an event already applied) why the attempt failed, so that staff can
 * tell the caller in words. If Stripe cannot say just then, the failure is recorded without a
 * reason rather than held back: the supporter's "payment failed" email and the page matter more.
 * Returns the delivery with the reasons filled in (a new value; the one given is left as it was).
 */
async function explainFailedPayments(db: DB, delivery: ProviderDelivery): Promise<ProviderDelivery> {
  const needsReason = (e: ProviderDelivery["events"][number]) =>
    e.type === "payment.failed" && e.reason === null && e.providerPaymentId.startsWith("in_");
  if (!delivery.events.some(needsReason) || (await isAppliedEvent(db, delivery.eventId))) return delivery;
  const events: ProviderDelivery["events"][number][] = [];
  for (const event of delivery.events) {
    if (event.type !== "payment.failed" || !needsReason(event)) {
      events.push(event);
      continue;
    }
    let reason: string | null = null;
    try {
      const error = await findInvoicePaymentError(event.providerPaymentId);
      if (error) reason = describePaymentError(error);
    } catch (error) {
      logger.warn(
        { eventId: delivery.eventId, err: describeError(error) },
        "decline reason not available from Stripe; recorded without it",
      );
    }
    events.push({ ...event, reason });
  }
  return { ...delivery, events };
}

/**
 * A refunded charge names only its PaymentIntent. Subscription payments are in the ledger under
 * their invoice id, and the PaymentIntent is not always known: ask Stripe which invoices of ours
 * it paid. None (a Dashboard invoice, a Dashboard charge) leaves the refund to be ignored; one of
 * ours not recorded yet has it retried. Runs only for refunds the ledger cannot place, so
 * ordinary deliveries make no API call. Returns the delivery with those invoice ids added to the
 * refund's ids (a new value; the one given is left as it was).
 */
async function traceSubscriptionRefunds(db: DB, delivery: ProviderDelivery): Promise<ProviderDelivery> {
  // A settlement names its charge's PaymentIntent the same way, and is placed the same way (ADR 050).
  const traced = (e: ProviderDelivery["events"][number]) =>
    e.type === "payment.refunded" || e.type === "payment.settled";
  if (!delivery.events.some(traced)) return delivery;
  const events: ProviderDelivery["events"][number][] = [];
  for (const event of delivery.events) {
    if (
      (event.type !== "payment.refunded" && event.type !== "payment.settled") ||
      (await isKnownStripePayment(db, event.providerPaymentIds))
    ) {
      events.push(event);
      continue;
    }
    const invoiceIds: string[] = [];
    for (const paymentIntentId of event.providerPaymentIds)
      invoiceIds.push(...(await findInvoicesPaidBy(paymentIntentId)));
    events.push({ ...event, providerPaymentIds: [...event.providerPaymentIds, ...invoiceIds] });
  }
  return { ...delivery, events };
}

/**
 * A charge's event names its balance transaction by id: Stripe is asked for its amount, currency
 * and rate (ADR 050), unless the ledger has settled the payment already (then the event is a
 * repeat and changes nothing, so nothing is asked). If Stripe cannot answer, the delivery fails
 * and Stripe delivers it again: a settlement is never recorded without its figures.
 */
async function learnSettlements(db: DB, delivery: ProviderDelivery): Promise<ProviderDelivery> {
  const needs = (e: ProviderDelivery["events"][number]) => e.type === "payment.settled" && e.settlement === null;
  if (!delivery.events.some(needs)) return delivery;
  const events: ProviderDelivery["events"][number][] = [];
  for (const event of delivery.events) {
    if (event.type !== "payment.settled" || event.settlement || (await isSettledStripePayment(db, event))) {
      events.push(event);
      continue;
    }
    // A charge made elsewhere (the Dashboard, another integration) is none of ours: nothing to ask.
    const ours =
      Boolean(event.checkoutId) ||
      event.providerPaymentIds.some((id) => id !== event.paymentIntentId) ||
      (await isKnownStripePayment(db, event.providerPaymentIds));
    if (!ours) {
      events.push(event);
      continue;
    }
    events.push({ ...event, settlement: settlementFacts(await findBalanceTransaction(event.balanceTransactionId)) });
  }
  return { ...delivery, events };
}
