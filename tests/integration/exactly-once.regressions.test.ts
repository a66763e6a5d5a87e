import { randomUUID } from "node:crypto";
import { and, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outbox, payments, subscriptions, supporters, webhookFailures } from "@db/schema";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { createCheckout, uniqueEmail } from "../factories";
import {
  chargeObject,
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
} from "../mocks/stripe";
import { countAllRows, changedTables } from "../support/row-counts";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";

/**
 * What the exactly-once properties (exactly-once.property.test.ts) found, each pinned down by
 * one small test.
 */

const SECRET = "whsec_fighting_fund_exactly_once_regressions";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

const deliver = (event: unknown) => handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
const paymentByProviderId = async (id: string) =>
  (
    await t.db
      .select()
      .from(payments)
      .where(and(eq(payments.provider, "stripe"), eq(payments.providerPaymentId, id)))
  )[0];
const refundMail = (paymentId: number) =>
  t.db
    .select()
    .from(outbox)
    .where(like(outbox.idempotencyKey, `refund:${paymentId}:%`));

async function oneOffGift(amountMinor = 4000) {
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor,
    feeCoverMinor: 0,
  });
  const metadata = checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" });
  const session = checkoutSessionObject({ metadata, amountTotal: amountMinor, email: checkout.email });
  const paymentIntent = session.payment_intent!;
  // Stripe copies the PaymentIntent's metadata onto its charge.
  const refunded = (amountRefunded: number) =>
    stripeEvent("charge.refunded", chargeObject({ paymentIntent, amount: amountMinor, amountRefunded, metadata }));
  return { checkout, session, paymentIntent, refunded };
}

async function monthlyGift(amountMinor = 1500) {
  const checkout = await createCheckout(t.db, { campaignId: fixtures.campaign.id, kind: "monthly", amountMinor });
  const metadata = checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "monthly" });
  const subscription = stripeId("sub");
  const customer = stripeId("cus", 14);
  const invoice = (
    input: {
      id?: string;
      billingReason?: "subscription_create" | "subscription_cycle";
      status?: "paid" | "open";
      attemptCount?: number;
    } = {},
  ) =>
    invoiceObject({
      metadata,
      subscription,
      customer,
      amount: amountMinor,
      paymentIntent: null,
      email: checkout.email,
      ...input,
    });
  return { checkout, subscription, customer, invoice };
}

describe("a refund Stripe delivers before the payment it refunds", () => {
  it("is answered 500 with nothing written, and applied once when Stripe delivers it again after the payment", async () => {
    const gift = await oneOffGift(4000);
    const refund = gift.refunded(1500);
    const before = await countAllRows(t.db);
    const early = await deliver(refund);
    expect(early.status).toBe(500);
    // Only the failure staff can see; the event id is not taken, so the retry applies afresh.
    expect(changedTables(before, await countAllRows(t.db))).toEqual({ webhook_failures: 1 });

    expect((await deliver(stripeEvent("checkout.session.completed", gift.session))).status).toBe(200);
    expect((await deliver(refund)).status).toBe(200);
    expect((await deliver(refund)).body).toMatchObject({ outcome: "duplicate" });
    const payment = await paymentByProviderId(gift.paymentIntent);
    expect(payment.refundedMinor).toBe(1500);
    expect((await refundMail(payment.id)).map((m) => m.idempotencyKey)).toEqual([`refund:${payment.id}:1500`]);
    const [failure] = await t.db.select().from(webhookFailures).where(eq(webhookFailures.eventId, refund.id));
    expect(failure).toMatchObject({ resolution: "redelivered" });
    expect(failure.error).toMatch(/^PaymentNotRecordedYetError/);
  });

  it("of a subscription payment (traced through Stripe's invoice payments) waits for invoice.paid the same way", async () => {
    const gift = await monthlyGift(1500);
    const invoice = gift.invoice({ billingReason: "subscription_create" });
    const paymentIntent = stripeId("pi");
    stripe.addInvoicePayment({ invoice: invoice.id, paymentIntent, amount: 1500, checkoutId: gift.checkout.id });
    // An invoice's charge carries no metadata of ours.
    const refund = stripeEvent(
      "charge.refunded",
      chargeObject({ paymentIntent, amount: 1500, amountRefunded: 500, customer: gift.customer }),
    );

    expect((await deliver(refund)).status).toBe(500);
    expect((await deliver(stripeEvent("invoice.paid", invoice))).status).toBe(200);
    expect((await deliver(refund)).status).toBe(200);
    const payment = await paymentByProviderId(invoice.id);
    expect(payment).toMatchObject({ refundedMinor: 500, stripePaymentIntentId: paymentIntent });
  });

  it("once placed through its invoice, the payment's later refunds (and redeliveries) ask Stripe nothing", async () => {
    const gift = await monthlyGift(2000);
    const invoice = gift.invoice({ billingReason: "subscription_create" });
    const paymentIntent = stripeId("pi");
    stripe.addInvoicePayment({ invoice: invoice.id, paymentIntent, amount: 2000, checkoutId: gift.checkout.id });
    const chargeId = stripeId("ch");
    const refunded = (amountRefunded: number) =>
      stripeEvent(
        "charge.refunded",
        chargeObject({ id: chargeId, paymentIntent, amount: 2000, amountRefunded, customer: gift.customer }),
      );
    await deliver(stripeEvent("invoice.paid", invoice));
    const partial = refunded(500);
    expect((await deliver(partial)).status).toBe(200);

    stripe.clearRequests();
    expect((await deliver(partial)).body).toMatchObject({ outcome: "duplicate" });
    expect((await deliver(refunded(2000))).status).toBe(200);
    expect(stripe.requests).toEqual([]);
    expect((await paymentByProviderId(invoice.id)).refundedMinor).toBe(2000);
  });
});

