import { randomUUID } from "node:crypto";
import { and, count, eq, like } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, counters, outbox, paymentRefunds, payments } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { describeRefund, type RefundContext } from "~/payments/refunds.server";
import { eraseSupporter, exportSupporterData } from "~/supporters/privacy.server";
import { loader } from "~/routes/admin.payments.$id_.refund";
import { createCheckout, giveGift } from "../factories";
import {
  chargeObject,
  checkoutMetadata,
  checkoutSessionObject,
  signedWebhookRequest,
  stripeEvent,
} from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import {
  confirmRefundForm,
  postRefund,
  refundThroughPages,
  reviewRefund,
  type RefundBrowser,
} from "../support/refunds";
import { callLoader } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

/**
 * ADR 039: a refund is asked for, shown for confirmation, then made; a reason
 * is required; the same confirmation posted twice refunds once, two confirmations twice. Stripe
 * is the MSW mock, which keeps idempotency keys and every Refund it makes as Stripe does.
 */

const SECRET = "whsec_fighting_fund_deliberate_refunds";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();
const PASSWORD = "a-long-staff-password";

async function signedIn(role: "admin" | "staff", paymentId: number): Promise<RefundBrowser> {
  const email = `${role}.${randomUUID().slice(0, 8)}@fund.example`;
  await createStaffUser(t.db, { email, name: `Refund ${role}`, role, password: PASSWORD });
  const result = await signInStaff(t.db, { email, password: PASSWORD, clientAddress: "203.0.113.31" });
  if (result.status !== "ok") throw new Error("sign-in failed");
  const staffCookie = result.cookie.split(";")[0];
  const page = await callLoader(loader, `/admin/payments/${paymentId}/refund`, {
    cookie: staffCookie,
    params: { id: String(paymentId) },
  });
  if (page.status !== 200) return { cookie: staffCookie, csrf: "" };
  const csrfCookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
  return { cookie: `${staffCookie}; ${csrfCookie}`, csrf: ((await page.json()) as { csrf: string }).csrf };
}

async function deliverOk(event: unknown) {
  const result = await handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
  expect(result.status, JSON.stringify(result.body)).toBe(200);
}

/** A one-off card gift recorded through the webhook, as in production. */
async function cardGift(amountMinor = 5000) {
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

/** A cheque recorded by staff: refunds of it are recorded, the money returned by hand. */
async function cheque(amountMinor = 20000) {
  const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 1000 });
  const [counter] = await t.db.select().from(counters).where(eq(counters.name, "receipt"));
  await t.db
    .update(counters)
    .set({ value: counter.value + 1 })
    .where(eq(counters.name, "receipt"));
  const [row] = await t.db
    .insert(payments)
    .values({
      supporterId: gift.supporterId,
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      method: "cheque",
      provider: "offline",
      providerPaymentId: `cheque-${randomUUID()}`,
      amountMinor,
      currency: "AUD",
      receiptNumber: counter.value + 1,
      paidAt: new Date(),
    })
    .returning();
  return row;
}

const stripeRefundsOf = (paymentIntent: string) =>
  stripe.store.refunds.filter((r) => r.payment_intent === paymentIntent);
const recordsOf = (paymentId: number) =>
  t.db.select().from(paymentRefunds).where(eq(paymentRefunds.paymentId, paymentId));
const auditsOf = async (paymentId: number) =>
  (
    await t.db
      .select({ n: count() })
      .from(auditLog)
      .where(and(eq(auditLog.action, "payment.refund"), eq(auditLog.targetId, String(paymentId))))
  )[0].n;
const ledger = async (paymentId: number) => (await t.db.select().from(payments).where(eq(payments.id, paymentId)))[0];
const refundMails = (paymentId: number) =>
  t.db
    .select()
    .from(outbox)
    .where(like(outbox.idempotencyKey, `refund:${paymentId}:%`));

let admin: RefundBrowser;
beforeAll(async () => {
  const { payment } = await cardGift(1000);
  admin = await signedIn("admin", payment.id);
});

