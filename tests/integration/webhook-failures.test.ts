import type { LoaderFunctionArgs } from "@remix-run/node";
import { and, count, eq, like } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, outbox, payments, providerEvents, staffUsers, webhookFailures } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { applyRetention } from "~/jobs/retention.server";
import { describeError } from "~/log.server";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { action as eventsAction, loader as eventsLoader } from "~/routes/admin.events";
import { createCheckout } from "../factories";
import {
  chargeObject,
  invoiceObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
  type StripeEventEnvelope,
} from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

const SECRET = "whsec_fighting_fund_failure_tests";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

const deliver = (event: unknown) => handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));

const PASSWORD = "a-long-staff-password";
const cookies = { staff: "", admin: "" };
const ids = { staff: 0, admin: 0 };

beforeAll(async () => {
  for (const role of ["staff", "admin"] as const) {
    ids[role] = await createStaffUser(t.db, {
      email: `${role}@failures.example`,
      name: `A ${role}`,
      role,
      password: PASSWORD,
    });
    const signIn = await signInStaff(t.db, {
      email: `${role}@failures.example`,
      password: PASSWORD,
      clientAddress: `198.51.100.${role === "admin" ? 1 : 2}`,
    });
    if (signIn.status !== "ok") throw new Error("sign-in failed");
    cookies[role] = signIn.cookie.split(";")[0];
  }
});

/** Loads the events page as the signed-in person, for its CSRF token; the cookie then carries both. */
async function formFor(loader: (args: LoaderFunctionArgs) => Promise<Response>, cookie: string) {
  const response = await callLoader(loader, "/admin/events", { cookie });
  expect(response.status).toBe(200);
  const csrfCookie = (response.headers.get("Set-Cookie") ?? "").split(";")[0];
  const body = (await response.json()) as { csrf: string };
  return { cookie: [cookie, csrfCookie].filter(Boolean).join("; "), csrf: body.csrf };
}

const replay = async (eventId: string, as: "admin" | "staff" = "admin") => {
  const { cookie, csrf } = await formFor(eventsLoader, cookies.admin);
  return postForm(
    eventsAction,
    "/admin/events",
    { csrf, intent: "replay", eventId },
    { cookie: as === "admin" ? cookie : cookie.replace(cookies.admin, cookies.staff) },
  );
};

const failureRow = async (eventId: string) =>
  (await t.db.select().from(webhookFailures).where(eq(webhookFailures.eventId, eventId)))[0];
const isApplied = async (eventId: string) =>
  (await t.db.select().from(providerEvents).where(eq(providerEvents.id, eventId))).length === 1;
const ledger = async (paymentId: number) => (await t.db.select().from(payments).where(eq(payments.id, paymentId)))[0];
const refundMails = async (paymentId: number) =>
  t.db
    .select()
    .from(outbox)
    .where(like(outbox.idempotencyKey, `refund:${paymentId}:%`));
const audits = async (action: string, eventId: string) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.targetId, eventId)));

/**
 * A monthly payment the ledger knows only by its invoice: a refund of it names a PaymentIntent,
 * so applying the refund must ask Stripe which invoice that PaymentIntent paid.
 */
async function subscriptionPaymentAndItsRefund(amount = 1500) {
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "monthly",
    amountMinor: amount,
  });
  const invoiceId = stripeId("in");
  const delivered = await deliver(
    stripeEvent(
      "invoice.paid",
      invoiceObject({
        id: invoiceId,
        checkoutId: checkout.id,
        subscription: stripeId("sub"),
        amount,
        billingReason: "subscription_create",
        paymentIntent: null,
        email: checkout.email,
      }),
    ),
  );
  expect(delivered.status).toBe(200);
  const [payment] = await t.db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, "stripe"), eq(payments.providerPaymentId, invoiceId)));
  const paymentIntent = stripeId("pi");
  const refund = stripeEvent("charge.refunded", chargeObject({ paymentIntent, amount, amountRefunded: amount }));
  return { payment, invoiceId, paymentIntent, refund, checkoutId: checkout.id };
}

/** Delivers the refund while Stripe answers the invoice look-up with a 500. */
async function deliverWhileStripeFails(refund: StripeEventEnvelope) {
  stripe.failNextRequest({ status: 500 });
  return deliver(refund);
}

