import { z } from "zod";
import { CURRENCIES } from "@db/schema";
import type {
  CardFacts,
  CustomerFacts,
  NormalizedEvent,
  PostalAddress,
  ProviderDelivery,
  SettlementFacts,
} from "./events";
import { assertNever } from "~/never";

/**
 * Stripe event → normalised events. Pure: validated with zod, no network. Only the fields we
 * rely on are parsed; a payload without them is a malformed event, answered 400 so that Stripe
 * retries it (and shows it in the dashboard) until a fix can apply it.
 */

const currency = z
  .string()
  .transform((c) => c.toUpperCase())
  .pipe(z.enum(CURRENCIES));

const id = (value: unknown) =>
  typeof value === "string"
    ? value
    : value && typeof value === "object" && "id" in value
      ? String((value as { id: unknown }).id)
      : null;
const idField = z.unknown().transform(id);

const Metadata = z
  .record(z.string(), z.string())
  .nullish()
  .transform((m) => m ?? {});

// Our checkout ids are UUIDs. Anything else under the same key (another integration, another
// account's test data) is not ours, and must not reach a uuid column as a query error.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ourCheckoutId = (metadata: Record<string, string>) =>
  UUID.test(metadata.checkout_id ?? "") ? metadata.checkout_id : null;

const StripeAddress = z
  .object({
    line1: z.string().nullish(),
    line2: z.string().nullish(),
    city: z.string().nullish(),
    state: z.string().nullish(),
    postal_code: z.string().nullish(),
    country: z.string().nullish(),
  })
  .nullish();

function toPostalAddress(address: z.infer<typeof StripeAddress>): PostalAddress | null {
  if (!address?.line1 || !address.country) return null;
  return {
    line1: address.line1,
    line2: address.line2 ?? null,
    city: address.city ?? "",
    state: address.state ?? null,
    postalCode: address.postal_code ?? "",
    country: address.country,
  };
}

const CheckoutSession = z.object({
  id: z.string(),
  mode: z.enum(["payment", "subscription", "setup"]),
  payment_status: z.string(),
  metadata: Metadata,
  payment_intent: idField,
  invoice: idField,
  subscription: idField,
  customer: idField,
  amount_total: z.number().int().nullish(),
  currency: currency.nullish(),
  customer_details: z
    .object({
      email: z.string().nullish(),
      name: z.string().nullish(),
      phone: z.string().nullish(),
      address: StripeAddress,
    })
    .nullish(),
  collected_information: z
    .object({ shipping_details: z.object({ name: z.string().nullish(), address: StripeAddress }).nullish() })
    .nullish(),
});

const Invoice = z.object({
  id: z.string(),
  amount_paid: z.number().int(),
  amount_due: z.number().int(),
  currency,
  customer: idField,
  customer_email: z.string().nullish(),
  customer_name: z.string().nullish(),
  billing_reason: z.string().nullish(),
  attempt_count: z.number().int().nullish(),
  next_payment_attempt: z.number().int().nullish(),
  hosted_invoice_url: z.string().nullish(),
  status_transitions: z.object({ paid_at: z.number().int().nullish() }).nullish(),
  parent: z
    .object({
      subscription_details: z.object({ subscription: idField, metadata: Metadata }).nullish(),
    })
    .nullish(),
  payments: z
    .object({ data: z.array(z.object({ payment: z.object({ payment_intent: idField }).nullish() })) })
    .nullish(),
});

const Subscription = z.object({
  id: z.string(),
  status: z.string(),
  customer: idField,
  cancel_at_period_end: z.boolean(),
  pause_collection: z.object({ resumes_at: z.number().int().nullish() }).nullish(),
  metadata: Metadata,
  /** What the subscription is billed in; a Price with currency options answers in it (ADR 050). */
  currency: currency.nullish(),
  items: z.object({
    data: z
      .array(
        z.object({
          current_period_end: z.number().int().nullish(),
          quantity: z.number().int().nullish(),
          price: z.object({
            unit_amount: z.number().int().nullish(),
            currency,
            lookup_key: z.string().nullish(),
            /** Only when expanded: webhook payloads leave it out. */
            currency_options: z.record(z.string(), z.object({ unit_amount: z.number().int().nullish() })).nullish(),
          }),
        }),
      )
      .min(1),
  }),
});

