import Stripe from "stripe";
import { getEnv } from "~/env.server";
import { reportServiceFailure, reportServiceSuccess } from "~/health.server";
import { logger } from "~/log.server";
import type { CheckoutStart, PaymentProvider } from "./provider.server";
import { PaymentProviderError } from "./provider.server";

/** The only module that imports the Stripe SDK. The API version is pinned by the SDK release. */
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

/** Where print editions can be posted: Checkout asks for an address in one of these. */
const SHIPPING_COUNTRIES = ["AU", "NZ", "GB", "IE", "US", "CA", "DE", "FR", "NL", "SE", "NO", "DK", "FI", "ES", "IT", "AT", "CH", "BE", "PT"] as const;

let client: { key: string; stripe: Stripe } | undefined;

export function getStripe(): Stripe {
  const { STRIPE_SECRET_KEY, NODE_ENV } = getEnv();
  if (!STRIPE_SECRET_KEY) throw new Error("STRIPE_SECRET_KEY is not set");
  if (client?.key !== STRIPE_SECRET_KEY) {
    client = {
      key: STRIPE_SECRET_KEY,
      stripe: new Stripe(STRIPE_SECRET_KEY, {
        apiVersion: STRIPE_API_VERSION,
        maxNetworkRetries: NODE_ENV === "test" ? 0 : 2,
        timeout: 15_000,
        appInfo: { name: "Fighting Fund" },
      }),
    };
  }
  return client.stripe;
}

/** A plan with no Stripe Price: our configuration, not Stripe's availability. */
class PlanNotInStripeError extends Error {}

async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    const result = await call();
    reportServiceSuccess("stripe");
    return result;
  } catch (error) {
    if (error instanceof PlanNotInStripeError) {
      reportServiceSuccess("stripe"); // Stripe answered; our catalogue is what is missing.
      logger.error({ what, reason: error.message }, "stripe configuration incomplete");
      throw new PaymentProviderError("This supporter option can't be paid online just now. Nothing was charged — please try another option or phone us.", error);
    }
    reportServiceFailure("stripe", error);
    logger.error({ err: error instanceof Error ? { message: error.message, type: (error as { type?: string }).type } : String(error), what }, "stripe call failed");
    throw new PaymentProviderError("We couldn't reach our payment processor. Nothing was charged — please try again in a moment.", error);
  }
}

export async function findPriceByLookupKey(lookupKey: string): Promise<Stripe.Price | null> {
  const prices = await getStripe().prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  return prices.data[0] ?? null;
}

function checkoutParams(start: CheckoutStart, priceId: string | null): Stripe.Checkout.SessionCreateParams {
  const metadata = {
    checkout_id: start.checkoutId,
    campaign_id: String(start.campaign.id),
    plan_id: start.plan ? String(start.plan.id) : "",
    kind: start.kind,
  };
  const recurring = start.kind === "monthly" || start.kind === "tier_monthly";
  const lineItem: Stripe.Checkout.SessionCreateParams.LineItem = priceId
    ? { price: priceId, quantity: 1 }
    : {
        quantity: 1,
        price_data: {
          currency: start.currency.toLowerCase(),
          unit_amount: start.amountMinor,
          product_data: { name: start.description },
          ...(recurring ? { recurring: { interval: "month" as const } } : {}),
        },
      };
  return {
    mode: recurring ? "subscription" : "payment",
    ...(recurring ? {} : { submit_type: "donate" as const }),
    line_items: [lineItem],
    customer_email: start.email,
    client_reference_id: start.checkoutId,
    metadata,
    ...(recurring
      ? { subscription_data: { metadata, description: start.description } }
      : { payment_intent_data: { metadata, description: start.description }, customer_creation: "always" as const }),
    ...(start.collectAddress ? { shipping_address_collection: { allowed_countries: [...SHIPPING_COUNTRIES] } } : {}),
    success_url: start.successUrl,
    cancel_url: start.cancelUrl,
  };
}

