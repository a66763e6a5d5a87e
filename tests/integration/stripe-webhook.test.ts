import { randomUUID } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkouts,
  outbox,
  payments,
  providerEvents,
  receipts,
  subscriptions,
  supporters,
  webhookFailures,
} from "@db/schema";
import { getCampaignProgress } from "~/campaigns/campaigns.server";
import { handleStripeWebhook, MAX_WEBHOOK_BYTES } from "~/http/stripe-webhook.server";
import { listWebhookFailures } from "~/payments/webhook-failures.server";
import { createCheckout } from "../factories";
import {
  chargeObject,
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
  subscriptionObject,
  type StripeEventEnvelope,
} from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";
import { sendQueuedMail } from "../support/mail";
import { callLoader } from "../support/remix";
import { loader as thanksLoader } from "~/routes/thanks";

const SECRET = "whsec_fighting_fund_webhook_tests";

// No request should leave the process while a webhook is handled.
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

const deliver = (event: unknown) => handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));

async function deliverOk(event: unknown) {
  const result = await deliver(event);
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result;
}

async function rowCounts() {
  const n = async (
    table:
      | typeof providerEvents
      | typeof payments
      | typeof outbox
      | typeof checkouts
      | typeof supporters
      | typeof subscriptions,
  ) => (await t.db.select({ n: count() }).from(table))[0].n;
  return {
    providerEvents: await n(providerEvents),
    payments: await n(payments),
    outbox: await n(outbox),
    checkouts: await n(checkouts),
    supporters: await n(supporters),
    subscriptions: await n(subscriptions),
  };
}

const paymentsFor = (checkoutId: string) => t.db.select().from(payments).where(eq(payments.checkoutId, checkoutId));
const checkoutRow = async (checkoutId: string) =>
  (await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId)))[0];
const subscriptionRow = async (id: string) =>
  (await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, id)))[0];
const mailTo = (email: string) => t.db.select().from(outbox).where(eq(outbox.toEmail, email)).orderBy(outbox.createdAt);

function oneOffCheckout(overrides: { amountMinor?: number; feeCoverMinor?: number } = {}) {
  return createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor: 5000,
    feeCoverMinor: 0,
    ...overrides,
  });
}

function monthlyCheckout(amountMinor = 1500) {
  return createCheckout(t.db, { campaignId: fixtures.campaign.id, kind: "monthly", amountMinor });
}

function paidOneOffSession(checkout: { id: string; email: string; amountMinor: number; feeCoverMinor: number }) {
  return checkoutSessionObject({
    metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" }),
    amountTotal: checkout.amountMinor + checkout.feeCoverMinor,
    email: checkout.email,
  });
}

describe("Stripe webhook: only Stripe may speak", () => {
  let event: StripeEventEnvelope;
  beforeAll(async () => {
    const checkout = await oneOffCheckout();
    event = stripeEvent("checkout.session.completed", paidOneOffSession(checkout));
  });

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  it.each([
    [
      "a forged signature",
      () => ({ rawBody: JSON.stringify(event), signature: `t=${nowSeconds()},v1=${"ab".repeat(32)}` }),
    ],
    ["a signature made with another secret", () => signedWebhookRequest(event, "whsec_someone_else")],
    [
      "a body changed after signing",
      () => {
        const signed = signedWebhookRequest(event, SECRET);
        const rawBody = signed.rawBody.replace(/"amount_total": \d+/, '"amount_total": 1');
        expect(rawBody).not.toBe(signed.rawBody);
        return { ...signed, rawBody };
      },
    ],
    ["no Stripe-Signature header", () => ({ rawBody: JSON.stringify(event), signature: null })],
    [
      "a signature ten minutes old (a replay)",
      () => signedWebhookRequest(event, SECRET, { timestamp: nowSeconds() - 600 }),
    ],
  ])("rejects %s with 400 and writes nothing", async (_, request) => {
    const before = await rowCounts();
    const result = await handleStripeWebhook(t.db, request());
    expect(result.status).toBe(400);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses an oversized body with 413 before looking at it", async () => {
    const before = await rowCounts();
    const padded = {
      ...event,
      data: { object: { ...(event.data.object as object), padding: "x".repeat(MAX_WEBHOOK_BYTES) } },
    };
    const result = await deliver(padded);
    expect(result.status).toBe(413);
    expect(await rowCounts()).toEqual(before);
  });

  it("takes the same event once its signature is right", async () => {
    expect((await deliver(event)).status).toBe(200);
  });
});