/** Only what an expiry reminder needs: never the fingerprint, country or billing details. */
const Card = z.object({
  brand: z.string().max(40),
  last4: z.string().regex(/^\d{4}$/),
  exp_month: z.number().int().min(1).max(12),
  exp_year: z.number().int().min(2000).max(2200),
});
const toCardFacts = (card: z.infer<typeof Card>): CardFacts => ({
  brand: card.brand,
  last4: card.last4,
  expMonth: card.exp_month,
  expYear: card.exp_year,
});

const PaymentMethod = z.object({ id: z.string(), type: z.string(), customer: idField, card: Card.nullish() });

const Customer = z.object({
  id: z.string(),
  invoice_settings: z.object({ default_payment_method: z.union([z.string(), PaymentMethod]).nullish() }).nullish(),
});

const Charge = z.object({
  id: z.string(),
  payment_intent: idField,
  amount_refunded: z.number().int().nonnegative(),
  metadata: Metadata,
});

/** A balance transaction (expanded on a charge, or asked for by id): what Stripe settled. */
export const BalanceTransaction = z.object({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string().transform((c) => c.toUpperCase()),
  exchange_rate: z.number().nullish(),
  created: z.number().int(),
});

/** Facts of a balance transaction in one of our currencies; null for any other (it can fill no target). */
export function settlementFacts(raw: unknown): SettlementFacts | null {
  const transaction = BalanceTransaction.parse(raw);
  const known = CURRENCIES.find((c) => c === transaction.currency);
  if (!known) return null;
  return {
    balanceTransactionId: transaction.id,
    amountMinor: transaction.amount,
    currency: known,
    // Kept as Stripe wrote it: a decimal, never re-rounded through our own arithmetic.
    exchangeRate:
      transaction.exchange_rate === null || transaction.exchange_rate === undefined
        ? null
        : String(transaction.exchange_rate),
    settledAt: fromUnix(transaction.created),
  };
}

const SettledCharge = z.object({
  id: z.string(),
  payment_intent: idField,
  metadata: Metadata,
  balance_transaction: z.unknown().nullish(),
});

const StripeEventEnvelope = z.object({
  id: z.string(),
  type: z.string(),
  created: z.number().int(),
  /** Set on events about a connected account's objects (Connect), which are never ours. */
  account: z.string().nullish(),
  data: z.object({ object: z.unknown() }),
});

export type StripeEventLike = z.input<typeof StripeEventEnvelope>;

const fromUnix = (seconds: number) => new Date(seconds * 1000);

function sessionCustomer(session: z.infer<typeof CheckoutSession>): CustomerFacts {
  const shipping = session.collected_information?.shipping_details;
  return {
    email: session.customer_details?.email ?? null,
    name: shipping?.name ?? session.customer_details?.name ?? null,
    phone: session.customer_details?.phone ?? null,
    providerCustomerId: session.customer,
    address: toPostalAddress(shipping?.address) ?? null,
  };
}

function mapCheckoutSession(
  session: z.infer<typeof CheckoutSession>,
  created: Date,
  forcePaid: boolean,
): NormalizedEvent[] {
  const checkoutId = ourCheckoutId(session.metadata);
  if (!checkoutId) return [];
  const paid = forcePaid || session.payment_status === "paid";
  const customer = sessionCustomer(session);
  const events: NormalizedEvent[] = [
    {
      type: "checkout.completed",
      checkoutId,
      paid,
      customer,
      session: { id: session.id, amountMinor: session.amount_total ?? null, currency: session.currency ?? null },
    },
  ];
  const providerPaymentId = session.mode === "subscription" ? session.invoice : session.payment_intent;
  if (paid && providerPaymentId && session.amount_total && session.currency) {
    events.push({
      type: "payment.succeeded",
      checkoutId,
      providerPaymentId,
      paymentIntentId: session.mode === "payment" ? session.payment_intent : null,
      providerSubscriptionId: session.subscription,
      amountMinor: session.amount_total,
      currency: session.currency,
      paidAt: created,
      method: "card",
      firstOfSubscription: session.mode === "subscription",
      customer,
      checkoutKind: session.metadata.kind ?? null,
    });
  }
  return events;
}

/**
 * The checkout of ours an invoice was made for, or null for an invoice made elsewhere (the
 * Dashboard, another integration). Exported for the refund trace, which asks Stripe for invoices.
 */
