import { and, count, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, outbox, payments, subscriptions } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { randomUUID } from "node:crypto";
import { loader } from "~/routes/admin.supporters.$id";
import { confirmRefund, type RefundRequest } from "~/payments/refunds.server";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { createCheckout } from "../factories";
import {
  chargeObject,
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
} from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { confirmRefundForm, reviewRefund } from "../support/refunds";
import { callLoader } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

const SECRET = "whsec_fighting_fund_refund_tests";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

async function deliverOk(event: unknown) {
  const result = await handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
  expect(result.status, JSON.stringify(result.body)).toBe(200);
}

/** A one-off card gift recorded through the webhook, as in production. */
async function paidGift(amountMinor = 5000) {
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor,
    feeCoverMinor: 0,
  });
  const session = checkoutSessionObject({
    metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" }),
    amountTotal: amountMinor,
    email: checkout.email,
  });
  await deliverOk(stripeEvent("checkout.session.completed", session));
  const [payment] = await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
  return { payment, paymentIntent: session.payment_intent! };
}

let admin: { staffUserId: number; role: "admin" } | undefined;
async function anAdmin() {
  admin ??= {
    staffUserId: await createStaffUser(t.db, {
      email: "refunds@fund.example",
      name: "Refunder",
      role: "admin",
      password: null,
    }),
    role: "admin",
  };
  return admin;
}
const ledger = async (paymentId: number) => (await t.db.select().from(payments).where(eq(payments.id, paymentId)))[0];
const refundMails = async (paymentId: number) =>
  t.db
    .select()
    .from(outbox)
    .where(like(outbox.idempotencyKey, `refund:${paymentId}:%`));
/** A confirmed refund, as the confirmation page makes it: its own request id each time. */
const refundPayment = (
  db: typeof t.db,
  input: {
    staff: { staffUserId: number; role: "admin" | "staff" };
    paymentId: number;
    amountMinor: number;
    reason?: RefundRequest["reason"];
    requestId?: string;
  },
) =>
  confirmRefund(db, {
    staff: input.staff,
    paymentId: input.paymentId,
    requestId: input.requestId ?? randomUUID(),
    request: { amountMinor: input.amountMinor, reason: input.reason ?? "requested_by_customer", note: null },
  });
const audits = async () =>
  (await t.db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, "payment.refund")))[0].n;

describe("refunds through Stripe", () => {
  it("asks Stripe for the refund with the PaymentIntent, amount and an idempotency key; the ledger waits for charge.refunded", async () => {
    const { payment, paymentIntent } = await paidGift(5000);
    stripe.clearRequests();
    const requestId = randomUUID();
    const outcome = await refundPayment(t.db, {
      staff: await anAdmin(),
      paymentId: payment.id,
      amountMinor: 1200,
      reason: "duplicate",
      requestId,
    });
    expect(outcome).toEqual({ ok: true, pending: true, already: false });
    const [request] = stripe.requestsTo("POST", "/v1/refunds");
    expect(request.params).toEqual({ payment_intent: paymentIntent, amount: "1200", reason: "duplicate" });
    expect(request.idempotencyKey).toBe(`refund:${requestId}`);
    expect((await ledger(payment.id)).refundedMinor).toBe(0);
    expect(await refundMails(payment.id)).toEqual([]);

    const refunded = stripeEvent(
      "charge.refunded",
      chargeObject({ paymentIntent, amount: 5000, amountRefunded: 1200 }),
    );
    await deliverOk(refunded);
    await deliverOk(refunded); // delivered twice: one email
    await deliverOk(
      stripeEvent("charge.refunded", chargeObject({ paymentIntent, amount: 5000, amountRefunded: 1200 })),
    ); // a new event, same total
    expect((await ledger(payment.id)).refundedMinor).toBe(1200);
    const mail = await refundMails(payment.id);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      template: "refund-confirmation",
      props: expect.objectContaining({ refundMinor: 1200, refundedTotalMinor: 1200, amountMinor: 5000 }),
    });
  });

  it("a subscription payment known by its invoice is refunded through the PaymentIntent that paid it", async () => {
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "monthly",
      amountMinor: 1500,
    });
    const invoiceId = stripeId("in");
    const subscriptionId = stripeId("sub");
    await deliverOk(
      stripeEvent(
        "invoice.paid",
        invoiceObject({
          id: invoiceId,
          checkoutId: checkout.id,
          subscription: subscriptionId,
          amount: 1500,
          billingReason: "subscription_create",
          paymentIntent: null,
          email: checkout.email,
        }),
      ),
    );
    const [payment] = await t.db
      .select()
      .from(payments)
      .where(and(eq(payments.provider, "stripe"), eq(payments.providerPaymentId, invoiceId)));
    expect(payment.stripePaymentIntentId).toBeNull();
    const paymentIntent = stripeId("pi");
    stripe.addInvoicePayment({ invoice: invoiceId, paymentIntent, amount: 1500, checkoutId: checkout.id });
    expect(
      await refundPayment(t.db, { staff: await anAdmin(), paymentId: payment.id, amountMinor: 1500 }),
    ).toMatchObject({ ok: true });
    expect(stripe.requestsTo("POST", "/v1/refunds").at(-1)!.params).toEqual({
      payment_intent: paymentIntent,
      amount: "1500",
      reason: "requested_by_customer",
    });
  });

  it("a Stripe error gives a clear message and changes nothing", async () => {
    const { payment } = await paidGift(3000);
    const auditsBefore = await audits();
    stripe.failNextRequest({ status: 500 });
    const outcome = await refundPayment(t.db, { staff: await anAdmin(), paymentId: payment.id, amountMinor: 1000 });
    expect(outcome).toMatchObject({
      ok: false,
      error: "unavailable",
      formError: expect.stringMatching(/nothing has been refunded/),
    });
    expect((await ledger(payment.id)).refundedMinor).toBe(0);
    expect(await refundMails(payment.id)).toEqual([]);
    expect(await audits()).toBe(auditsBefore);
  });

  it("staff cannot refund, and no more than is left can be refunded; neither asks Stripe", async () => {
    const { payment } = await paidGift(2000);
    stripe.clearRequests();
    expect(
      await refundPayment(t.db, {
        staff: { staffUserId: (await anAdmin()).staffUserId, role: "staff" },
        paymentId: payment.id,
        amountMinor: 100,
      }),
    ).toMatchObject({ ok: false, error: "forbidden" });
    expect(
      await refundPayment(t.db, { staff: await anAdmin(), paymentId: payment.id, amountMinor: 2001 }),
    ).toMatchObject({ ok: false, error: "invalid" });
    expect(stripe.requests).toEqual([]);
  });
});

