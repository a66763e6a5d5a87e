import { createHash, randomUUID } from "node:crypto";
import type { PostalAddress } from "@db/schema";
import Stripe from "stripe";
import { storableLocale } from "~/i18n/request-locale.server";
import { getEnv } from "~/env.server";
import { reportServiceFailure, reportServiceSuccess } from "~/health.server";
import { t } from "~/i18n/t";
import { describeError, logger } from "~/log.server";
import { formatMoney } from "~/money";
import type { CardFacts } from "./events";
import type { CheckoutStart, PaymentProvider, SubscriptionRef } from "./provider.server";
import { PaymentProviderError } from "./provider.server";
import { invoiceCheckoutId } from "./stripe-events.server";

/** The only module that imports the Stripe SDK. The API version is pinned by the SDK release. */
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

/** Where print editions can be posted: Checkout asks for an address in one of these. */
const SHIPPING_COUNTRIES = [
  "AU",
  "NZ",
  "GB",
  "IE",
  "US",
  "CA",
  "DE",
  "FR",
  "NL",
  "SE",
  "NO",
  "DK",
  "FI",
  "ES",
  "IT",
  "AT",
  "CH",
  "BE",
  "PT",
] as const;

let client: { key: string; stripe: Stripe } | undefined;

/**
 * Benchmarks only (scripts/bench): STRIPE_API_BASE=http://127.0.0.1:<port> sends the SDK's calls
 * to a local stub instead of api.stripe.com. Read here rather than in the env schema because no
 * installation should ever set it; it is said loudly when it is.
 */
function stripeApiBase(): Pick<Stripe.StripeConfig, "host" | "port" | "protocol"> {
  const raw = process.env.STRIPE_API_BASE?.trim();
  if (!raw) return {};
  const url = new URL(raw);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("STRIPE_API_BASE must be an http(s) URL");
  logger.warn({ host: url.host }, "STRIPE_API_BASE is set: Stripe API calls go to this host (benchmarks only)");
  return {
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    protocol: url.protocol === "https:" ? "https" : "http",
  };
}

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
        ...stripeApiBase(),
      }),
    };
  }
  return client.stripe;
}

/** A plan with no Stripe Price: our configuration, not Stripe's availability. */
class PlanNotInStripeError extends Error {}

const UNREACHABLE = "We couldn't reach our payment processor. Nothing was charged — please try again in a moment.";
const REFUND_NOT_MADE =
  "The payment processor didn't accept the refund, so nothing has been refunded. Please try again in a moment.";
const CHANGE_NOT_MADE =
  "We couldn't make this change with our payment processor just now, so nothing has changed. Please try again in a moment.";

async function callStripe<T>(what: string, call: () => Promise<T>, failureMessage = UNREACHABLE): Promise<T> {
  try {
    const result = await call();
    reportServiceSuccess("stripe");
    return result;
  } catch (error) {
    if (error instanceof PlanNotInStripeError) {
      reportServiceSuccess("stripe"); // Stripe answered; our catalogue is what is missing.
      logger.error({ what, reason: error.message }, "stripe configuration incomplete");
      throw new PaymentProviderError(
        "This supporter option can't be paid online just now. Nothing was charged — please try another option or phone us.",
        error,
      );
    }
    reportServiceFailure("stripe", error);
    logger.error({ err: describeError(error), what }, "stripe call failed");
    throw new PaymentProviderError(failureMessage, error);
  }
}

export async function findPriceByLookupKey(lookupKey: string): Promise<Stripe.Price | null> {
  // Its amounts in other currencies come only when asked for (ADR 050).
  const prices = await getStripe().prices.list({
    lookup_keys: [lookupKey],
    active: true,
    limit: 1,
    expand: ["data.currency_options"],
  });
  return prices.data[0] ?? null;
}

/** What a catalogue Price charges in a currency: its own amount, or its `currency_options` entry's. */
export function catalogueAmountIn(price: Stripe.Price, currency: string): number | null {
  const code = currency.toLowerCase();
  if (price.currency === code) return price.unit_amount;
  return price.currency_options?.[code]?.unit_amount ?? null;
}