export const stripeProvider: PaymentProvider = {
  name: "stripe",
  async startCheckout(start) {
    return callStripe("checkout.sessions.create", async () => {
      let priceId: string | null = null;
      if (start.plan) {
        const price = await findPriceByLookupKey(start.plan.lookupKey);
        if (!price) throw new PlanNotInStripeError(`No active Stripe price with lookup key ${start.plan.lookupKey}: run npm run stripe:sync`);
        priceId = price.id;
      }
      const session = await getStripe().checkout.sessions.create(checkoutParams(start, priceId), {
        idempotencyKey: `checkout:${start.checkoutId}`,
      });
      if (!session.url) throw new Error("Stripe returned a Checkout Session without a URL");
      return { sessionId: session.id, url: session.url };
    });
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

/**
 * The invoices a PaymentIntent paid. Charges no longer name their invoice, so a refund of a
 * subscription payment is traced back through Stripe's invoice payments.
 */
export async function findInvoicesPaidBy(paymentIntentId: string): Promise<string[]> {
  return callStripe("invoicePayments.list", async () => {
    const list = await getStripe().invoicePayments.list({ payment: { type: "payment_intent", payment_intent: paymentIntentId }, limit: 10 });
    return list.data.map((p) => (typeof p.invoice === "string" ? p.invoice : p.invoice.id));
  });
}

/** Verifies a webhook's signature over the raw body; throws when it does not match. */
export function verifyWebhook(rawBody: string, signature: string): Stripe.Event {
  const secret = getEnv().STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new Error("STRIPE_WEBHOOK_SECRET is not set");
  return Stripe.webhooks.constructEvent(rawBody, signature, secret);
}

export type PlanForSync = {
  code: string;
  name: string;
  description: string;
  lookupKey: string;
  amountMinor: number;
  currency: string;
  billing: "monthly" | "one_time_year";
};

/**
 * Makes Stripe's Products and Prices match our plans, found by lookup key. Prices are
 * immutable in Stripe, so a changed amount creates a new Price that takes the lookup key over.
 */
export async function syncPlanToStripe(plan: PlanForSync): Promise<"created" | "updated" | "unchanged"> {
  const stripe = getStripe();
  const productId = `ff_plan_${plan.code.replace(/[^a-zA-Z0-9_]/g, "_")}`;
  let product: Stripe.Product | null = null;
  try {
    product = await stripe.products.retrieve(productId);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  if (!product) {
    await stripe.products.create(
      { id: productId, name: plan.name, description: plan.description || undefined },
      { idempotencyKey: `product:${productId}` },
    );
  }
  const productChanged = Boolean(product && (product.name !== plan.name || !product.active));
  if (productChanged) await stripe.products.update(productId, { name: plan.name, active: true });
  const existing = await findPriceByLookupKey(plan.lookupKey);
  const wantRecurring = plan.billing === "monthly";
  if (
    existing &&
    existing.unit_amount === plan.amountMinor &&
    existing.currency === plan.currency.toLowerCase() &&
    Boolean(existing.recurring) === wantRecurring &&
    (typeof existing.product === "string" ? existing.product : existing.product.id) === productId
  ) {
    return !product ? "created" : productChanged ? "updated" : "unchanged";
  }
  await stripe.prices.create(
    {
      product: productId,
      currency: plan.currency.toLowerCase(),
      unit_amount: plan.amountMinor,
      lookup_key: plan.lookupKey,
      transfer_lookup_key: true,
      nickname: plan.name,
      ...(wantRecurring ? { recurring: { interval: "month" } } : {}),
    },
    // Naming the price it replaces keeps the key unique per change: Stripe replays a seen key for
    // 24 hours, so a bare amount-based key would hand back an old price when an amount is reverted.
    { idempotencyKey: `price:${plan.lookupKey}:${plan.amountMinor}:${plan.currency}:${plan.billing}:replaces:${existing?.id ?? "none"}` },
  );
  if (existing) await stripe.prices.update(existing.id, { active: false });
  return existing || product ? "updated" : "created";
}