describe("a refund needs its confirmation", () => {
  it("the request only shows the confirmation: amount, method, what the supporter sees and when, entitlement; nothing is refunded", async () => {
    const { payment, paymentIntent } = await cardGift(5000);
    stripe.clearRequests();
    const { response, body } = await reviewRefund(admin, payment.id, {
      amount: "12.5",
      reason: "requested_by_customer",
      note: "Called on Tuesday",
    });
    expect(response.status).toBe(200);
    expect(body.step).toBe("confirm");
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.values).toMatchObject({ amount: "12.50", reason: "requested_by_customer", note: "Called on Tuesday" });
    expect(body.description).toMatchObject({
      amount: "$12.50 AUD",
      method: expect.stringMatching(/Card refund through Stripe/),
      supporterSees: expect.stringMatching(/5–10 business days.*email them a refund confirmation when Stripe confirms/),
      entitlement: expect.stringMatching(/one-off gift: nothing else changes/),
      leftAfter: "$37.50 AUD",
    });
    // Asked for and shown, not made.
    expect(stripe.requests).toEqual([]);
    expect(await recordsOf(payment.id)).toEqual([]);
    expect(stripeRefundsOf(paymentIntent)).toEqual([]);
    expect(await auditsOf(payment.id)).toBe(0);
  });

  it("a confirmation without its request id (a one-click post) refunds nothing", async () => {
    const { payment, paymentIntent } = await cardGift(3000);
    const response = await postRefund(admin, payment.id, {
      intent: "confirm",
      amount: "30",
      reason: "requested_by_customer",
      note: "",
    });
    expect(response.status).toBe(400);
    expect(stripeRefundsOf(paymentIntent)).toEqual([]);
    expect(await recordsOf(payment.id)).toEqual([]);
  });

  it("the page opens with an empty amount box, for admins only; staff are told it is for administrators", async () => {
    const { payment } = await cardGift(2500);
    const page = await callLoader(loader, `/admin/payments/${payment.id}/refund`, {
      cookie: admin.cookie,
      params: { id: String(payment.id) },
    });
    expect(page.status).toBe(200);
    expect(JSON.stringify(await page.json())).not.toMatch(/"amount":/);
    const staff = await signedIn("staff", payment.id);
    const denied = await callLoader(loader, `/admin/payments/${payment.id}/refund`, {
      cookie: staff.cookie,
      params: { id: String(payment.id) },
    });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toBe("Refunds are for administrators.");
  });
});

describe("a reason is required", () => {
  it("no reason, an unknown reason, or Other without a note: the form again with the message, nothing refunded", async () => {
    const { payment, paymentIntent } = await cardGift(4000);
    for (const [fields, field, message] of [
      [{ amount: "10", reason: "" }, "reason", /Choose the reason/],
      [{ amount: "10", reason: "because" }, "reason", /Choose the reason/],
      [{ amount: "10", reason: "other", note: "  " }, "note", /Say why in the note/],
    ] as const) {
      const { response, body } = await reviewRefund(admin, payment.id, fields);
      expect(response.status).toBe(400);
      expect(body.step).toBe("request");
      expect(body.errors![field]).toMatch(message);
      expect(body.values.amount).toBe("10");
    }
    // A confirmation whose reason was taken out is refused the same way.
    const { body } = await reviewRefund(admin, payment.id, { amount: "10", reason: "duplicate" });
    const stripped = await confirmRefundForm(admin, payment.id, {
      requestId: body.requestId,
      values: { ...body.values, reason: "" },
    });
    expect(stripped.status).toBe(400);
    expect(stripeRefundsOf(paymentIntent)).toEqual([]);
    expect(await recordsOf(payment.id)).toEqual([]);
  });

  it("Stripe is given its own reason; Other sends none; the note stays in our record and never reaches Stripe", async () => {
    const { payment, paymentIntent } = await cardGift(6000);
    expect(
      (await refundThroughPages(admin, payment.id, { amount: "10", reason: "fraudulent", note: "Card holder phoned" }))
        .status,
    ).toBe(303);
    expect(
      (
        await refundThroughPages(admin, payment.id, {
          amount: "5",
          reason: "other",
          note: "Goodwill after a late edition",
        })
      ).status,
    ).toBe(303);
    const [first, second] = stripeRefundsOf(paymentIntent);
    expect(first).toMatchObject({ object: "refund", amount: 1000, reason: "fraudulent", status: "succeeded" });
    expect(second).toMatchObject({ amount: 500, reason: null });
    const sent = stripe.requestsTo("POST", "/v1/refunds").map((r) => JSON.stringify(r.params));
    expect(sent.some((p) => /phoned|Goodwill/.test(p))).toBe(false);
    const records = await recordsOf(payment.id);
    expect(records.map((r) => [r.amountMinor, r.reason, r.note, r.providerRefundId])).toEqual([
      [1000, "fraudulent", "Card holder phoned", first.id],
      [500, "other", "Goodwill after a late edition", second.id],
    ]);
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "payment.refund"), eq(auditLog.targetId, String(payment.id))));
    expect(entry.details).toMatchObject({ amountMinor: 1000, reason: "fraudulent", refundId: records[0].id });
    expect(JSON.stringify(entry.details)).not.toMatch(/phoned/);
  });
});