describe("Stripe webhook: one-off gifts", () => {
  it("records a paid checkout.session.completed as one payment with a receipt and a receipt email", async () => {
    const checkout = await oneOffCheckout({ amountMinor: 5000, feeCoverMinor: 118 });
    const session = paidOneOffSession(checkout);
    const result = await deliverOk(stripeEvent("checkout.session.completed", session));
    expect(result.body).toMatchObject({ received: true, outcome: "applied" });

    const rows = await paymentsFor(checkout.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      provider: "stripe",
      providerPaymentId: session.payment_intent,
      stripePaymentIntentId: session.payment_intent,
      amountMinor: 5118,
      feeCoverMinor: 118,
      currency: "AUD",
      kind: "one_off",
      method: "card",
      refundedMinor: 0,
    });
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, rows[0].id));
    expect(receipt.receiptNumber).toBe(rows[0].receiptNumber);
    const mail = await mailTo(checkout.email);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ template: "donation-receipt", idempotencyKey: `receipt:${rows[0].id}` });
    expect(await checkoutRow(checkout.id)).toMatchObject({ status: "completed" });
    const [supporter] = await t.db.select().from(supporters).where(eq(supporters.id, rows[0].supporterId));
    expect(supporter.stripeCustomerId).toBe(session.customer);
  });

  it("records one payment per PaymentIntent, whichever event reports it", async () => {
    const checkout = await oneOffCheckout();
    const session = paidOneOffSession(checkout);
    await deliverOk(stripeEvent("checkout.session.completed", session));
    await deliverOk(stripeEvent("checkout.session.async_payment_succeeded", session));
    expect(await paymentsFor(checkout.id)).toHaveLength(1);
    expect(await mailTo(checkout.email)).toHaveLength(1);
  });

  it("a checkout.session.completed delivered three times records one payment and one email", async () => {
    const checkout = await oneOffCheckout();
    const event = stripeEvent("checkout.session.completed", paidOneOffSession(checkout));
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push((await deliverOk(event)).body.outcome);
    expect(outcomes).toEqual(["applied", "duplicate", "duplicate"]);
    expect(await paymentsFor(checkout.id)).toHaveLength(1);
    expect(await mailTo(checkout.email)).toHaveLength(1);
    expect(await t.db.select().from(providerEvents).where(eq(providerEvents.id, event.id))).toHaveLength(1);
  });

  it("the same event posted five times at once records one payment", async () => {
    const checkout = await oneOffCheckout();
    const event = stripeEvent("checkout.session.completed", paidOneOffSession(checkout));
    const results = await Promise.all(Array.from({ length: 5 }, () => deliver(event)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.filter((r) => r.body.outcome === "applied")).toHaveLength(1);
    expect(await paymentsFor(checkout.id)).toHaveLength(1);
    expect(await mailTo(checkout.email)).toHaveLength(1);
  });

  it("different events about one payment arriving at once record one payment", async () => {
    const checkout = await oneOffCheckout();
    const session = paidOneOffSession(checkout);
    const results = await Promise.all([
      deliver(stripeEvent("checkout.session.completed", session)),
      deliver(stripeEvent("checkout.session.async_payment_succeeded", session)),
      deliver(stripeEvent("checkout.session.completed", session)),
    ]);
    expect(
      results.map((r) => r.status),
      JSON.stringify(results.map((r) => r.body)),
    ).toEqual([200, 200, 200]);
    expect(await paymentsFor(checkout.id)).toHaveLength(1);
  });
});