export function invoiceCheckoutId(invoice: {
  parent?: { subscription_details?: { metadata?: Record<string, string> | null } | null } | null;
}) {
  return ourCheckoutId(invoice.parent?.subscription_details?.metadata ?? {});
}

function mapEventObject(type: HandledStripeEvent, object: unknown, created: Date): NormalizedEvent[] {
  switch (type) {
    case "checkout.session.completed":
      return mapCheckoutSession(CheckoutSession.parse(object), created, false);
    case "checkout.session.async_payment_succeeded":
      return mapCheckoutSession(CheckoutSession.parse(object), created, true);
    case "checkout.session.async_payment_failed": {
      const checkoutId = ourCheckoutId(CheckoutSession.parse(object).metadata);
      return checkoutId ? [{ type: "checkout.failed", checkoutId }] : [];
    }
    case "invoice.paid": {
      const invoice = Invoice.parse(object);
      const checkoutId = invoiceCheckoutId(invoice);
      if (!checkoutId || invoice.amount_paid <= 0) return [];
      const paymentIntentId = invoice.payments?.data.map((p) => p.payment?.payment_intent).find(Boolean) ?? null;
      return [
        {
          type: "payment.succeeded",
          checkoutId,
          providerPaymentId: invoice.id,
          paymentIntentId,
          providerSubscriptionId: invoice.parent?.subscription_details?.subscription ?? null,
          amountMinor: invoice.amount_paid,
          currency: invoice.currency,
          paidAt: invoice.status_transitions?.paid_at ? fromUnix(invoice.status_transitions.paid_at) : created,
          method: "card",
          firstOfSubscription: invoice.billing_reason === "subscription_create",
          customer: {
            email: invoice.customer_email,
            name: invoice.customer_name,
            providerCustomerId: invoice.customer,
          },
        },
      ];
    }
    case "invoice.payment_failed": {
      const invoice = Invoice.parse(object);
      const checkoutId = invoiceCheckoutId(invoice);
      if (!checkoutId) return [];
      return [
        {
          type: "payment.failed",
          checkoutId,
          providerPaymentId: invoice.id,
          providerSubscriptionId: invoice.parent?.subscription_details?.subscription ?? null,
          amountMinor: invoice.amount_due,
          currency: invoice.currency,
          attemptCount: invoice.attempt_count ?? 1,
          nextAttemptAt: invoice.next_payment_attempt ? fromUnix(invoice.next_payment_attempt) : null,
          // Not last_finalization_error: that is about finalising the invoice, not the card. The
          // webhook asks Stripe for the attempt's error (explainFailedPayments).
          reason: null,
          fixUrl: invoice.hosted_invoice_url ?? null,
        },
      ];
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted": {
      const subscription = Subscription.parse(object);
      const checkoutId = ourCheckoutId(subscription.metadata);
      if (!checkoutId) return [];
      // The schema asks for at least one item, so parse has thrown already when there is none.
      const item = subscription.items.data[0];
      if (!item) throw new Error("subscription without items");
      // A subscription in another currency than its Price's own: the Price's unit amount is in its
      // own currency, so the amount is the option for the subscription's currency, or unknown here.
      const billedIn = subscription.currency ?? item.price.currency;
      const unitAmount =
        billedIn === item.price.currency
          ? (item.price.unit_amount ?? 0)
          : (item.price.currency_options?.[billedIn.toLowerCase()]?.unit_amount ?? null);
      return [
        {
          type: "subscription.changed",
          checkoutId,
          providerSubscriptionId: subscription.id,
          status: type === "customer.subscription.deleted" ? "canceled" : subscription.status,
          amountMinor: unitAmount === null ? null : unitAmount * (item.quantity ?? 1),
          currency: billedIn,
          currentPeriodEnd: item.current_period_end ? fromUnix(item.current_period_end) : null,
          cancelAtPeriodEnd: subscription.cancel_at_period_end,
          pausedUntil: subscription.pause_collection?.resumes_at
            ? fromUnix(subscription.pause_collection.resumes_at)
            : null,
          planLookupKey: item.price.lookup_key ?? null,
          occurredAt: created,
          customer: { providerCustomerId: subscription.customer },
        },
      ];
    }
    case "payment_method.attached":
    case "payment_method.updated": {
      const method = PaymentMethod.parse(object);
      if (method.type !== "card" || !method.card || !method.customer) return [];
      return [
        {
          type: "card.changed",
          owner: { providerCustomerId: method.customer },
          paymentMethodId: method.id,
          card: toCardFacts(method.card),
          defaultChanged: false,
        },
      ];
    }
    case "customer.updated": {
      // Which card is the default now is asked of Stripe when applied (webhook.server.ts), so an
      // older delivery can never put an old card back.
      const customer = Customer.parse(object);
      const defaultMethod = customer.invoice_settings?.default_payment_method;
      if (!defaultMethod) return [];
      const method = typeof defaultMethod === "string" ? null : defaultMethod;
      return [
        {
          type: "card.changed",
          owner: { providerCustomerId: customer.id },
          paymentMethodId: method?.id ?? (defaultMethod as string),
          card: method?.card ? toCardFacts(method.card) : null,
          defaultChanged: true,
        },
      ];
    }
    case "charge.succeeded":
    case "charge.updated": {
      // The balance transaction may come later than the charge (asynchronous capture): it is
      // there on charge.updated. A webhook names it only by id; the webhook asks Stripe (ADR 050).
      const charge = SettledCharge.parse(object);
      const balanceTransactionId = id(charge.balance_transaction);
      if (!balanceTransactionId || !charge.payment_intent) return [];
      const expanded = typeof charge.balance_transaction === "object" ? charge.balance_transaction : null;
      return [
        {
          type: "payment.settled",
          providerPaymentIds: [charge.payment_intent],
          paymentIntentId: charge.payment_intent,
          checkoutId: ourCheckoutId(charge.metadata),
          balanceTransactionId,
          settlement: expanded ? settlementFacts(expanded) : null,
        },
      ];
    }
    case "charge.refunded": {
      // The charge's running total, not one refund: totals only grow, so any order converges.
      const charge = Charge.parse(object);
      return [
        {
          type: "payment.refunded",
          providerPaymentIds: [charge.payment_intent].filter((v): v is string => Boolean(v)),
          refundedTotalMinor: charge.amount_refunded,
          // The pinned API version leaves `charge.refunds` out of webhook payloads: the event's
          // own time is when the total reached this (ADR 046).
          occurredAt: created,
          paymentIntentId: charge.payment_intent,
          checkoutId: ourCheckoutId(charge.metadata),
        },
      ];
    }
    default:
      return assertNever(type, "Stripe event type");
  }
}

