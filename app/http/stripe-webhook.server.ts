import type { DB } from "@db/client.server";
import { countWebhookDelivery, type WebhookOutcome } from "~/observability/metrics.server";
import { MAX_WEBHOOK_BYTES, receiveStripeDelivery, type WebhookDeliveryResult } from "~/payments/webhook.server";
import { assertNever } from "~/never";

export { MAX_WEBHOOK_BYTES };

/** The webhook endpoint's answer to Stripe: a status code and a small JSON body. */
export type WebhookResult = { status: number; body: Record<string, unknown> };

/**
 * The endpoint's answer, however the request reached it (the Remix route, or the fast path in
 * front of Express, app/http/stripe-webhook-endpoint.server.ts): 404 until Stripe is configured;
 * 413 for a body longer than MAX_WEBHOOK_BYTES, which `readBody` reports as null without reading
 * it all (the connection is then closed).
 */
export async function answerStripeWebhook(
  db: DB,
  {
    stripeConfigured,
    readBody,
    signature,
  }: { stripeConfigured: boolean; readBody: () => Promise<string | null>; signature: string | null },
): Promise<WebhookResult & { closeConnection?: true }> {
  if (!stripeConfigured) return { status: 404, body: { error: "Stripe is not configured" } };
  // The signature covers the exact bytes: read the raw body, never a parsed one.
  const rawBody = await readBody();
  if (rawBody === null) {
    countWebhookDelivery("rejected_too_large");
    return { status: 413, body: { error: "payload too large" }, closeConnection: true };
  }
  const result = await receiveStripeDelivery(db, { rawBody, signature }).catch((error: unknown) => {
    countWebhookDelivery("failed");
    throw error;
  });
  countWebhookDelivery(webhookOutcome(result));
  return webhookResponse(result);
}

/**
 * A delivery told to Stripe: 400 for anything not signed by Stripe or not a Stripe event; 200 for
 * applied, duplicate and deliberately ignored events, and for a session that does not match its
 * checkout (kept for staff; it will not match on a retry either); 500 only when we could not
 * persist, so that Stripe retries.
 */
export async function handleStripeWebhook(
  db: DB,
  request: { rawBody: string; signature: string | null },
): Promise<WebhookResult> {
  return webhookResponse(await receiveStripeDelivery(db, request));
}

function webhookResponse(result: WebhookDeliveryResult): WebhookResult {
  if (result.ok)
    return result.outcome === "rejected"
      ? { status: 200, body: { received: true, outcome: "rejected" } }
      : { status: 200, body: { received: true, outcome: result.outcome, ignored: result.ignored } };
  switch (result.error) {
    case "too_large":
      return { status: 413, body: { error: "payload too large" } };
    case "missing_signature":
      return { status: 400, body: { error: "missing Stripe-Signature header" } };
    case "invalid_signature":
      return { status: 400, body: { error: "invalid signature" } };
    case "malformed":
      return { status: 400, body: { error: "malformed event" } };
    case "not_persisted":
      return { status: 500, body: { error: "could not persist the event; please retry" } };
    default:
      return assertNever(result.error, "webhook error");
  }
}

/** For /metrics: what became of a delivery. */
function webhookOutcome(result: WebhookDeliveryResult): WebhookOutcome {
  if (result.ok) return result.outcome === "rejected" ? "rejected_mismatch" : result.outcome;
  switch (result.error) {
    case "too_large":
      return "rejected_too_large";
    case "malformed":
      return "rejected_malformed";
    case "missing_signature":
    case "invalid_signature":
      return "rejected_signature";
    case "not_persisted":
      return "failed";
    default:
      return assertNever(result.error, "webhook error");
  }
}