describe("Stripe webhook: receipt numbers (ADR 054)", () => {
  it("gifts delivered at once each have their number on the thank-you page and in their first email when Stripe is answered", async () => {
    const gifts = await Promise.all(Array.from({ length: 6 }, () => oneOffCheckout()));
    const results = await Promise.all(
      gifts.map((checkout) => deliver(stripeEvent("checkout.session.completed", paidOneOffSession(checkout)))),
    );
    expect(results.map((r) => r.body.outcome)).toEqual(gifts.map(() => "applied"));
    const mail = await sendQueuedMail(t.db);
    const numbers: number[] = [];
    for (const checkout of gifts) {
      const [payment] = await paymentsFor(checkout.id);
      numbers.push(payment.receiptNumber);
      const thanks = await (await callLoader(thanksLoader, `/thanks?ref=${checkout.id}`)).json();
      expect(thanks.status).toMatchObject({ status: "completed", receiptNumber: payment.receiptNumber });
      const first = mail.filter((m) => m.to === checkout.email);
      expect(first).toHaveLength(1);
      expect(first[0].subject).toContain(`receipt ${payment.receiptNumber} from`);
      expect(first[0].text).toContain(`Receipt ${payment.receiptNumber}`);
    }
    // One after another in the order the payments were recorded, with no gap between them.
    const sorted = [...numbers].sort((a, b) => a - b);
    expect(sorted).toEqual(sorted.map((_, i) => sorted[0] + i));
  });
});

describe("Stripe webhook: delayed payment methods", () => {
  it("an unpaid completion leaves the checkout processing; async success records the payment", async () => {
    const checkout = await oneOffCheckout();
    const session = { ...paidOneOffSession(checkout), payment_status: "unpaid" };
    await deliverOk(stripeEvent("checkout.session.completed", session));
    expect(await checkoutRow(checkout.id)).toMatchObject({ status: "processing" });
    expect(await paymentsFor(checkout.id)).toHaveLength(0);
    expect(await mailTo(checkout.email)).toHaveLength(0);

    await deliverOk(stripeEvent("checkout.session.async_payment_succeeded", { ...session, payment_status: "paid" }));
    expect(await checkoutRow(checkout.id)).toMatchObject({ status: "completed" });
    const rows = await paymentsFor(checkout.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].providerPaymentId).toBe(session.payment_intent);
    expect(await mailTo(checkout.email)).toHaveLength(1);
  });

  it("async failure marks the checkout failed and records nothing", async () => {
    const checkout = await oneOffCheckout();
    const session = { ...paidOneOffSession(checkout), payment_status: "unpaid" };
    await deliverOk(stripeEvent("checkout.session.completed", session));
    await deliverOk(stripeEvent("checkout.session.async_payment_failed", session));
    expect(await checkoutRow(checkout.id)).toMatchObject({ status: "failed" });
    expect(await paymentsFor(checkout.id)).toHaveLength(0);
  });
});