describe("once per confirmation", () => {
  it("the same confirmation posted twice refunds once, and the second says so", async () => {
    const { payment, paymentIntent } = await cardGift(5000);
    const { body } = await reviewRefund(admin, payment.id, { amount: "20", from: "supporter" });
    const first = await confirmRefundForm(admin, payment.id, body);
    const again = await confirmRefundForm(admin, payment.id, body);
    expect(first.headers.get("Location")).toBe(`/admin/supporters/${payment.supporterId}?done=refund-requested`);
    expect(again.headers.get("Location")).toBe(`/admin/supporters/${payment.supporterId}?done=refund-already`);
    expect(stripeRefundsOf(paymentIntent)).toHaveLength(1);
    expect(await recordsOf(payment.id)).toHaveLength(1);
    expect(await auditsOf(payment.id)).toBe(1);
  });

  it("posted twice at once, it still refunds once", async () => {
    const { payment, paymentIntent } = await cardGift(5000);
    const { body } = await reviewRefund(admin, payment.id, { amount: "15" });
    const answers = await Promise.all([
      confirmRefundForm(admin, payment.id, body),
      confirmRefundForm(admin, payment.id, body),
    ]);
    expect(answers.map((a) => a.status)).toEqual([303, 303]);
    expect(stripeRefundsOf(paymentIntent)).toHaveLength(1);
    expect(await recordsOf(payment.id)).toHaveLength(1);
    expect(await auditsOf(payment.id)).toBe(1);
  });

  it("two deliberate refunds of the same amount, one after the other, are two refunds", async () => {
    const { payment, paymentIntent } = await cardGift(5000);
    stripe.clearRequests();
    // Each confirmation shown gets its own request id; the ledger has not heard from Stripe in between.
    for (let i = 0; i < 2; i += 1)
      expect(
        (await refundThroughPages(admin, payment.id, { amount: "10", reason: "duplicate" })).headers.get("Location"),
      ).toBe(`/admin/payments/${payment.id}?done=refund-requested`);
    const keys = stripe.requestsTo("POST", "/v1/refunds").map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(2);
    const made = stripeRefundsOf(paymentIntent);
    expect(made).toHaveLength(2);
    expect(new Set(made.map((r) => r.id)).size).toBe(2);
    expect(await recordsOf(payment.id)).toHaveLength(2);
    expect(await auditsOf(payment.id)).toBe(2);

    // Stripe's running total then reaches the ledger: both refunds, one email for the total.
    await deliverOk(
      stripeEvent("charge.refunded", chargeObject({ paymentIntent, amount: 5000, amountRefunded: 2000 })),
    );
    expect((await ledger(payment.id)).refundedMinor).toBe(2000);
  });

  it("a Stripe error shows the confirmation again with the same request id; confirming again makes the one refund", async () => {
    const { payment, paymentIntent } = await cardGift(5000);
    const { body } = await reviewRefund(admin, payment.id, { amount: "7" });
    stripe.failNextRequest({ status: 500 });
    const failed = await confirmRefundForm(admin, payment.id, body);
    expect(failed.status).toBe(503);
    const shownAgain = (await failed.json()) as {
      step: string;
      requestId: string;
      values: Record<string, string>;
      formError: string;
    };
    expect(shownAgain).toMatchObject({
      step: "confirm",
      requestId: body.requestId,
      formError: expect.stringMatching(/never refund twice/),
    });
    expect(await auditsOf(payment.id)).toBe(0);
    expect((await confirmRefundForm(admin, payment.id, shownAgain)).status).toBe(303);
    expect((await confirmRefundForm(admin, payment.id, shownAgain)).headers.get("Location")).toMatch(
      /done=refund-already$/,
    );
    expect(stripeRefundsOf(paymentIntent)).toHaveLength(1);
    expect(
      new Set(
        stripe
          .requestsTo("POST", "/v1/refunds")
          .filter((r) => r.params.payment_intent === paymentIntent)
          .map((r) => r.idempotencyKey),
      ),
    ).toEqual(new Set([`refund:${body.requestId}`]));
  });

  it("a confirmation whose amount was changed after it was shown is refused", async () => {
    const { payment, paymentIntent } = await cardGift(5000);
    const { body } = await reviewRefund(admin, payment.id, { amount: "5" });
    expect((await confirmRefundForm(admin, payment.id, body)).status).toBe(303);
    const tampered = await confirmRefundForm(admin, payment.id, {
      requestId: body.requestId,
      values: { ...body.values, amount: "6" },
    });
    expect(tampered.status).toBe(303); // the confirmation was done: it is "already", whatever else was changed
    expect(tampered.headers.get("Location")).toMatch(/done=refund-already$/);
    expect(stripeRefundsOf(paymentIntent)).toHaveLength(1);
  });

  it("a cheque: recorded (no Stripe call), once per confirmation, with one email; two confirmations are two", async () => {
    const payment = await cheque(20000);
    stripe.clearRequests();
    const { body } = await reviewRefund(admin, payment.id, { amount: "50", reason: "requested_by_customer" });
    expect(body.description).toMatchObject({
      method: expect.stringMatching(/Recorded here only: this was a cheque payment/),
      supporterSees: expect.stringMatching(/when you send it back.*email them a refund confirmation now/),
    });
    expect((await confirmRefundForm(admin, payment.id, body)).headers.get("Location")).toBe(
      `/admin/payments/${payment.id}?done=refund`,
    );
    expect((await confirmRefundForm(admin, payment.id, body)).headers.get("Location")).toBe(
      `/admin/payments/${payment.id}?done=refund-already`,
    );
    expect((await ledger(payment.id)).refundedMinor).toBe(5000);
    expect(await refundMails(payment.id)).toHaveLength(1);
    expect(
      (await refundThroughPages(admin, payment.id, { amount: "50", reason: "requested_by_customer" })).status,
    ).toBe(303);
    expect((await ledger(payment.id)).refundedMinor).toBe(10000);
    expect(await refundMails(payment.id)).toHaveLength(2);
    expect(await recordsOf(payment.id)).toHaveLength(2);
    expect(stripe.requests).toEqual([]);
  });
});

