import { describe, expect, it } from "vitest";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { createCheckout } from "../factories";
import {
  chargeObject,
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  paymentIntentObject,
  paymentMethodObject,
  refundObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
  subscriptionObject,
  type StripeEventEnvelope,
} from "../mocks/stripe";
import { changedTables, countAllRows } from "../support/row-counts";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";

/**
 * Events about objects this app never made — payments taken in the Stripe Dashboard, another
 * integration's objects, another account's events, event types we do not subscribe to — are
 * acknowledged (200, so Stripe stops sending them) and change nothing but the record that the
 * event id was seen.
 */

const SECRET = "whsec_fighting_fund_unknown_objects";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

const nowSeconds = () => Math.floor(Date.now() / 1000);
const dashboardMetadata = { note: "made in the Dashboard" };

/** Delivers the event and returns the tables it changed (besides provider_events) and the answer. */
async function deliverAndDiff(event: StripeEventEnvelope) {
  const before = await countAllRows(t.db);
  stripe.clearRequests();
  const result = await handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
  const changed = changedTables(before, await countAllRows(t.db));
  return { result, changed };
}

async function expectAcknowledgedAndIgnored(event: StripeEventEnvelope) {
  const { result, changed } = await deliverAndDiff(event);
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  expect(result.body).toMatchObject({ received: true, outcome: "applied" });
  expect(changed).toEqual({ provider_events: 1 });
}

describe("objects made outside the app", () => {
  const customer = () => stripeId("cus", 14);

  const cases: [string, () => StripeEventEnvelope][] = [
    [
      "a Dashboard payment's checkout.session.completed",
      () =>
        stripeEvent(
          "checkout.session.completed",
          checkoutSessionObject({ metadata: dashboardMetadata, amountTotal: 9900 }),
        ),
    ],
    [
      "a Dashboard payment's payment_intent.succeeded",
      () =>
        stripeEvent(
          "payment_intent.succeeded",
          paymentIntentObject({ id: stripeId("pi"), amount: 9900, metadata: dashboardMetadata }),
        ),
    ],
    [
      "a Dashboard invoice's invoice.paid",
      () =>
        stripeEvent(
          "invoice.paid",
          invoiceObject({ metadata: {}, subscription: stripeId("sub"), amount: 12_000, billingReason: "manual" }),
        ),
    ],
    [
      "a Dashboard invoice's invoice.payment_failed",
      () =>
        stripeEvent(
          "invoice.payment_failed",
          invoiceObject({ metadata: {}, subscription: stripeId("sub"), amount: 12_000, status: "open" }),
        ),
    ],
    ...(
      ["customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"] as const
    ).map((type): [string, () => StripeEventEnvelope] => [
      `a Dashboard subscription's ${type}`,
      () =>
        stripeEvent(
          type,
          subscriptionObject({
            id: stripeId("sub"),
            metadata: {},
            status: type.endsWith("deleted") ? "canceled" : "active",
            unitAmount: 2000,
            currentPeriodEnd: nowSeconds() + 30 * 86_400,
          }),
        ),
    ]),
    [
      "a refund of a Dashboard charge (no checkout of ours, no invoice)",
      () =>
        stripeEvent(
          "charge.refunded",
          chargeObject({
            paymentIntent: stripeId("pi"),
            amount: 9900,
            amountRefunded: 9900,
            customer: customer(),
            metadata: dashboardMetadata,
          }),
        ),
    ],
    [
      "a card added to a customer we do not know",
      () =>
        stripeEvent(
          "payment_method.attached",
          paymentMethodObject({ customer: customer(), brand: "visa", last4: "4242", expMonth: 12, expYear: 2030 }),
        ),
    ],
  ];
  it.each(cases)("%s is acknowledged and changes nothing", async (_, event) => {
    await expectAcknowledgedAndIgnored(event());
  });

  it("a refund of a Dashboard charge asks Stripe only which invoices it paid, and nothing else", async () => {
    await deliverAndDiff(
      stripeEvent("charge.refunded", chargeObject({ paymentIntent: stripeId("pi"), amount: 500, amountRefunded: 500 })),
    );
    expect(stripe.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/invoice_payments"]);
  });
});

describe("metadata that only looks like ours", () => {
  it.each([
    ["an order number", "order_1234"],
    ["a UUID we never issued", "9f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"],
    ["an empty value", ""],
  ])("a checkout_id holding %s is acknowledged and changes nothing (not a 500)", async (_, checkoutId) => {
    const metadata = { ...checkoutMetadata({ checkoutId, campaignId: fixtures.campaign.id }), checkout_id: checkoutId };
    await expectAcknowledgedAndIgnored(
      stripeEvent("checkout.session.completed", checkoutSessionObject({ metadata, amountTotal: 2500 })),
    );
    await expectAcknowledgedAndIgnored(
      stripeEvent("invoice.paid", invoiceObject({ metadata, subscription: stripeId("sub"), amount: 2500 })),
    );
    await expectAcknowledgedAndIgnored(
      stripeEvent(
        "customer.subscription.updated",
        subscriptionObject({
          id: stripeId("sub"),
          metadata,
          status: "active",
          unitAmount: 2500,
          currentPeriodEnd: nowSeconds(),
        }),
      ),
    );
  });

  it("another account's event (Connect) is ignored even when its metadata names a real checkout of ours", async () => {
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 2500,
    });
    const session = checkoutSessionObject({
      metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id }),
      amountTotal: 2500,
      email: checkout.email,
    });
    await expectAcknowledgedAndIgnored({
      ...stripeEvent("checkout.session.completed", session),
      account: "acct_1OtherAccount00",
    } as StripeEventEnvelope);
  });
});

describe("event types we do not subscribe to", () => {
  const paymentIntent = stripeId("pi");
  const charge = stripeId("ch");
  it.each([
    ["customer.created", { id: stripeId("cus", 14), object: "customer", email: "someone@example.net" }],
    ["invoice.created", invoiceObject({ metadata: {}, subscription: stripeId("sub"), amount: 900, status: "open" })],
    ["charge.succeeded", chargeObject({ paymentIntent, amount: 900, amountRefunded: 0 })],
    // A refund's own events name one refund; the ledger follows charge.refunded's running total.
    ["refund.created", refundObject({ charge, paymentIntent, amount: 900 })],
    ["refund.updated", refundObject({ charge, paymentIntent, amount: 900, status: "failed" })],
    ["charge.refund.updated", refundObject({ charge, paymentIntent, amount: 900 })],
    ["product.created", { id: stripeId("prod", 14), object: "product", name: "Mug" }],
  ])("%s is acknowledged and changes nothing", async (type, object) => {
    await expectAcknowledgedAndIgnored(stripeEvent(type, object));
  });
});

describe("a refund of an invoice made in the Dashboard", () => {
  // Stripe says the PaymentIntent paid an invoice and the charge carries no metadata, as for a
  // refund of one of our subscription payments whose invoice.paid has not arrived yet. The
  // invoice itself tells them apart: ours name our checkout in their subscription metadata.
  it("is acknowledged and changes nothing, the invoice read from the expanded invoice payment", async () => {
    const invoice = stripeId("in");
    const paymentIntent = stripeId("pi");
    stripe.addInvoicePayment({ invoice, paymentIntent, amount: 12_000 });
    await expectAcknowledgedAndIgnored(
      stripeEvent("charge.refunded", chargeObject({ paymentIntent, amount: 12_000, amountRefunded: 12_000 })),
    );
    expect(stripe.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/invoice_payments"]);
    expect(stripe.requests[0].params).toMatchObject({ expand: ["data.invoice"] });
  });
});