describe("Stripe webhook: monthly gifts", () => {
  /** A monthly gift's first payment, as both Stripe events describe it. */
  async function firstMonth() {
    const checkout = await monthlyCheckout(1500);
    const subscriptionId = stripeId("sub");
    const invoiceId = stripeId("in");
    const paymentIntentId = stripeId("pi");
    const customer = stripeId("cus", 14);
    const metadata = checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "monthly" });
    const session = checkoutSessionObject({
      metadata,
      mode: "subscription",
      amountTotal: 1500,
      email: checkout.email,
      invoice: invoiceId,
      subscription: subscriptionId,
      customer,
    });
    const invoice = invoiceObject({
      id: invoiceId,
      metadata,
      subscription: subscriptionId,
      customer,
      amount: 1500,
      paymentIntent: paymentIntentId,
      email: checkout.email,
    });
    return { checkout, subscriptionId, invoiceId, paymentIntentId, customer, metadata, session, invoice };
  }

  it.each([
    ["checkout.session.completed first", ["session", "invoice"] as const],
    ["invoice.paid first", ["invoice", "session"] as const],
  ])("records the first payment once when both events report it (%s)", async (_, order) => {
    const gift = await firstMonth();
    const events = {
      session: stripeEvent("checkout.session.completed", gift.session),
      invoice: stripeEvent("invoice.paid", gift.invoice),
    };
    for (const which of order) await deliverOk(events[which]);

    const rows = await paymentsFor(gift.checkout.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      providerPaymentId: gift.invoiceId,
      stripePaymentIntentId: gift.paymentIntentId,
      amountMinor: 1500,
      kind: "monthly",
    });
    const sub = await subscriptionRow(gift.subscriptionId);
    expect(rows[0].subscriptionId).toBe(sub.id);
    const mail = await mailTo(gift.checkout.email);
    expect(mail.map((m) => m.template)).toEqual(["donation-receipt"]);
    expect(await checkoutRow(gift.checkout.id)).toMatchObject({ status: "completed" });
  });

  it("records the first payment once when both events arrive at the same moment", async () => {
    const gift = await firstMonth();
    const results = await Promise.all([
      deliver(stripeEvent("checkout.session.completed", gift.session)),
      deliver(stripeEvent("invoice.paid", gift.invoice)),
      deliver(
        stripeEvent(
          "customer.subscription.created",
          subscriptionObject({
            id: gift.subscriptionId,
            metadata: gift.metadata,
            customer: gift.customer,
            status: "active",
            unitAmount: 1500,
            currentPeriodEnd: Math.floor(Date.now() / 1000) + 30 * 86_400,
          }),
        ),
      ),
    ]);
    expect(
      results.map((r) => r.status),
      JSON.stringify(results.map((r) => r.body)),
    ).toEqual([200, 200, 200]);
    const rows = await paymentsFor(gift.checkout.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].stripePaymentIntentId).toBe(gift.paymentIntentId);
    expect(await subscriptionRow(gift.subscriptionId)).toMatchObject({ status: "active", amountMinor: 1500 });
    expect(await mailTo(gift.checkout.email)).toHaveLength(1);
  });

  it("records a later month's invoice.paid as a second payment with a recurring receipt", async () => {
    const gift = await firstMonth();
    await deliverOk(stripeEvent("invoice.paid", gift.invoice));
    const next = invoiceObject({
      metadata: gift.metadata,
      subscription: gift.subscriptionId,
      customer: gift.customer,
      amount: 1500,
      billingReason: "subscription_cycle",
      email: gift.checkout.email,
    });
    const event = stripeEvent("invoice.paid", next);
    await deliverOk(event);
    await deliverOk(event);

    const rows = await t.db
      .select()
      .from(payments)
      .where(eq(payments.checkoutId, gift.checkout.id))
      .orderBy(payments.id);
    expect(rows.map((r) => r.providerPaymentId)).toEqual([gift.invoiceId, next.id]);
    expect(rows[1].subscriptionId).toBe(rows[0].subscriptionId);
    expect(rows[1].receiptNumber).toBeGreaterThan(rows[0].receiptNumber);
    const mail = await mailTo(gift.checkout.email);
    expect(mail.map((m) => m.template).sort()).toEqual(["donation-receipt", "recurring-receipt"]);
  });

  it("ignores a zero-amount invoice (a free trial month)", async () => {
    const gift = await firstMonth();
    const before = await rowCounts();
    await deliverOk(stripeEvent("invoice.paid", { ...gift.invoice, amount_paid: 0, amount_due: 0, total: 0 }));
    expect(await rowCounts()).toEqual({ ...before, providerEvents: before.providerEvents + 1 });
  });

  it("queues one payment-failed email per failed attempt, however often each is delivered", async () => {
    const gift = await firstMonth();
    const nextTry = Math.floor(Date.now() / 1000) + 3 * 86_400;
    const failed = (attempt: number) =>
      invoiceObject({
        id: gift.invoiceId,
        metadata: gift.metadata,
        subscription: gift.subscriptionId,
        amount: 1500,
        status: "open",
        attemptCount: attempt,
        nextPaymentAttempt: nextTry,
        email: gift.checkout.email,
      });
    const first = stripeEvent("invoice.payment_failed", failed(1));
    await deliverOk(first);
    await deliverOk(first);
    // Stripe can report one attempt in two events (e.g. a resend from the Dashboard).
    await deliverOk(stripeEvent("invoice.payment_failed", failed(1)));
    await deliverOk(stripeEvent("invoice.payment_failed", failed(2)));

    const mail = (await mailTo(gift.checkout.email)).filter((m) => m.template === "payment-failed");
    expect(mail.map((m) => m.idempotencyKey).sort()).toEqual([
      `payment-failed:${gift.invoiceId}:1`,
      `payment-failed:${gift.invoiceId}:2`,
    ]);
    expect(mail[0].props).toMatchObject({
      amountMinor: 1500,
      currency: "AUD",
      fixUrl: gift.invoice.hosted_invoice_url,
      nextAttemptAt: new Date(nextTry * 1000).toISOString(),
    });
    expect(await paymentsFor(gift.checkout.id)).toHaveLength(0);
  });
});

