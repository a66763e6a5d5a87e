import type { Locale } from "~/i18n/locales";
import type { Billing, Currency, GiftKind, PostalAddress, Tier } from "@db/schema";
import { getEnv } from "~/env.server";
import { simulatedProvider } from "./simulated.server";
import { stripeProvider } from "./stripe.server";

export type CheckoutStart = {
  checkoutId: string;
  kind: GiftKind;
  /** What the reader pays, fee cover included. */
  amountMinor: number;
  /** Of amountMinor, what the reader added to cover card fees (0 when they did not): its own line on the payment page. */
  feeCoverMinor: number;
  currency: Currency;
  /** Shown on the payment page and the card statement line's product. */
  description: string;
  campaign: { id: number; slug: string; name: string };
  plan: { id: number; code: string; lookupKey: string; name: string; tier: Tier; billing: Billing } | null;
  email: string;
  /** The reader's language: the payment page opens in it (ADR 049). */
  locale?: Locale;
  /**
   * The provider's customer for a signed-in supporter who already has one: the payment page then
   * opens with their details (Stripe Checkout prefills email, name and the shipping address it
   * holds from the supporter's profile). Null: a new reader, known by email only.
   */
  providerCustomerId?: string | null;
  collectAddress: boolean;
  /**
   * A discreet campaign's neutral text for card statements (ADR 051): the suffix after the Stripe
   * account's own prefix. Null: the account's default.
   */
  statementDescriptor?: string | null;
  successUrl: string;
  cancelUrl: string;
};

/** A subscription as the provider knows it, for the changes a supporter can make. */
export type SubscriptionRef = { providerSubscriptionId: string; checkoutId: string | null };

export type PaymentProvider = {
  readonly name: "stripe" | "simulated";
  /** Creates a hosted payment page; card data never touches our servers. */
  startCheckout(start: CheckoutStart): Promise<{ sessionId: string; url: string }>;
  /**
   * Changes a supporter may make. Each asks the provider; our rows change only when the
   * provider confirms (a webhook, or the simulated provider's immediate event), never here.
   * `idempotencyKey` makes a retried request safe.
   */
  changeGiftAmount(
    input: SubscriptionRef & { amountMinor: number; currency: string; description: string; idempotencyKey: string },
  ): Promise<void>;
  switchTier(
    input: SubscriptionRef & { lookupKey: string; amountMinor: number; currency: string; idempotencyKey: string },
  ): Promise<void>;
  pauseCollection(input: SubscriptionRef & { resumesAt: Date; idempotencyKey: string }): Promise<void>;
  resumeCollection(input: SubscriptionRef & { idempotencyKey: string }): Promise<void>;
  /** Undoes a cancellation at the period end that has not happened yet: the subscription carries on. */
  keepSubscription(input: SubscriptionRef & { idempotencyKey: string }): Promise<void>;
  /** At the end of the paid period, or at once (erasure). */
  cancelSubscription(input: SubscriptionRef & { atPeriodEnd: boolean; idempotencyKey: string }): Promise<void>;
  /**
   * Erasure: the provider forgets the person (Stripe deletes the Customer: name, email, address,
   * cards); the payments themselves stay, as the law requires. Safe to repeat.
   */
  forgetCustomer(input: { providerCustomerId: string }): Promise<void>;
  /**
   * Gives the provider's customer the supporter's current name, email and postal address (what
   * Stripe shows on invoices and in the portal). Null clears a field; an email of null is left as
   * the provider has it (Stripe needs one to send its own mail). "missing": the provider no longer
   * has this customer, so there is nothing to update. Throws PaymentProviderError when unreachable.
   */
  updateCustomer(input: {
    providerCustomerId: string;
    name: string | null;
    email: string | null;
    address: PostalAddress | null;
    idempotencyKey: string;
  }): Promise<"updated" | "missing">;
  /**
   * Refunds part or all of a card payment. The ledger changes only when the provider confirms
   * (Stripe: charge.refunded; simulated: its immediate payment.refunded event). One refund per
   * idempotency key: the same key again is the same refund (ADR 039). `reason`: Stripe's own
   * refund reasons only; staff's note never leaves the app. Answers the provider's refund id.
   */
  refundPayment(input: {
    providerPaymentId: string;
    paymentIntentId: string | null;
    amountMinor: number;
    reason: "requested_by_customer" | "duplicate" | "fraudulent" | null;
    idempotencyKey: string;
  }): Promise<{ providerRefundId: string | null }>;
  /** A hosted page where the supporter replaces their card (Stripe Customer Portal). */
  startCardUpdate(input: {
    providerCustomerId: string | null;
    supporterId: number;
    returnUrl: string;
  }): Promise<{ url: string }>;
};

/** A failure talking to the payment provider, with a message fit to show a reader. */
export class PaymentProviderError extends Error {
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
  }
}

export function getPaymentProvider(): PaymentProvider {
  return getEnv().paymentsMode === "stripe" ? stripeProvider : simulatedProvider;
}
