import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { subscriptions } from "@db/schema";
import { describePaymentError } from "~/payments/decline-reasons";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { createCheckout } from "../factories";
import {
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
  subscriptionObject,
} from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";

/**
 * Staff read why a supporter's card payment failed, in words, from what Stripe really sends. In the
 * pinned API version an `invoice.payment_failed` event carries no card error (its
 * `last_finalization_error` is about finalising the invoice): the app asks for the invoice's
 * payments with their PaymentIntents expanded and reads `last_payment_error` (code, decline_code).
 */

const SECRET = "whsec_fighting_fund_decline_reasons";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

const deliver = async (event: unknown) => {
  const result = await handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
  expect(result.status, JSON.stringify(result.body)).toBe(200);
};

/** A monthly gift whose first month was paid, and the invoice of its second month, which fails. */
async function monthlyGiftWithFailingRenewal() {
  const checkout = await createCheckout(t.db, { campaignId: fixtures.campaign.id, kind: "monthly", amountMinor: 1500 });
  const metadata = checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "monthly" });
  const subscriptionId = stripeId("sub");
  const customer = stripeId("cus", 14);
  const firstInvoice = stripeId("in");
  await deliver(
    stripeEvent(
      "customer.subscription.created",
      subscriptionObject({
        id: subscriptionId,
        metadata,
        customer,
        status: "active",
        unitAmount: 1500,
        currentPeriodEnd: Math.floor(Date.now() / 1000) + 30 * 86_400,
      }),
    ),
  );
  await deliver(
    stripeEvent(
      "invoice.paid",
      invoiceObject({
        id: firstInvoice,
        metadata,
        subscription: subscriptionId,
        customer,
        amount: 1500,
        email: checkout.email,
      }),
    ),
  );
  await deliver(
    stripeEvent(
      "checkout.session.completed",
      checkoutSessionObject({
        metadata,
        mode: "subscription",
        amountTotal: 1500,
        email: checkout.email,
        invoice: firstInvoice,
        subscription: subscriptionId,
        customer,
      }),
    ),
  );
  const renewal = stripeId("in");
  const nextAttempt = Math.floor(Date.UTC(2026, 11, 12, 3) / 1000);
  const failedEvent = stripeEvent(
    "invoice.payment_failed",
    invoiceObject({
      id: renewal,
      metadata,
      subscription: subscriptionId,
      customer,
      amount: 1500,
      billingReason: "subscription_cycle",
      status: "open",
      attemptCount: 1,
      nextPaymentAttempt: nextAttempt,
      email: checkout.email,
    }),
  );
  const row = async () =>
    (await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, subscriptionId)))[0]!;
  return { renewal, failedEvent, nextAttempt, row };
}

describe("the card issuer's decline reason reaches staff", () => {
  it("an insufficient-funds decline is recorded in words with the next retry", async () => {
    const gift = await monthlyGiftWithFailingRenewal();
    stripe.addInvoicePayment({
      invoice: gift.renewal,
      paymentIntent: stripeId("pi"),
      amount: 1500,
      failed: {
        at: Math.floor(Date.now() / 1000),
        error: {
          type: "card_error",
          code: "card_declined",
          decline_code: "insufficient_funds",
          message: "Your card has insufficient funds.",
        },
      },
    });
    stripe.clearRequests();
    await deliver(gift.failedEvent);
    expect(await gift.row()).toMatchObject({
      lastFailureReason: "Card declined — insufficient funds",
      nextRetryAt: new Date(gift.nextAttempt * 1000),
    });
    // Asked once, with the PaymentIntent expanded; a repeat of the event asks again for nothing.
    expect(stripe.requestsTo("GET", "/v1/invoice_payments")).toHaveLength(1);
    await deliver(gift.failedEvent);
    expect(stripe.requestsTo("GET", "/v1/invoice_payments")).toHaveLength(1);
  });

  it("the newest failed attempt is the one described", async () => {
    const gift = await monthlyGiftWithFailingRenewal();
    const now = Math.floor(Date.now() / 1000);
    stripe.addInvoicePayment({
      invoice: gift.renewal,
      paymentIntent: stripeId("pi"),
      amount: 1500,
      failed: {
        at: now - 3 * 86_400,
        error: {
          type: "card_error",
          code: "card_declined",
          decline_code: "insufficient_funds",
          message: "Your card has insufficient funds.",
        },
      },
    });
    stripe.addInvoicePayment({
      invoice: gift.renewal,
      paymentIntent: stripeId("pi"),
      amount: 1500,
      failed: { at: now, error: { type: "card_error", code: "expired_card", message: "Your card has expired." } },
    });
    await deliver(gift.failedEvent);
    expect((await gift.row()).lastFailureReason).toBe("Card expired");
  });

  it("when Stripe cannot say just then, the failure is still recorded (and emailed), without a reason", async () => {
    const gift = await monthlyGiftWithFailingRenewal();
    for (let i = 0; i < 5; i += 1) stripe.failNextRequest("network");
    await deliver(gift.failedEvent);
    expect(await gift.row()).toMatchObject({ lastFailureReason: null, nextRetryAt: new Date(gift.nextAttempt * 1000) });
  });

  it("codes become words staff can say to a caller; an unknown code is never shown bare", () => {
    expect(
      describePaymentError({
        type: "card_error",
        code: "card_declined",
        declineCode: "do_not_honor",
        message: "Your card was declined.",
      }),
    ).toBe("Card declined — the bank refused it without a reason (the supporter should call their bank)");
    expect(
      describePaymentError({
        type: "card_error",
        code: "card_declined",
        declineCode: "something_new",
        message: "Your card was declined.",
      }),
    ).toBe("Card declined — something new");
    expect(
      describePaymentError({
        type: "card_error",
        code: "incorrect_cvc",
        declineCode: null,
        message: "Your card's security code is incorrect.",
      }),
    ).toBe("Card declined — the security code (CVC) was wrong");
    expect(
      describePaymentError({
        type: "api_error",
        code: null,
        declineCode: null,
        message: "An error occurred while processing your card.",
      }),
    ).toBe("An error occurred while processing your card");
  });
});