describe("the refund note and the supporter's privacy", () => {
  it("is in their data export and goes with an erasure; the refund itself stays for the books", async () => {
    const payment = await cheque(3000);
    expect(
      (
        await refundThroughPages(admin, payment.id, {
          amount: "30",
          reason: "other",
          note: "Moved to Perth, asked for it back",
        })
      ).status,
    ).toBe(303);
    expect(JSON.stringify(await exportSupporterData(t.db, { supporterId: payment.supporterId }))).toContain(
      "Moved to Perth, asked for it back",
    );
    expect(await eraseSupporter(t.db, { supporterId: payment.supporterId })).toEqual({ status: "erased" });
    expect((await recordsOf(payment.id)).map((r) => [r.amountMinor, r.reason, r.note])).toEqual([
      [3000, "other", null],
    ]);
  });
});

describe("what the confirmation says about entitlements", () => {
  const context = (overrides: Partial<RefundContext["payment"]>, remainingMinor = 12000): RefundContext => ({
    payment: {
      id: 1,
      receiptNumber: 7,
      kind: "tier_one_time",
      method: "card",
      provider: "stripe",
      amountMinor: 12000,
      refundedMinor: 0,
      currency: "AUD",
      coversUntil: new Date("2027-06-01T00:00:00Z"),
      planName: "Print, 12 months",
      tier: "print",
      ...overrides,
    },
    supporter: { id: 1, name: "Pat", hasEmail: false, erased: false },
    remainingMinor,
    route: "stripe",
  });
  const now = new Date("2026-12-04T00:00:00Z");
  const say = (c: RefundContext, amountMinor: number) =>
    describeRefund(c, amountMinor, { timeZone: "Australia/Melbourne", now });

  it("a print year refunded in full ends; in part it carries on; monthly support is not cancelled by a refund", () => {
    expect(say(context({}), 12000).entitlement).toMatch(
      /^Refunded in full, Print, 12 months ends when the refund is confirmed \(it ran until 1 June 2027\): they leave the print mailing list/,
    );
    expect(say(context({}), 2000).entitlement).toBe("A part refund: Print, 12 months carries on until 1 June 2027.");
    expect(say(context({ tier: "digital", planName: "Digital, 12 months" }), 12000).entitlement).toMatch(
      /supporter access stops/,
    );
    expect(say(context({ coversUntil: new Date("2026-01-01T00:00:00Z") }), 12000).entitlement).toMatch(/already ended/);
    expect(
      say(context({ kind: "tier_monthly", planName: "Digital monthly", coversUntil: null }), 1000).entitlement,
    ).toMatch(/renews as usual: a refund does not cancel it/);
    expect(say(context({ kind: "monthly", planName: null, coversUntil: null }), 1000).entitlement).toMatch(
      /monthly gift carries on/,
    );
    expect(say(context({}), 12000).supporterSees).toMatch(/no email address, so no confirmation is sent/);
  });
});