describe("a payment failure Stripe delivers after the invoice was paid", () => {
  it("does not mark the subscription as failing", async () => {
    const gift = await monthlyGift(1500);
    expect(
      (await deliver(stripeEvent("invoice.paid", gift.invoice({ billingReason: "subscription_create" })))).status,
    ).toBe(200);
    const renewal = stripeId("in");
    const failed = {
      ...gift.invoice({ id: renewal, billingReason: "subscription_cycle", status: "open" }),
      next_payment_attempt: Math.floor(Date.now() / 1000) + 3 * 86_400,
    };
    stripe.addInvoicePayment({
      invoice: renewal,
      paymentIntent: stripeId("pi"),
      amount: 1500,
      failed: {
        at: Math.floor(Date.now() / 1000),
        error: { type: "card_error", code: "card_declined", message: "Your card was declined." },
      },
    });
    expect(
      (await deliver(stripeEvent("invoice.paid", gift.invoice({ id: renewal, billingReason: "subscription_cycle" }))))
        .status,
    ).toBe(200);
    expect((await deliver(stripeEvent("invoice.payment_failed", failed))).status).toBe(200);

    const [row] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.providerSubscriptionId, gift.subscription));
    expect(row).toMatchObject({ lastFailureReason: null, nextRetryAt: null });
  });

  it("still marks it failing when the invoice is not paid", async () => {
    const gift = await monthlyGift(1500);
    await deliver(stripeEvent("invoice.paid", gift.invoice({ billingReason: "subscription_create" })));
    const failed = gift.invoice({ billingReason: "subscription_cycle", status: "open" });
    stripe.addInvoicePayment({
      invoice: failed.id,
      paymentIntent: stripeId("pi"),
      amount: 1500,
      failed: {
        at: Math.floor(Date.now() / 1000),
        error: { type: "card_error", code: "card_declined", message: "Your card was declined." },
      },
    });
    expect((await deliver(stripeEvent("invoice.payment_failed", failed))).status).toBe(200);
    const [row] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.providerSubscriptionId, gift.subscription));
    expect(row.lastFailureReason).toBe("Card declined");
  });
});

describe("parallel deliveries about one supporter", () => {
  // On PostgreSQL these pairs deadlocked (one answered 500) before deliveries took their locks in
  // one order: a first gift naming the supporter's Stripe customer, and a renewal recorded at once.
  it("are all taken at the first delivery, none failing on a deadlock", async () => {
    const pairs = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const email = uniqueEmail("parallel");
        const [supporter] = await t.db.insert(supporters).values({ email, name: "Pat Parallel" }).returning();
        const gift = await monthlyGift(1200);
        await t.db.insert(subscriptions).values({
          supporterId: supporter.id,
          campaignId: fixtures.campaign.id,
          kind: "monthly",
          amountMinor: 1200,
          currency: "AUD",
          status: "active",
          provider: "stripe",
          providerSubscriptionId: gift.subscription,
          providerUpdatedAt: new Date(),
        });
        const oneOff = await createCheckout(t.db, {
          id: randomUUID(),
          campaignId: fixtures.campaign.id,
          kind: "one_off",
          amountMinor: 3000,
          email,
        });
        const session = checkoutSessionObject({
          metadata: checkoutMetadata({ checkoutId: oneOff.id, campaignId: fixtures.campaign.id }),
          amountTotal: 3000,
          email,
        });
        return [
          stripeEvent("checkout.session.completed", session),
          stripeEvent("invoice.paid", gift.invoice({ billingReason: "subscription_cycle" })),
        ];
      }),
    );
    const results = await Promise.all(pairs.flat().map((event) => deliver(event)));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
  });
});