describe("Stripe webhook: a subscription's history, in any order", () => {
  const DAY = 86_400;
  const start = Math.floor(Date.UTC(2026, 2, 1) / 1000);

  /** created incomplete → updated active → invoice.paid → updated past_due → updated active → deleted. */
  async function history() {
    const checkout = await monthlyCheckout(2000);
    const id = stripeId("sub");
    const customer = stripeId("cus", 14);
    const metadata = checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "monthly" });
    const sub = (status: Parameters<typeof subscriptionObject>[0]["status"], periodEnd: number, unitAmount = 2000) =>
      subscriptionObject({ id, metadata, customer, status, unitAmount, currentPeriodEnd: periodEnd });
    const events = [
      stripeEvent("customer.subscription.created", sub("incomplete", start + 30 * DAY), { created: start }),
      stripeEvent("customer.subscription.updated", sub("active", start + 30 * DAY), { created: start + 5 }),
      stripeEvent(
        "invoice.paid",
        invoiceObject({ metadata, subscription: id, customer, amount: 2000, email: checkout.email, paidAt: start + 4 }),
        { created: start + 6 },
      ),
      stripeEvent("customer.subscription.updated", sub("past_due", start + 60 * DAY), {
        created: start + 30 * DAY + 60,
      }),
      stripeEvent("customer.subscription.updated", sub("active", start + 60 * DAY, 2500), {
        created: start + 32 * DAY,
      }),
      stripeEvent("customer.subscription.deleted", sub("canceled", start + 60 * DAY, 2500), {
        created: start + 40 * DAY,
      }),
    ];
    return { checkout, id, events };
  }

  const finalState = (row: typeof subscriptions.$inferSelect) => ({
    status: row.status,
    amountMinor: row.amountMinor,
    currency: row.currency,
    currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    providerUpdatedAt: row.providerUpdatedAt.toISOString(),
    kind: row.kind,
  });

  // A seeded shuffle, so a failing order can be reproduced from the test's name.
  function shuffled<T>(items: T[], seed: number): T[] {
    let state = seed;
    const random = () => {
      state = (state + 0x6d2b79f5) | 0;
      let r = Math.imul(state ^ (state >>> 15), 1 | state);
      r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
      return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
    };
    const out = [...items];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  let expected: ReturnType<typeof finalState>;
  beforeAll(async () => {
    const inOrder = await history();
    for (const event of inOrder.events) await deliverOk(event);
    expected = finalState(await subscriptionRow(inOrder.id));
    expect(expected).toMatchObject({
      status: "canceled",
      amountMinor: 2500,
      providerUpdatedAt: new Date((start + 40 * DAY) * 1000).toISOString(),
    });
    expect(await paymentsFor(inOrder.checkout.id)).toHaveLength(1);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "shuffled with seed %i ends in the same subscription row as in order",
    async (seed) => {
      const run = await history();
      const order = shuffled(run.events, seed);
      for (const event of order) await deliverOk(event);
      expect(
        finalState(await subscriptionRow(run.id)),
        order.map((e) => `${e.type}@${e.created - start}`).join(" → "),
      ).toEqual(expected);
      expect(await paymentsFor(run.checkout.id)).toHaveLength(1);
      expect(
        await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, run.id)),
      ).toHaveLength(1);
    },
  );

  it("reversed, ends in the same subscription row as in order", async () => {
    const run = await history();
    for (const event of [...run.events].reverse()) await deliverOk(event);
    expect(finalState(await subscriptionRow(run.id))).toEqual(expected);
  });

  it("a stale customer.subscription.updated after deleted does not resurrect it", async () => {
    const run = await history();
    for (const event of run.events) await deliverOk(event);
    const active = run.events[4] as StripeEventEnvelope<ReturnType<typeof subscriptionObject>>;
    await deliverOk(stripeEvent("customer.subscription.updated", active.data.object, { created: active.created + 60 }));
    expect(finalState(await subscriptionRow(run.id))).toEqual(expected);
  });

  it("events in the same second settle on the state further along (incomplete → active)", async () => {
    const run = await history();
    const [created, activated] = run.events;
    await deliverOk(stripeEvent(activated.type, activated.data.object, { created: created.created }));
    await deliverOk(created);
    expect(await subscriptionRow(run.id)).toMatchObject({ status: "active" });
  });
});