describe("a verified event that cannot be applied", () => {
  it("answers 500, applies nothing, and is kept with its error and attempts; Stripe's redelivery applies it and resolves the failure", async () => {
    const { payment, invoiceId, paymentIntent, refund, checkoutId } = await subscriptionPaymentAndItsRefund();

    const first = await deliverWhileStripeFails(refund);
    expect(first.status).toBe(500);
    expect(await isApplied(refund.id)).toBe(false);
    expect((await ledger(payment.id)).refundedMinor).toBe(0);
    expect(await refundMails(payment.id)).toEqual([]);
    const kept = await failureRow(refund.id);
    expect(kept).toMatchObject({ type: "charge.refunded", attempts: 1, resolvedAt: null, resolution: null });
    expect(kept.error).toMatch(/^Stripe StripeAPIError \(HTTP 500\)/);
    expect(kept.payload).toMatchObject({ id: refund.id, type: "charge.refunded" });
    expect(kept.error).not.toContain("@");

    const second = await deliverWhileStripeFails(refund);
    expect(second.status).toBe(500);
    const counted = await failureRow(refund.id);
    expect(counted.attempts).toBe(2);
    expect(counted.lastFailedAt.getTime()).toBeGreaterThanOrEqual(counted.firstFailedAt.getTime());

    // Stripe now knows the PaymentIntent paid the invoice; its next delivery goes through.
    stripe.addInvoicePayment({ invoice: invoiceId, paymentIntent, amount: 1500, checkoutId });
    const redelivered = await deliver(refund);
    expect(redelivered.status).toBe(200);
    expect(redelivered.body).toMatchObject({ outcome: "applied" });
    expect((await ledger(payment.id)).refundedMinor).toBe(1500);
    expect(await refundMails(payment.id)).toHaveLength(1);
    expect(await failureRow(refund.id)).toMatchObject({
      attempts: 2,
      resolution: "redelivered",
      resolvedAt: expect.any(Date),
    });
  });

  it("an event that applies at the first delivery leaves no failure behind", async () => {
    const { invoiceId, paymentIntent, refund, checkoutId } = await subscriptionPaymentAndItsRefund();
    stripe.addInvoicePayment({ invoice: invoiceId, paymentIntent, amount: 1500, checkoutId });
    expect((await deliver(refund)).status).toBe(200);
    expect(await failureRow(refund.id)).toBeUndefined();
  });
});