/**
 * The line item for a checkout's gift or plan. A plan's catalogue Price is used when it is exactly
 * the amount agreed; otherwise (a phone pledge taken before the plan's price changed) an inline
 * price on the plan's product charges the agreed amount. Without a lookup key the subscription
 * keeps the checkout's plan (see applySubscriptionChanged). Card fees a reader covers are not in
 * it for a one-off gift (their own line, see checkoutParams); a monthly gift stays one
 * subscription item (every change to it reads "the" item), its product naming the cover (ADR 040).
 */
function lineItemFor(
  start: CheckoutStart,
  catalogue: Stripe.Price | null,
  recurring: boolean,
  discreetProductId: string | null,
): Stripe.Checkout.SessionCreateParams.LineItem {
  const feeApart = !recurring && start.feeCoverMinor > 0;
  const unitAmount = feeApart ? start.amountMinor - start.feeCoverMinor : start.amountMinor;
  // The session's `currency` picks the Price's amount in that currency (ADR 050).
  if (catalogue && catalogueAmountIn(catalogue, start.currency) === unitAmount) {
    return { price: catalogue.id, quantity: 1 };
  }
  const coverSaid =
    recurring && start.feeCoverMinor > 0
      ? { description: t("giftLines.includesFeeCover", { fee: formatMoney(start.feeCoverMinor, start.currency) }) }
      : {};
  const product = catalogue
    ? { product: typeof catalogue.product === "string" ? catalogue.product : catalogue.product.id }
    : discreetProductId
      ? { product: discreetProductId }
      : { product_data: { name: start.description, ...coverSaid } };
  return {
    quantity: 1,
    price_data: {
      currency: start.currency.toLowerCase(),
      unit_amount: unitAmount,
      ...product,
      ...(recurring ? { recurring: { interval: "month" as const } } : {}),
    },
  };
}

/** A one-off gift's card fees the reader chose to cover: a line of its own on the payment page. */
function feeCoverLineItem(start: CheckoutStart): Stripe.Checkout.SessionCreateParams.LineItem {
  return {
    quantity: 1,
    price_data: {
      currency: start.currency.toLowerCase(),
      unit_amount: start.feeCoverMinor,
      product_data: { name: t("giftLines.feeCover") },
    },
  };
}

function stripeAddress(address: PostalAddress): Stripe.AddressParam {
  return {
    line1: address.line1,
    line2: address.line2 ?? "",
    city: address.city,
    state: address.state ?? "",
    postal_code: address.postalCode,
    country: address.country,
  };
}

/**
 * Cards refuse a whole `statement_descriptor` on a PaymentIntent in the pinned API version: only
 * the suffix after the account's prefix can change per payment (ADR 051).
 */
function statementSuffix(start: CheckoutStart): { statement_descriptor_suffix?: string } {
  return start.statementDescriptor ? { statement_descriptor_suffix: start.statementDescriptor } : {};
}

function checkoutParams(
  start: CheckoutStart,
  catalogue: Stripe.Price | null,
  discreetProductId: string | null = null,
): Stripe.Checkout.SessionCreateParams {
  const metadata = {
    checkout_id: start.checkoutId,
    campaign_id: String(start.campaign.id),
    plan_id: start.plan ? String(start.plan.id) : "",
    kind: start.kind,
  };
  const recurring = start.kind === "monthly" || start.kind === "tier_monthly";
  const lineItem = lineItemFor(start, catalogue, recurring, discreetProductId);
  // The session's amount_total is still the checkout's gift plus cover (checkSessionMatches).
  const feeApart = !recurring && start.feeCoverMinor > 0;
  return {
    mode: recurring ? "subscription" : "payment",
    // The reader's chosen currency: catalogue Prices answer in it from their currency_options.
    currency: start.currency.toLowerCase(),
    ...(recurring ? {} : { submit_type: "donate" as const }),
    line_items: feeApart ? [lineItem, feeCoverLineItem(start)] : [lineItem],
    // A known customer opens Checkout with their details (and, for print, their shipping address)
    // filled in; Stripe takes either a customer or an email, never both.
    ...(start.providerCustomerId ? { customer: start.providerCustomerId } : { customer_email: start.email }),
    client_reference_id: start.checkoutId,
    // Stripe's page in the reader's language (ADR 049).
    locale: start.locale ?? "en",
    metadata,
    ...(recurring
      ? { subscription_data: { metadata, description: start.description } }
      : {
          payment_intent_data: { metadata, description: start.description, ...statementSuffix(start) },
          ...(start.providerCustomerId ? {} : { customer_creation: "always" as const }),
        }),
    ...(start.collectAddress ? { shipping_address_collection: { allowed_countries: [...SHIPPING_COUNTRIES] } } : {}),
    success_url: start.successUrl,
    cancel_url: start.cancelUrl,
  };
}

