import type { Billing, Currency, GiftKind, Tier } from "@db/schema";
import { getEnv } from "~/env.server";
import { simulatedProvider } from "./simulated.server";
import { stripeProvider } from "./stripe.server";

export type CheckoutStart = {
  checkoutId: string;
  kind: GiftKind;
  /** What the reader pays, fee cover included. */
  amountMinor: number;
  currency: Currency;
  /** Shown on the payment page and the card statement line's product. */
  description: string;
  campaign: { id: number; slug: string; name: string };
  plan: { id: number; code: string; lookupKey: string; name: string; tier: Tier; billing: Billing } | null;
  email: string;
  collectAddress: boolean;
  successUrl: string;
  cancelUrl: string;
};

export type PaymentProvider = {
  readonly name: "stripe" | "simulated";
  /** Creates a hosted payment page; card data never touches our servers. */
  startCheckout(start: CheckoutStart): Promise<{ sessionId: string; url: string }>;
};

/** A failure talking to the payment provider, with a message fit to show a reader. */
export class PaymentProviderError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
  }
}

export function getPaymentProvider(): PaymentProvider {
  return getEnv().paymentsMode === "stripe" ? stripeProvider : simulatedProvider;
}