describe("the payment-events page", () => {
  let failed: Awaited<ReturnType<typeof subscriptionPaymentAndItsRefund>>;
  beforeAll(async () => {
    failed = await subscriptionPaymentAndItsRefund(2000);
    expect((await deliverWhileStripeFails(failed.refund)).status).toBe(500);
  });

  it("lists open failures for staff to read, without the payload, and lets only admins replay", async () => {
    const asStaff = await callLoader(eventsLoader, "/admin/events", { cookie: cookies.staff });
    expect(asStaff.status).toBe(200);
    const page = await asStaff.json();
    expect(page.canReplay).toBe(false);
    const open = page.failures.open.find((f: { eventId: string }) => f.eventId === failed.refund.id);
    expect(open).toMatchObject({
      type: "charge.refunded",
      attempts: 1,
      error: expect.stringMatching(/HTTP 500/),
      firstFailedAt: expect.any(String),
      lastFailedAt: expect.any(String),
    });
    expect(open).not.toHaveProperty("payload");
    expect((await (await callLoader(eventsLoader, "/admin/events", { cookie: cookies.admin })).json()).canReplay).toBe(
      true,
    );

    const refused = await replay(failed.refund.id, "staff");
    expect(refused.status).toBe(403);
    expect(await failureRow(failed.refund.id)).toMatchObject({ attempts: 1, resolvedAt: null });
    expect(await audits("webhook.replay", failed.refund.id)).toEqual([]);
  });

  it("a replay that fails again says so clearly and keeps the failure open, one attempt more", async () => {
    stripe.failNextRequest({ status: 500 });
    const response = await replay(failed.refund.id);
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.formError).toMatch(/still could not be applied \(attempt 2\).*HTTP 500/);
    expect(await failureRow(failed.refund.id)).toMatchObject({ attempts: 2, resolvedAt: null });
    expect((await ledger(failed.payment.id)).refundedMinor).toBe(0);
    expect(await audits("webhook.replay_failed", failed.refund.id)).toHaveLength(1);
  });

  it("a replay applies the stored event once and resolves it; replaying again changes nothing", async () => {
    stripe.addInvoicePayment({
      invoice: failed.invoiceId,
      paymentIntent: failed.paymentIntent,
      amount: 2000,
      checkoutId: failed.checkoutId,
    });
    const response = await replay(failed.refund.id);
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/admin/events?replayed=applied");
    expect(await isApplied(failed.refund.id)).toBe(true);
    expect((await ledger(failed.payment.id)).refundedMinor).toBe(2000);
    expect(await refundMails(failed.payment.id)).toHaveLength(1);
    expect(await failureRow(failed.refund.id)).toMatchObject({ resolution: "replayed", resolvedAt: expect.any(Date) });
    const [entry] = await audits("webhook.replay", failed.refund.id);
    expect(entry).toMatchObject({
      actorType: "staff",
      actorId: ids.admin,
      targetType: "provider_event",
      details: { outcome: "applied" },
    });

    const again = await replay(failed.refund.id);
    expect(again.status).toBe(409);
    expect((await again.json()).formError).toMatch(/already been resolved/);
    expect((await ledger(failed.payment.id)).refundedMinor).toBe(2000);
    expect(await refundMails(failed.payment.id)).toHaveLength(1);

    const page = await (await callLoader(eventsLoader, "/admin/events", { cookie: cookies.admin })).json();
    expect(page.failures.open.map((f: { eventId: string }) => f.eventId)).not.toContain(failed.refund.id);
    expect(page.failures.resolved.find((f: { eventId: string }) => f.eventId === failed.refund.id)).toMatchObject({
      resolution: "replayed",
    });
  });

  it("replaying an event that was applied meanwhile changes nothing and resolves the failure", async () => {
    // A parallel delivery applied the event while this one's failure was being written.
    const { payment, invoiceId, paymentIntent, refund, checkoutId } = await subscriptionPaymentAndItsRefund(1200);
    stripe.addInvoicePayment({ invoice: invoiceId, paymentIntent, amount: 1200, checkoutId });
    expect((await deliver(refund)).status).toBe(200);
    await t.db.insert(webhookFailures).values({
      eventId: refund.id,
      type: refund.type,
      payload: refund as unknown as Record<string, unknown>,
      error: "Database error 40001",
    });
    const mailsBefore = (await t.db.select({ n: count() }).from(outbox))[0].n;

    const response = await replay(refund.id);
    expect(response.headers.get("Location")).toBe("/admin/events?replayed=duplicate");
    expect((await ledger(payment.id)).refundedMinor).toBe(1200);
    expect((await t.db.select({ n: count() }).from(outbox))[0].n).toBe(mailsBefore);
    expect(await failureRow(refund.id)).toMatchObject({ resolution: "replayed", resolvedAt: expect.any(Date) });
  });

  it("refuses a forged form and an unknown event id", async () => {
    const { cookie } = await formFor(eventsLoader, cookies.admin);
    expect(
      (
        await postForm(
          eventsAction,
          "/admin/events",
          { csrf: "forged-token-forged-token-forged-token", intent: "replay", eventId: "evt_x" },
          { cookie },
        )
      ).status,
    ).toBe(403);
    expect((await replay("evt_never_seen")).status).toBe(404);
    expect((await replay("not an id; drop table")).status).toBe(400);
  });
});

describe("the error kept for staff", () => {
  it("names a failed query's SQLSTATE, table and constraint, never its parameters", async () => {
    const person = { email: "Private.Person@example.net", name: "Private Person", role: "staff" as const };
    await t.db.insert(staffUsers).values(person);
    const error = await t.db
      .insert(staffUsers)
      .values(person)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(String((error as Error).message)).toContain("Private.Person@example.net"); // what would leak
    const described = describeError(error);
    expect(described).toMatch(/^Database error 23505/);
    expect(described).toContain("staff_users_email_unique");
    expect(described).not.toMatch(/Private|example\.net/);
  });

  it("drops email addresses from any other message", () => {
    expect(describeError(new TypeError("cannot read reader@example.net's card"))).toBe(
      "TypeError: cannot read [email]'s card",
    );
  });
});

describe("retention of failures", () => {
  it("deletes resolved failures older than 30 days and keeps open ones however old", async () => {
    const now = new Date("2031-06-01T00:00:00Z");
    const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
    const row = (eventId: string, resolvedDaysAgo: number | null) => ({
      eventId,
      type: "invoice.paid",
      payload: { id: eventId },
      error: "Database error 57P01",
      firstFailedAt: daysAgo(90),
      lastFailedAt: daysAgo(60),
      resolvedAt: resolvedDaysAgo === null ? null : daysAgo(resolvedDaysAgo),
      resolution: resolvedDaysAgo === null ? null : "redelivered",
    });
    await t.db
      .insert(webhookFailures)
      .values([row("evt_retention_old", 31), row("evt_retention_recent", 29), row("evt_retention_open", null)]);
    await applyRetention(t.db, now);
    expect(await failureRow("evt_retention_old")).toBeUndefined();
    expect(await failureRow("evt_retention_recent")).toBeDefined();
    expect(await failureRow("evt_retention_open")).toBeDefined();
  });
});