describe("Stripe webhook: refunds", () => {
  async function paidGift() {
    const checkout = await oneOffCheckout({ amountMinor: 5000, feeCoverMinor: 0 });
    const session = paidOneOffSession(checkout);
    await deliverOk(stripeEvent("checkout.session.completed", session));
    const paymentIntent = session.payment_intent!;
    const chargeId = stripeId("ch");
    const refunded = (amountRefunded: number, created: number) =>
      stripeEvent("charge.refunded", chargeObject({ id: chargeId, paymentIntent, amount: 5000, amountRefunded }), {
        created,
      });
    return { checkout, refunded };
  }
  const refundedMinor = async (checkoutId: string) => (await paymentsFor(checkoutId))[0].refundedMinor;
  const raised = async () => (await getCampaignProgress(t.db, fixtures.campaign)).raisedMinor;

  it("partial then full refund: the ledger and the campaign total end net of the full refund", async () => {
    const before = await raised();
    const gift = await paidGift();
    expect((await raised()) - before).toBe(5000);
    const now = Math.floor(Date.now() / 1000);
    await deliverOk(gift.refunded(1200, now));
    expect(await refundedMinor(gift.checkout.id)).toBe(1200);
    expect((await raised()) - before).toBe(3800);
    await deliverOk(gift.refunded(5000, now + 60));
    expect(await refundedMinor(gift.checkout.id)).toBe(5000);
    expect((await raised()) - before).toBe(0);
  });

  it("a refund of a subscription payment whose PaymentIntent we never saw is traced through Stripe's invoice payments", async () => {
    stripe.clearRequests();
    const checkout = await monthlyCheckout(1500);
    const invoiceId = stripeId("in");
    const paymentIntent = stripeId("pi");
    const invoice = invoiceObject({
      id: invoiceId,
      checkoutId: checkout.id,
      subscription: stripeId("sub"),
      amount: 1500,
      billingReason: "subscription_create",
      paymentIntent: null,
      email: checkout.email,
    });
    await deliverOk(stripeEvent("invoice.paid", invoice));
    expect((await paymentsFor(checkout.id))[0].stripePaymentIntentId).toBeNull();
    stripe.addInvoicePayment({ invoice: invoiceId, paymentIntent, amount: 1500, checkoutId: checkout.id });
    const refund = stripeEvent("charge.refunded", chargeObject({ paymentIntent, amount: 1500, amountRefunded: 500 }));

    // Stripe unreachable while we ask: 500, nothing recorded, so Stripe delivers it again.
    stripe.failNextRequest("network");
    const before = await rowCounts();
    expect((await deliver(refund)).status).toBe(500);
    expect(await rowCounts()).toEqual(before);
    expect((await paymentsFor(checkout.id))[0].refundedMinor).toBe(0);

    await deliverOk(refund);
    expect((await paymentsFor(checkout.id))[0].refundedMinor).toBe(500);
    expect(stripe.requestsTo("GET", "/v1/invoice_payments").length).toBe(2);
  });

  it("a refund of a payment the ledger knows makes no call to Stripe", async () => {
    stripe.clearRequests();
    const gift = await paidGift();
    await deliverOk(gift.refunded(100, Math.floor(Date.now() / 1000)));
    expect(stripe.requests).toEqual([]);
  });

  it("delivered out of order, the older partial refund does not undo the full one", async () => {
    const before = await raised();
    const gift = await paidGift();
    const now = Math.floor(Date.now() / 1000);
    const partial = gift.refunded(1200, now);
    const full = gift.refunded(5000, now + 60);
    await deliverOk(full);
    await deliverOk(partial);
    await deliverOk(partial);
    expect(await refundedMinor(gift.checkout.id)).toBe(5000);
    expect((await raised()) - before).toBe(0);
  });
});