export class MalformedEventError extends Error {}

/** Maps a verified Stripe event. Unknown types map to no events: acknowledged, ignored. */
export function mapStripeEvent(raw: unknown): ProviderDelivery {
  const envelope = StripeEventEnvelope.safeParse(raw);
  if (!envelope.success) throw new MalformedEventError("not a Stripe event");
  const event = envelope.data;
  const createdAt = fromUnix(event.created);
  // Another account's objects can carry metadata that looks like ours: never apply them.
  if (event.account) return { eventId: event.id, type: event.type, createdAt, events: [] };
  // Other types, including refund.* and charge.refund.updated, map to nothing: each names one refund,
  // and adding those up would count a refund twice when both kinds arrive. charge.refunded carries the total.
  if (!isHandledStripeEvent(event.type)) return { eventId: event.id, type: event.type, createdAt, events: [] };
  let events: NormalizedEvent[];
  try {
    events = mapEventObject(event.type, event.data.object, createdAt);
  } catch (error) {
    if (error instanceof z.ZodError)
      throw new MalformedEventError(
        `${event.type} payload lacks fields we rely on: ${error.issues[0]?.path.join(".")}`,
      );
    throw error;
  }
  return { eventId: event.id, type: event.type, createdAt, events };
}

export const HANDLED_STRIPE_EVENTS = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "invoice.paid",
  "invoice.payment_failed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "charge.refunded",
  "charge.succeeded",
  "charge.updated",
  "customer.updated",
  "payment_method.attached",
  "payment_method.updated",
] as const;
/** The Stripe event types we map; the switch in mapEventObject has one case for each (checked by tsc). */
export type HandledStripeEvent = (typeof HANDLED_STRIPE_EVENTS)[number];

function isHandledStripeEvent(type: string): type is HandledStripeEvent {
  return (HANDLED_STRIPE_EVENTS as readonly string[]).includes(type);
}
