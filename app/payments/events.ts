import type { Currency, PaymentMethod, PostalAddress } from "@db/schema";

/**
 * Provider-neutral facts about money. The Stripe webhook and the simulated checkout both turn
 * what happened into these, and one domain function applies them: there is one application path.
 */
export type { PostalAddress } from "@db/schema";

export type CustomerFacts = {
  email?: string | null;
  name?: string | null;
  phone?: string | null;
  providerCustomerId?: string | null;
  address?: PostalAddress | null;
};

export type CardFacts = { brand: string; last4: string; expMonth: number; expYear: number };

/**
 * What a payment became in the provider's balance (ADR 050): Stripe's balance transaction for the
 * charge. `exchangeRate`: Stripe's decimal rate from the paid currency into `currency`, as
 * Stripe wrote it; null when nothing was converted.
 */
export type SettlementFacts = {
  balanceTransactionId: string;
  amountMinor: number;
  currency: Currency;
  exchangeRate: string | null;
  settledAt: Date;
};

export type CheckoutSessionFacts = { id: string; amountMinor: number | null; currency: Currency | null };

export type NormalizedEvent =
  | {
      type: "checkout.completed";
      checkoutId: string;
      paid: boolean;
      customer: CustomerFacts;
      /** The provider's session as it was paid, checked against the checkout we created; none for the simulated provider. */
      session?: CheckoutSessionFacts;
    }
  | { type: "checkout.failed"; checkoutId: string }
  | {
      type: "payment.succeeded";
      checkoutId: string;
      providerPaymentId: string;
      paymentIntentId?: string | null;
      providerSubscriptionId?: string | null;
      amountMinor: number;
      currency: Currency;
      paidAt: Date;
      method: PaymentMethod;
      /** The first payment of a subscription (Stripe: billing_reason subscription_create). */
      firstOfSubscription: boolean;
      customer: CustomerFacts;
      /** The kind our session's metadata names: a hint for work before the transaction only (the checkout row decides). */
      checkoutKind?: string | null;
      /** The paid session this payment came with (its "checkout.completed" in the same delivery), checked the same way. */
      session?: CheckoutSessionFacts;
    }
  | {
      type: "payment.failed";
      checkoutId: string;
      providerPaymentId: string;
      providerSubscriptionId?: string | null;
      amountMinor: number;
      currency: Currency;
      attemptCount: number;
      nextAttemptAt: Date | null;
      reason: string | null;
      fixUrl: string | null;
    }
  | {
      type: "subscription.changed";
      checkoutId: string;
      providerSubscriptionId: string;
      status: string;
      /**
       * null: the provider did not say (a Stripe Price with currency options reports its own
       * currency's amount; the one in the subscription's currency is ours to look up, ADR 050).
       */
      amountMinor: number | null;
      currency: Currency;
      currentPeriodEnd: Date | null;
      cancelAtPeriodEnd: boolean;
      /** Collection paused until then (Stripe `pause_collection.resumes_at`); null = collecting. */
      pausedUntil: Date | null;
      /** The plan's price lookup key when the price has one (tiers): a tier switch changes it. */
      planLookupKey: string | null;
      occurredAt: Date;
      customer: CustomerFacts;
    }
  | {
      /** The card that pays: only brand, last 4 and expiry are ever kept (expiry reminders). */
      type: "card.changed";
      owner: { providerCustomerId: string } | { supporterId: number };
      paymentMethodId: string | null;
      card: CardFacts | null;
      /** The customer's default card changed: every subscription of theirs must use it. */
      defaultChanged: boolean;
    }
  | {
      /** The provider settled a payment into its balance: the amount the campaign's target counts (ADR 050). */
      type: "payment.settled";
      /** Stripe: the charge's PaymentIntent; simulated: the payment's own id. */
      providerPaymentIds: readonly string[];
      paymentIntentId?: string | null;
      checkoutId?: string | null;
      /** The balance transaction's id, and its facts once known (the webhook asks Stripe for them). */
      balanceTransactionId: string;
      settlement: SettlementFacts | null;
    }
  | {
      type: "payment.refunded";
      /** Stripe PaymentIntent id (one-off) — or the invoice id when known. */
      providerPaymentIds: readonly string[];
      refundedTotalMinor: number;
      /** When the provider said so (Stripe: the event's `created`): the refund's date on the statement (ADR 046). */
      occurredAt: Date;
      /** The PaymentIntent the refunded charge belongs to (Stripe); other ids are invoices it paid. */
      paymentIntentId?: string | null;
      /** Our checkout, when the charge names it: a one-off gift's charge carries its PaymentIntent's metadata. */
      checkoutId?: string | null;
    };

/**
 * One delivery from a provider: its id makes it idempotent. Read-only: a step that learns more
 * (the webhook's Stripe look-ups) returns a new delivery rather than changing the one it was given.
 */
export type ProviderDelivery = {
  readonly eventId: string;
  readonly type: string;
  readonly createdAt: Date;
  readonly events: readonly Readonly<NormalizedEvent>[];
};