describe("Stripe webhook: a session must match the checkout we created", () => {
  const failureOf = async (eventId: string) =>
    (await t.db.select().from(webhookFailures).where(eq(webhookFailures.eventId, eventId)))[0];

  it.each([
    [
      "completed",
      "another session id",
      (c: { id: string; amountMinor: number }) => ({ id: stripeId("cs_test", 58), amountTotal: c.amountMinor }),
    ],
    ["completed", "another amount", (c: { id: string; amountMinor: number }) => ({ amountTotal: c.amountMinor + 1 })],
    [
      "completed",
      "another currency",
      (c: { id: string; amountMinor: number }) => ({ amountTotal: c.amountMinor, currency: "nzd" }),
    ],
    ["async_payment_succeeded", "another amount", (_c: { id: string; amountMinor: number }) => ({ amountTotal: 1 })],
  ] as const)(
    "a signed checkout.session.%s with %s is not applied, is kept for staff with its reason, and answered 200",
    async (type, _what, change) => {
      const checkout = await oneOffCheckout();
      const before = await rowCounts();
      const session = checkoutSessionObject({
        metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" }),
        email: checkout.email,
        ...change(checkout),
      });
      const event = stripeEvent(`checkout.session.${type}`, session);

      const result = await deliver(event);
      // Retrying cannot make it match: Stripe is told it arrived, and staff decide.
      expect(result).toEqual({ status: 200, body: { received: true, outcome: "rejected" } });
      expect(await rowCounts()).toEqual(before);
      expect(await paymentsFor(checkout.id)).toHaveLength(0);
      expect((await checkoutRow(checkout.id)).status).toBe("open");
      const failure = await failureOf(event.id);
      expect(failure).toMatchObject({ type: `checkout.session.${type}`, resolvedAt: null });
      expect(failure.error).toMatch(/^checkout mismatch: /);
      expect(failure.error).toContain(checkout.id);
      const listed = await listWebhookFailures(t.db);
      expect(listed.open.map((f) => f.eventId)).toContain(event.id);

      // Delivered again, it is still refused (and counted), never applied.
      expect((await deliver(event)).status).toBe(200);
      expect(await paymentsFor(checkout.id)).toHaveLength(0);
      expect((await failureOf(event.id)).attempts).toBe(2);
    },
  );

  it("the session we created, for the amount asked, is applied", async () => {
    const checkout = await oneOffCheckout({ feeCoverMinor: 130 });
    const event = stripeEvent("checkout.session.completed", paidOneOffSession(checkout));
    expect((await deliverOk(event)).body).toMatchObject({ outcome: "applied" });
    expect(await paymentsFor(checkout.id)).toHaveLength(1);
    expect(await failureOf(event.id)).toBeUndefined();
  });
});

describe("Stripe webhook: what is not ours", () => {
  it("acknowledges an event for a checkout we never made, writing only its provider_events row", async () => {
    const before = await rowCounts();
    const foreign = checkoutSessionObject({
      metadata: checkoutMetadata({ checkoutId: randomUUID() }),
      amountTotal: 9900,
    });
    const event = stripeEvent("checkout.session.completed", foreign);
    await deliverOk(event);
    expect(await rowCounts()).toEqual({ ...before, providerEvents: before.providerEvents + 1 });
    const [recorded] = await t.db.select().from(providerEvents).where(eq(providerEvents.id, event.id));
    expect(recorded.processedAt).not.toBeNull();
  });

  it("acknowledges a payment made outside the app (no checkout_id), writing nothing else", async () => {
    const before = await rowCounts();
    await deliverOk(
      stripeEvent("checkout.session.completed", checkoutSessionObject({ metadata: {}, amountTotal: 9900 })),
    );
    await deliverOk(
      stripeEvent("invoice.paid", invoiceObject({ metadata: {}, subscription: stripeId("sub"), amount: 900 })),
    );
    expect(await rowCounts()).toEqual({ ...before, providerEvents: before.providerEvents + 2 });
  });

  it("a signed event whose payload we cannot read (a currency we do not take) writes nothing", async () => {
    const checkout = await oneOffCheckout();
    const before = await rowCounts();
    const result = await deliver(
      stripeEvent("checkout.session.completed", { ...paidOneOffSession(checkout), currency: "jpy" }),
    );
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: "malformed event" });
    expect(await rowCounts()).toEqual(before);
  });

  it("acknowledges an event type we do not handle, writing only its provider_events row", async () => {
    const before = await rowCounts();
    const event = stripeEvent("customer.created", {
      id: stripeId("cus", 14),
      object: "customer",
      email: "someone@example.net",
    });
    const result = await deliverOk(event);
    expect(result.body).toMatchObject({ received: true, ignored: true });
    expect(await rowCounts()).toEqual({ ...before, providerEvents: before.providerEvents + 1 });
    const [recorded] = await t.db
      .select()
      .from(providerEvents)
      .where(and(eq(providerEvents.id, event.id), eq(providerEvents.type, "customer.created")));
    expect(recorded).toBeDefined();
  });
});
