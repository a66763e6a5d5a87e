import type { Currency, PaymentMethod } from "@db/schema";

/**
 * Provider-neutral facts about money. The Stripe webhook and the simulated checkout both turn
 * what happened into these, and one domain function applies them: there is one application path.
 */
export type PostalAddress = {
  line1: string;
  line2?: string | null;
  city: string;
  state?: string | null;
  postalCode: string;
  country: string;
};

export type CustomerFacts = {
  email?: string | null;
  name?: string | null;
  providerCustomerId?: string | null;
  address?: PostalAddress | null;
};

export type NormalizedEvent =
  | {
      type: "checkout.completed";
      checkoutId: string;
      paid: boolean;
      customer: CustomerFacts;
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
      amountMinor: number;
      currency: Currency;
      currentPeriodEnd: Date | null;
      cancelAtPeriodEnd: boolean;
      occurredAt: Date;
      customer: CustomerFacts;
    }
  | {
      type: "payment.refunded";
      /** Stripe PaymentIntent id (one-off) — or the invoice id when known. */
      providerPaymentIds: string[];
      refundedTotalMinor: number;
    };

/** One delivery from a provider: its id makes it idempotent. */
export type ProviderDelivery = {
  eventId: string;
  type: string;
  createdAt: Date;
  events: NormalizedEvent[];
};
