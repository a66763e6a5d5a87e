import { describe, expect, it } from "vitest";
import { MalformedEventError, mapStripeEvent } from "~/payments/stripe-events.server";
import {
  chargeObject,
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  stripeEvent,
  subscriptionObject,
} from "../mocks/stripe";

const checkoutId = "6f1d2a8e-3c44-4b7a-9d0e-1f2a3b4c5d6e";
const metadata = checkoutMetadata({ checkoutId, campaignId: 1, kind: "one_off" });
const created = Math.floor(Date.UTC(2026, 10, 23, 9, 30) / 1000);

describe("mapping Stripe events", () => {
  it("maps a paid one-off session to a completed checkout and a payment keyed on the PaymentIntent", () => {
    const session = checkoutSessionObject({
      metadata,
      amountTotal: 2574,
      currency: "aud",
      email: "rosa@example.net",
      name: "Rosa Reader",
      shipping: {
        name: "Rosa R.",
        address: { line1: "1 Printers Lane", city: "Fitzroy", state: "VIC", postal_code: "3065", country: "AU" },
      },
    });
    const delivery = mapStripeEvent(stripeEvent("checkout.session.completed", session, { id: "evt_1", created }));
    expect(delivery).toMatchObject({
      eventId: "evt_1",
      type: "checkout.session.completed",
      createdAt: new Date(created * 1000),
    });
    expect(delivery.events).toEqual([
      {
        type: "checkout.completed",
        checkoutId,
        paid: true,
        customer: {
          email: "rosa@example.net",
          name: "Rosa R.",
          providerCustomerId: session.customer,
          phone: null,
          address: {
            line1: "1 Printers Lane",
            line2: null,
            city: "Fitzroy",
            state: "VIC",
            postalCode: "3065",
            country: "AU",
          },
        },
        // Checked against the checkout we created before anything is applied (ADR 032).
        session: { id: session.id, amountMinor: 2574, currency: "AUD" },
      },
      expect.objectContaining({
        type: "payment.succeeded",
        checkoutId,
        providerPaymentId: session.payment_intent,
        paymentIntentId: session.payment_intent,
        amountMinor: 2574,
        currency: "AUD",
        paidAt: new Date(created * 1000),
        firstOfSubscription: false,
      }),
    ]);
  });

  it("keys a subscription session's payment on its first invoice, like invoice.paid", () => {
    const session = checkoutSessionObject({
      metadata,
      mode: "subscription",
      amountTotal: 1500,
      invoice: "in_first",
      subscription: "sub_1",
    });
    const [, payment] = mapStripeEvent(stripeEvent("checkout.session.completed", session)).events;
    expect(payment).toMatchObject({
      providerPaymentId: "in_first",
      paymentIntentId: null,
      providerSubscriptionId: "sub_1",
      firstOfSubscription: true,
    });
  });

  it("upper-cases currencies", () => {
    const invoice = invoiceObject({ metadata, subscription: "sub_1", amount: 1500, currency: "nzd" });
    expect(mapStripeEvent(stripeEvent("invoice.paid", invoice)).events[0]).toMatchObject({ currency: "NZD" });
  });

  it("rejects a currency we do not take as malformed", () => {
    const session = checkoutSessionObject({ metadata, amountTotal: 1000, currency: "jpy" });
    expect(() => mapStripeEvent(stripeEvent("checkout.session.completed", session))).toThrow(MalformedEventError);
    const invoice = invoiceObject({ metadata, subscription: "sub_1", amount: 1500, currency: "xxx" });
    expect(() => mapStripeEvent(stripeEvent("invoice.paid", invoice))).toThrow(MalformedEventError);
  });

  it("rejects a handled type whose object lacks the fields we rely on", () => {
    expect(() => mapStripeEvent(stripeEvent("invoice.paid", { id: "in_1", object: "invoice" }))).toThrow(
      /invoice.paid payload lacks/,
    );
    expect(() => mapStripeEvent({ id: "evt_1", type: "invoice.paid" })).toThrow(MalformedEventError);
  });

  it("maps objects without our checkout_id (made outside the app) to no events", () => {
    const session = checkoutSessionObject({ metadata: {}, amountTotal: 1000 });
    const invoice = invoiceObject({ metadata: {}, subscription: "sub_1", amount: 1500 });
    const subscription = subscriptionObject({
      id: "sub_1",
      metadata: {},
      status: "active",
      unitAmount: 1500,
      currentPeriodEnd: created,
    });
    expect(mapStripeEvent(stripeEvent("checkout.session.completed", session)).events).toEqual([]);
    expect(mapStripeEvent(stripeEvent("checkout.session.async_payment_failed", session)).events).toEqual([]);
    expect(mapStripeEvent(stripeEvent("invoice.paid", invoice)).events).toEqual([]);
    expect(mapStripeEvent(stripeEvent("invoice.payment_failed", { ...invoice, status: "open" })).events).toEqual([]);
    expect(mapStripeEvent(stripeEvent("customer.subscription.updated", subscription)).events).toEqual([]);
  });

  it("ignores a zero-amount invoice", () => {
    const invoice = invoiceObject({ metadata, subscription: "sub_1", amount: 0 });
    expect(mapStripeEvent(stripeEvent("invoice.paid", invoice)).events).toEqual([]);
  });

  it("reads invoice.paid in the current API shape: subscription and metadata under parent, PaymentIntent under payments", () => {
    const invoice = invoiceObject({
      id: "in_2",
      metadata,
      subscription: "sub_1",
      amount: 1500,
      paymentIntent: "pi_2",
      billingReason: "subscription_cycle",
      paidAt: created,
    });
    expect(mapStripeEvent(stripeEvent("invoice.paid", invoice)).events).toEqual([
      expect.objectContaining({
        type: "payment.succeeded",
        providerPaymentId: "in_2",
        paymentIntentId: "pi_2",
        providerSubscriptionId: "sub_1",
        paidAt: new Date(created * 1000),
        firstOfSubscription: false,
      }),
    ]);
  });

  it("maps a failed invoice to one payment.failed with its attempt number", () => {
    const invoice = invoiceObject({
      id: "in_3",
      metadata,
      subscription: "sub_1",
      amount: 1500,
      status: "open",
      attemptCount: 2,
      nextPaymentAttempt: created,
    });
    expect(mapStripeEvent(stripeEvent("invoice.payment_failed", invoice)).events).toEqual([
      expect.objectContaining({
        type: "payment.failed",
        providerPaymentId: "in_3",
        amountMinor: 1500,
        attemptCount: 2,
        nextAttemptAt: new Date(created * 1000),
        fixUrl: invoice.hosted_invoice_url,
      }),
    ]);
  });

  it("maps subscription events with the item's period end, and deleted as canceled", () => {
    const subscription = subscriptionObject({
      id: "sub_1",
      metadata,
      status: "active",
      unitAmount: 500,
      quantity: 3,
      currentPeriodEnd: created,
      cancelAtPeriodEnd: true,
    });
    const [event] = mapStripeEvent(stripeEvent("customer.subscription.deleted", subscription, { created })).events;
    expect(event).toMatchObject({
      type: "subscription.changed",
      status: "canceled",
      amountMinor: 1500,
      currency: "AUD",
      currentPeriodEnd: new Date(created * 1000),
      cancelAtPeriodEnd: true,
      occurredAt: new Date(created * 1000),
    });
  });

  it("maps async outcomes: success as paid, failure as a failed checkout", () => {
    const session = checkoutSessionObject({ metadata, amountTotal: 1000, paymentStatus: "unpaid" });
    expect(mapStripeEvent(stripeEvent("checkout.session.completed", session)).events).toEqual([
      expect.objectContaining({ type: "checkout.completed", paid: false }),
    ]);
    expect(
      mapStripeEvent(stripeEvent("checkout.session.async_payment_succeeded", session)).events.map((e) => e.type),
    ).toEqual(["checkout.completed", "payment.succeeded"]);
    expect(mapStripeEvent(stripeEvent("checkout.session.async_payment_failed", session)).events).toEqual([
      { type: "checkout.failed", checkoutId },
    ]);
  });

  it("maps charge.refunded to the cumulative refunded amount of its PaymentIntent", () => {
    const charge = chargeObject({ paymentIntent: "pi_9", amount: 5000, amountRefunded: 1200 });
    // The pinned version's Charge carries no refunds list: the event's time dates the refund (ADR 046).
    expect(mapStripeEvent(stripeEvent("charge.refunded", charge, { created: 1_800_000_000 })).events).toEqual([
      {
        type: "payment.refunded",
        providerPaymentIds: ["pi_9"],
        refundedTotalMinor: 1200,
        paymentIntentId: "pi_9",
        checkoutId: null,
        occurredAt: new Date(1_800_000_000_000),
      },
    ]);
  });

  it("names our checkout when the charge carries its PaymentIntent's metadata, and only a checkout id of ours", () => {
    const checkoutId = "3b241101-e2bb-4255-8caf-4136c566a962";
    const ours = chargeObject({
      paymentIntent: "pi_9",
      amount: 5000,
      amountRefunded: 100,
      metadata: { checkout_id: checkoutId },
    });
    expect(mapStripeEvent(stripeEvent("charge.refunded", ours)).events).toEqual([
      expect.objectContaining({ checkoutId }),
    ]);
    const foreign = chargeObject({
      paymentIntent: "pi_9",
      amount: 5000,
      amountRefunded: 100,
      metadata: { checkout_id: "order_1234" },
    });
    expect(mapStripeEvent(stripeEvent("charge.refunded", foreign)).events).toEqual([
      expect.objectContaining({ checkoutId: null }),
    ]);
  });

  it("maps an event type we do not handle to no events", () => {
    expect(mapStripeEvent(stripeEvent("customer.created", { id: "cus_1", object: "customer" })).events).toEqual([]);
  });
});