describe("the supporter page in Stripe mode", () => {
  it("a Stripe error during a refund re-renders with a clear message and the ledger untouched", async () => {
    const { payment } = await paidGift(4000);
    await createStaffUser(t.db, {
      email: "page-admin@fund.example",
      name: "Page Admin",
      role: "admin",
      password: "a-long-staff-password",
    });
    const signIn = await signInStaff(t.db, {
      email: "page-admin@fund.example",
      password: "a-long-staff-password",
      clientAddress: "203.0.113.40",
    });
    if (signIn.status !== "ok") throw new Error("sign-in failed");
    const staffCookie = signIn.cookie.split(";")[0];
    const params = { id: String(payment.supporterId) };
    const page = await callLoader(loader, `/admin/supporters/${payment.supporterId}`, { cookie: staffCookie, params });
    const cookie = `${staffCookie}; ${(page.headers.get("Set-Cookie") ?? "").split(";")[0]}`;
    const { csrf } = (await page.json()) as { csrf: string };

    const browser = { cookie, csrf };
    const confirmation = await reviewRefund(browser, payment.id, { amount: "12.50", from: "supporter" });
    expect(confirmation.body.step).toBe("confirm");
    stripe.failNextRequest({ status: 500 });
    const response = await confirmRefundForm(browser, payment.id, confirmation.body);
    expect(response.status).toBe(503);
    const body = await response.json();
    // The confirmation again, with the same request id: confirming again can never refund twice.
    expect(body).toMatchObject({
      step: "confirm",
      requestId: confirmation.body.requestId,
      formError: expect.stringMatching(/nothing has been refunded/),
      values: { amount: "12.50" },
    });
    expect((await ledger(payment.id)).refundedMinor).toBe(0);
    expect(await refundMails(payment.id)).toEqual([]);

    const ok = await confirmRefundForm(browser, payment.id, body);
    expect(ok.headers.get("Location")).toBe(`/admin/supporters/${payment.supporterId}?done=refund-requested`);
    expect((await ledger(payment.id)).refundedMinor).toBe(0); // until charge.refunded arrives
  });

  it("a failed renewal stores Stripe's reason and the next retry for staff to read", async () => {
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "monthly",
      amountMinor: 1500,
    });
    const subscriptionId = stripeId("sub");
    await deliverOk(
      stripeEvent(
        "invoice.paid",
        invoiceObject({
          checkoutId: checkout.id,
          subscription: subscriptionId,
          amount: 1500,
          billingReason: "subscription_create",
          email: checkout.email,
        }),
      ),
    );
    const retry = Math.floor(Date.now() / 1000) + 3 * 86_400;
    const failed = invoiceObject({
      checkoutId: checkout.id,
      subscription: subscriptionId,
      amount: 1500,
      billingReason: "subscription_cycle",
      status: "open",
      nextPaymentAttempt: retry,
      email: checkout.email,
    });
    // The card error is on the attempt's PaymentIntent (the invoice's payments), not on the invoice.
    stripe.addInvoicePayment({
      invoice: failed.id,
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
    await deliverOk(stripeEvent("invoice.payment_failed", failed));
    const [sub] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.providerSubscriptionId, subscriptionId));
    expect(sub).toMatchObject({
      lastFailureReason: "Card declined — insufficient funds",
      nextRetryAt: new Date(retry * 1000),
    });

    // The retry goes through: the failure is over.
    await deliverOk(
      stripeEvent(
        "invoice.paid",
        invoiceObject({
          checkoutId: checkout.id,
          subscription: subscriptionId,
          amount: 1500,
          billingReason: "subscription_cycle",
          email: checkout.email,
        }),
      ),
    );
    const [after] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.providerSubscriptionId, subscriptionId));
    expect(after).toMatchObject({ lastFailureReason: null, nextRetryAt: null });
  });
});