/**
 * A subscription's card payments are described by its first product's `statement_descriptor`
 * (inline `product_data` cannot carry one), so a discreet campaign's monthly gifts are sold as a
 * product of its own with a neutral name and that descriptor, made once per campaign and text.
 */
async function discreetProduct(campaignId: number, descriptor: string): Promise<string> {
  const stripe = getStripe();
  const id = `ff_discreet_${campaignId}_${createHash("sha256").update(descriptor).digest("hex").slice(0, 12)}`;
  try {
    await stripe.products.retrieve(id);
    return id;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  await stripe.products.create(
    { id, name: t("discreet.productName"), statement_descriptor: descriptor },
    { idempotencyKey: `product:${id}` },
  );
  return id;
}

export const stripeProvider: PaymentProvider = {
  name: "stripe",
  async startCheckout(start) {
    return callStripe("checkout.sessions.create", async () => {
      let catalogue: Stripe.Price | null = null;
      if (start.plan) {
        catalogue = await findPriceByLookupKey(start.plan.lookupKey);
        if (!catalogue)
          throw new PlanNotInStripeError(
            `No active Stripe price with lookup key ${start.plan.lookupKey}: run npm run stripe:sync`,
          );
      }
      const recurring = start.kind === "monthly" || start.kind === "tier_monthly";
      const discreetProductId =
        recurring && !catalogue && start.statementDescriptor
          ? await discreetProduct(start.campaign.id, start.statementDescriptor)
          : null;
      const session = await getStripe().checkout.sessions.create(checkoutParams(start, catalogue, discreetProductId), {
        idempotencyKey: `checkout:${start.checkoutId}`,
      });
      if (!session.url) throw new Error("Stripe returned a Checkout Session without a URL");
      return { sessionId: session.id, url: session.url };
    });
  },
  // Our rows change when the customer.subscription.updated webhook confirms each of these.
  changeGiftAmount(input) {
    return changeSubscription("subscriptions.update amount", input, async (item) => ({
      // A gift has no catalogue price: a new inline price on the same product, from the next invoice.
      items: [
        {
          id: item.id,
          price_data: {
            currency: input.currency.toLowerCase(),
            unit_amount: input.amountMinor,
            recurring: { interval: "month" },
            product: item.productId,
          },
        },
      ],
      proration_behavior: "none",
    }));
  },
  switchTier(input) {
    return changeSubscription("subscriptions.update tier", input, async (item) => {
      const price = await findPriceByLookupKey(input.lookupKey);
      if (!price)
        throw new PlanNotInStripeError(
          `No active Stripe price with lookup key ${input.lookupKey}: run npm run stripe:sync`,
        );
      return { items: [{ id: item.id, price: price.id }], proration_behavior: "create_prorations" };
    });
  },
  pauseCollection(input) {
    return changeSubscription("subscriptions.update pause", input, async () => ({
      pause_collection: { behavior: "void", resumes_at: Math.floor(input.resumesAt.getTime() / 1000) },
    }));
  },
  resumeCollection(input) {
    return changeSubscription("subscriptions.update resume", input, async () => ({ pause_collection: "" }));
  },
  keepSubscription(input) {
    return changeSubscription("subscriptions.update keep", input, async () => ({ cancel_at_period_end: false }));
  },
  async cancelSubscription(input) {
    if (input.atPeriodEnd)
      return changeSubscription("subscriptions.update cancel", input, async () => ({ cancel_at_period_end: true }));
    await callStripe(
      "subscriptions.cancel",
      () =>
        getStripe().subscriptions.cancel(input.providerSubscriptionId, {}, { idempotencyKey: input.idempotencyKey }),
      CHANGE_NOT_MADE,
    );
  },
  async forgetCustomer({ providerCustomerId }) {
    await callStripe("customers.del", async () => {
      try {
        await getStripe().customers.del(providerCustomerId);
      } catch (error) {
        // Already deleted (a repeated erasure): the outcome we want.
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    });
  },
  async updateCustomer({ providerCustomerId, name, email, address, idempotencyKey }) {
    return callStripe("customers.update", async () => {
      try {
        await getStripe().customers.update(
          providerCustomerId,
          {
            // "" unsets a field in Stripe's API.
            name: name ?? "",
            ...(email ? { email } : {}),
            address: address ? stripeAddress(address) : "",
            // Where Checkout prefills a print edition's delivery when the supporter starts again.
            shipping: address ? { name: name || email || "Supporter", address: stripeAddress(address) } : "",
          },
          { idempotencyKey },
        );
        return "updated" as const;
      } catch (error) {
        // Deleted in the Dashboard (or by an erasure): nothing left to keep up to date.
        if ((error as { statusCode?: number }).statusCode === 404) return "missing" as const;
        throw error;
      }
    });
  },
  async refundPayment({ providerPaymentId, paymentIntentId, amountMinor, reason, idempotencyKey }) {
    return callStripe(
      "refunds.create",
      async () => {
        const stripe = getStripe();
        let paymentIntent = paymentIntentId ?? (providerPaymentId.startsWith("pi_") ? providerPaymentId : null);
        if (!paymentIntent) {
          // A subscription payment known by its invoice: the invoice payment names the PaymentIntent.
          const list = await stripe.invoicePayments.list({ invoice: providerPaymentId, limit: 10 });
          const paid = list.data.find((p) => p.payment.type === "payment_intent" && p.payment.payment_intent);
          const intent = paid?.payment.payment_intent;
          paymentIntent = typeof intent === "string" ? intent : (intent?.id ?? null);
        }
        if (!paymentIntent) throw new Error(`no PaymentIntent for ${providerPaymentId}`);
        const refund = await stripe.refunds.create(
          { payment_intent: paymentIntent, amount: amountMinor, ...(reason ? { reason } : {}) },
          { idempotencyKey },
        );
        return { providerRefundId: refund.id };
      },
      REFUND_NOT_MADE,
    );
  },
  async startCardUpdate({ providerCustomerId, supporterId, returnUrl }) {
    if (!providerCustomerId)
      throw new PaymentProviderError("We have no card on file for you yet: it is saved with your first card payment.");
    return callStripe(
      "billingPortal.sessions.create",
      async () => {
        const session = await getStripe().billingPortal.sessions.create(
          {
            customer: providerCustomerId,
            return_url: returnUrl,
            flow_data: { type: "payment_method_update" },
            // The portal in the supporter's language, as the page that sent them there (ADR 049).
            locale: storableLocale(),
          },
          // Each visit gets its own short-lived portal session.
          { idempotencyKey: `card-update:${supporterId}:${randomUUID()}` },
        );
        return { url: session.url };
      },
      "We couldn't open the card update page just now. Your card has not changed — please try again in a moment.",
    );
  },
};

type SubscriptionItemRef = { id: string; productId: string };

/** Reads the subscription's one item (its id and product), then asks for the change. */
async function changeSubscription(
  what: string,
  input: SubscriptionRef & { idempotencyKey: string },
  params: (item: SubscriptionItemRef) => Promise<Stripe.SubscriptionUpdateParams>,
) {
  await callStripe(
    what,
    async () => {
      const stripe = getStripe();
      const subscription = await stripe.subscriptions.retrieve(input.providerSubscriptionId);
      const item = subscription.items.data[0];
      if (!item) throw new Error(`Subscription ${subscription.id} has no items`);
      const productId = typeof item.price.product === "string" ? item.price.product : item.price.product.id;
      await stripe.subscriptions.update(input.providerSubscriptionId, await params({ id: item.id, productId }), {
        idempotencyKey: input.idempotencyKey,
      });
    },
    CHANGE_NOT_MADE,
  );
}

/**
 * The customer's default card as Stripe has it now. Asked afresh for every card event, so
 * deliveries in any order end on the current card.
 */
export async function findDefaultCard(
  customerId: string,
): Promise<{ paymentMethodId: string; card: CardFacts | null } | null> {
  return callStripe("customers.retrieve", async () => {
    const customer = await getStripe().customers.retrieve(customerId, {
      expand: ["invoice_settings.default_payment_method"],
    });
    if (customer.deleted) return null;
    const method = customer.invoice_settings?.default_payment_method;
    if (!method) return null;
    if (typeof method === "string") return { paymentMethodId: method, card: null };
    const card = method.card;
    return {
      paymentMethodId: method.id,
      card: card ? { brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year } : null,
    };
  });
}

const LIVE_SUBSCRIPTION_STATUSES = new Set(["active", "trialing", "past_due", "unpaid", "paused"]);

/**
 * Makes every live subscription of the customer pay with this card. A card replaced only as the
 * customer's default leaves renewals on the old card, so each subscription is told. Keys name the
 * webhook event, so Stripe retrying a delivery asks nothing new.
 */
export async function useCardForAllSubscriptions({
  customerId,
  paymentMethodId,
  eventId,
}: {
  customerId: string;
  paymentMethodId: string;
  eventId: string;
}): Promise<string[]> {
  return callStripe("subscriptions.update default_payment_method", async () => {
    const stripe = getStripe();
    const updated: string[] = [];
    for await (const subscription of stripe.subscriptions.list({ customer: customerId, limit: 100 })) {
      const current =
        typeof subscription.default_payment_method === "string"
          ? subscription.default_payment_method
          : (subscription.default_payment_method?.id ?? null);
      if (!LIVE_SUBSCRIPTION_STATUSES.has(subscription.status) || current === paymentMethodId) continue;
      await stripe.subscriptions.update(
        subscription.id,
        { default_payment_method: paymentMethodId },
        { idempotencyKey: `default-card:${eventId}:${subscription.id}` },
      );
      updated.push(subscription.id);
    }
    return updated;
  });
}

/**
 * The invoices of ours a PaymentIntent paid. Charges no longer name their invoice, so a refund of
 * a subscription payment is traced back through Stripe's invoice payments. Invoices are expanded
 * so that one made in the Dashboard (no checkout of ours in its subscription metadata) is left
 * out: its refund is then ignored rather than retried as a payment of ours still on its way.
 */
export async function findInvoicesPaidBy(paymentIntentId: string): Promise<string[]> {
  return callStripe("invoicePayments.list", async () => {
    const list = await getStripe().invoicePayments.list({
      payment: { type: "payment_intent", payment_intent: paymentIntentId },
      expand: ["data.invoice"],
      limit: 10,
    });
    return list.data.flatMap((p) =>
      typeof p.invoice === "object" && !p.invoice.deleted && invoiceCheckoutId(p.invoice) ? [p.invoice.id] : [],
    );
  });
}

/** A balance transaction as Stripe keeps it (ADR 050): read when a charge's event names one. */
export async function findBalanceTransaction(balanceTransactionId: string): Promise<unknown> {
  return callStripe("balanceTransactions.retrieve", () =>
    getStripe().balanceTransactions.retrieve(balanceTransactionId),
  );
}

/** How far a signed timestamp may be from now, either way: the SDK's default tolerance. */
const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Verifies a webhook's signature over the raw body; throws when it does not match. The SDK
 * refuses only timestamps that are too old, so a signature made for the future would stay
 * replayable until then: those are refused here too.
 */
export function verifyWebhook(rawBody: string, signature: string): Stripe.Event {
  const secret = getEnv().STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new Error("STRIPE_WEBHOOK_SECRET is not set");
  const event = Stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
  const signedAt = signedTimestamp(signature);
  if (signedAt === null || signedAt > Math.floor(Date.now() / 1000) + WEBHOOK_TOLERANCE_SECONDS) {
    throw new Error("webhook timestamp is in the future");
  }
  return event;
}

/** The `t=` of a Stripe-Signature header, read as the SDK reads it (the last one counts). */
function signedTimestamp(header: string): number | null {
  let timestamp: number | null = null;
  for (const item of header.split(",")) {
    const [key, value] = item.split("=");
    if (key === "t") timestamp = Number.parseInt(value ?? "", 10);
  }
  return timestamp !== null && Number.isFinite(timestamp) ? timestamp : null;
}

export type PlanForSync = {
  code: string;
  name: string;
  description: string;
  lookupKey: string;
  amountMinor: number;
  currency: string;
  billing: "monthly" | "one_time_year";
  /** Its prices in the other currencies campaigns take (ADR 050). */
  otherPrices?: readonly { currency: string; amountMinor: number }[];
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
  // Its prices in other currencies as Stripe's `currency_options` (ADR 050), lower-case codes, sorted.
  const options = [...(plan.otherPrices ?? [])]
    .filter((p) => p.currency !== plan.currency)
    .sort((a, b) => a.currency.localeCompare(b.currency));
  const optionsKey = options.map((p) => `${p.currency}=${p.amountMinor}`).join(",");
  const existingOptions = Object.entries(existing?.currency_options ?? {})
    .filter(([code]) => code !== existing?.currency)
    .map(([code, option]) => `${code.toUpperCase()}=${option.unit_amount}`)
    .sort()
    .join(",");
  if (
    existing &&
    existingOptions === optionsKey &&
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
      ...(options.length > 0
        ? {
            currency_options: Object.fromEntries(
              options.map((p) => [p.currency.toLowerCase(), { unit_amount: p.amountMinor }]),
            ),
          }
        : {}),
    },
    // Naming the price it replaces keeps the key unique per change: Stripe replays a seen key for
    // 24 hours, so a bare amount-based key would hand back an old price when an amount is reverted.
    {
      idempotencyKey: `price:${plan.lookupKey}:${plan.amountMinor}:${plan.currency}:${plan.billing}:${optionsKey}:replaces:${existing?.id ?? "none"}`,
    },
  );
  if (existing) await stripe.prices.update(existing.id, { active: false });
  return existing || product ? "updated" : "created";
}

/** What the card issuer (or Stripe) said when an attempt to pay failed: a PaymentIntent's last_payment_error. */
export type PaymentAttemptError = {
  type: string | null;
  code: string | null;
  declineCode: string | null;
  message: string | null;
};

/**
 * Why the latest attempt to pay an invoice failed. In the pinned API version an invoice names no
 * PaymentIntent, and `last_finalization_error` is about finalising the invoice, not the card: the
 * invoice's payments list names each attempt's PaymentIntent, expanded for its last_payment_error.
 * Null when Stripe knows of no failed attempt.
 */
export async function findInvoicePaymentError(invoiceId: string): Promise<PaymentAttemptError | null> {
  return callStripe("invoicePayments.list", async () => {
    const list = await getStripe().invoicePayments.list({
      invoice: invoiceId,
      expand: ["data.payment.payment_intent"],
      limit: 10,
    });
    const newestFirst = [...list.data].sort((a, b) => b.created - a.created);
    for (const attempt of newestFirst) {
      const intent = attempt.payment.payment_intent;
      const error = typeof intent === "object" && intent ? intent.last_payment_error : null;
      if (error)
        return {
          type: error.type ?? null,
          code: error.code ?? null,
          declineCode: error.decline_code ?? null,
          message: error.message ?? null,
        };
    }
    return null;
  });
}
