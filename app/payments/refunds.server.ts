import { randomUUID } from "node:crypto";
import { and, asc, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import {
  paymentRefunds,
  payments,
  plans,
  REFUND_REASONS,
  refundObservations,
  staffUsers,
  supporters,
  type RefundReason,
} from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { failure, staffActor, type Staff, type StaffFailure } from "~/auth/staff-actions.server";
import { formatDate } from "~/dates";
import { hasNoControlCharacters, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { logger } from "~/log.server";
import { formatMoney, parseMoney } from "~/money";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { queueRefundConfirmation } from "./apply-event.server";
import { PAYMENT_METHOD_LABELS } from "./labels";
import { getPaymentProvider, PaymentProviderError } from "./provider.server";
import { one } from "@db/rows";
import { assertNever } from "~/never";

/**
 * Deliberate refunds (ADR 039): staff ask for a refund (amount, reason, note), read what it will
 * do, and confirm. The confirmation carries a request id minted when it was shown: that id is
 * the refund's identity here and its idempotency key at Stripe, so the same confirmation posted
 * twice refunds once, and two confirmations are two refunds.
 */

export const REFUND_FORM_FIELDS = ["amount", "reason", "note"] as const;

export { REFUND_REASON_LABELS } from "./labels";

/** How the money goes back: through Stripe, at once in the simulation, or by staff themselves. */
export type RefundRoute = "stripe" | "simulated" | "offline";

export async function getRefundContext(db: DB, { paymentId }: { paymentId: number }) {
  const [row] = await db
    .select({
      payment: payments,
      planName: plans.name,
      tier: plans.tier,
      supporter: {
        id: supporters.id,
        name: supporters.name,
        email: supporters.email,
        phone: supporters.phone,
        erasedAt: supporters.erasedAt,
      },
    })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .leftJoin(plans, eq(plans.id, payments.planId))
    .where(eq(payments.id, paymentId));
  if (!row) return null;
  const { payment, supporter } = row;
  return {
    payment: {
      id: payment.id,
      receiptNumber: payment.receiptNumber,
      kind: payment.kind,
      method: payment.method,
      provider: payment.provider,
      amountMinor: payment.amountMinor,
      refundedMinor: payment.refundedMinor,
      currency: payment.currency,
      coversUntil: payment.coversUntil,
      planName: row.planName,
      tier: row.tier,
    },
    supporter: {
      id: supporter.id,
      name: supporter.name || supporter.email || supporter.phone || "",
      hasEmail: Boolean(supporter.email) && !supporter.erasedAt,
      erased: supporter.erasedAt !== null,
    },
    remainingMinor: payment.amountMinor - payment.refundedMinor,
    route: payment.provider as RefundRoute,
  };
}
export type RefundContext = NonNullable<Awaited<ReturnType<typeof getRefundContext>>>;

/**
 * What the confirmation says, in words: how the money goes back, what the supporter sees and
 * when, and what happens to what the payment bought. Decided here, on the server, from the
 * payment as it now is.
 */
export function describeRefund(
  context: RefundContext,
  amountMinor: number,
  { timeZone, now = new Date() }: { timeZone: string; now?: Date },
) {
  const { payment, supporter, route } = context;
  const money = (minor: number) =>
    `${formatMoney(minor, payment.currency, "en-AU", { alwaysShowCents: true })} ${payment.currency}`;
  const full = payment.refundedMinor + amountMinor >= payment.amountMinor;
  const methodName = PAYMENT_METHOD_LABELS[payment.method] ?? payment.method;
  const method =
    route === "stripe"
      ? t("admin.refund.method.stripe")
      : route === "simulated"
        ? t("admin.refund.method.simulated")
        : t("admin.refund.method.offline", { method: methodName.toLowerCase() });
  const money_back =
    route === "stripe"
      ? t("admin.refund.sees.stripe")
      : route === "simulated"
        ? t("admin.refund.sees.simulated")
        : t("admin.refund.sees.offline");
  const email = !supporter.hasEmail
    ? t("admin.refund.email.none")
    : route === "stripe"
      ? t("admin.refund.email.whenConfirmed")
      : t("admin.refund.email.now");
  const plan = payment.planName ?? "";
  let entitlement: string;
  switch (payment.kind) {
    case "tier_one_time": {
      const until = payment.coversUntil ? formatDate(payment.coversUntil, timeZone) : null;
      if (!payment.coversUntil || payment.coversUntil <= now)
        entitlement = t("admin.refund.entitlement.yearOver", { plan, date: until ?? "" });
      else if (full)
        entitlement = t(
          payment.tier === "print"
            ? "admin.refund.entitlement.yearEndsPrint"
            : "admin.refund.entitlement.yearEndsDigital",
          { plan, date: until ?? "" },
        );
      else entitlement = t("admin.refund.entitlement.yearContinues", { plan, date: until ?? "" });
      break;
    }
    case "tier_monthly":
      entitlement = t("admin.refund.entitlement.tierMonthly", { plan });
      break;
    case "monthly":
      entitlement = t("admin.refund.entitlement.monthlyGift");
      break;
    case "one_off":
      entitlement = t("admin.refund.entitlement.gift");
      break;
    default:
      return assertNever(payment.kind, "payment kind");
  }
  return {
    amount: money(amountMinor),
    full,
    leftAfter: money(Math.max(0, context.remainingMinor - amountMinor)),
    method,
    supporterSees: `${money_back} ${email}`,
    entitlement,
  };
}
export type RefundDescription = ReturnType<typeof describeRefund>;

const NoteSchema = z
  .string()
  .trim()
  .max(1000, t("admin.refund.error.noteLong"))
  .refine(hasNoControlCharacters({ multiline: true }), t("error.text.control"));

export type RefundRequest = { amountMinor: number; reason: RefundReason; note: string | null };

/** The request form (amount, reason, note), read against what is left to refund. */
export function parseRefundRequest(
  values: FormValues,
  context: RefundContext,
): { ok: true; value: RefundRequest } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const amount = parseMoney(values.amount ?? "", context.payment.currency);
  let amountMinor = 0;
  if (!amount.ok)
    errors.amount = values.amount?.trim()
      ? t("admin.refund.error.amountFormat")
      : t("admin.refund.error.amountMissing");
  else if (amount.amountMinor <= 0) errors.amount = t("admin.refund.error.amountMissing");
  else if (amount.amountMinor > context.remainingMinor)
    errors.amount = t("admin.refund.error.amountTooMuch", {
      left: formatMoney(context.remainingMinor, context.payment.currency, "en-AU", { alwaysShowCents: true }),
    });
  else amountMinor = amount.amountMinor;
  const reason = z.enum(REFUND_REASONS).safeParse(values.reason);
  if (!reason.success) errors.reason = t("admin.refund.error.reasonMissing");
  const note = NoteSchema.safeParse(values.note ?? "");
  if (!note.success) errors.note = note.error.issues[0]?.message ?? t("error.form");
  else if (reason.success && reason.data === "other" && !note.data) errors.note = t("admin.refund.error.noteForOther");
  if (Object.keys(errors).length > 0 || !reason.success || !note.success) return { ok: false, errors };
  return { ok: true, value: { amountMinor, reason: reason.data, note: note.data || null } };
}

/** A fresh identity for one refund, minted each time a confirmation is shown. */
export const mintRefundRequestId = () => randomUUID();
export const RefundRequestId = z.string().uuid();

/** Longer than any provider call may take (the Stripe SDK gives up well before). */
const STALE_CLAIM_MS = 5 * 60_000;

/** Someone else refunded this payment meanwhile: the claim is rolled back with the rest. */
class PaymentChangedError extends Error {}

export type RefundOutcome = { ok: true; pending: boolean; already: boolean } | StaffFailure;

/**
 * Makes the refund a confirmation asked for, once. Admin only. The same request id again (a
 * double submit, a retry after an error) is the same refund: done already, it changes nothing;
 * not yet accepted by the provider, it is asked again under the same idempotency key, so Stripe
 * answers with the refund it made rather than making another.
 */
export async function confirmRefund(
  db: DB,
  {
    staff,
    paymentId,
    requestId,
    request,
  }: { staff: Staff; paymentId: number; requestId: string; request: RefundRequest },
): Promise<RefundOutcome> {
  if (staff.role !== "admin") return failure("forbidden", t("admin.refund.error.adminOnly"));
  const context = await getRefundContext(db, { paymentId });
  if (!context) return failure("not_found", t("admin.error.refund.notFound"));
  const [existing] = await db.select().from(paymentRefunds).where(eq(paymentRefunds.requestId, requestId));
  if (existing && (existing.paymentId !== paymentId || existing.amountMinor !== request.amountMinor))
    return failure("conflict", t("admin.refund.error.changed"));
  if (existing?.acceptedAt) return { ok: true, pending: context.route === "stripe", already: true };
  const { amountMinor, reason, note } = request;
  if (!existing && (!Number.isInteger(amountMinor) || amountMinor <= 0 || amountMinor > context.remainingMinor))
    return failure("invalid", t("error.form"), {
      amount:
        amountMinor > 0
          ? t("admin.refund.error.amountTooMuch", {
              left: formatMoney(context.remainingMinor, context.payment.currency, "en-AU", { alwaysShowCents: true }),
            })
          : t("admin.refund.error.amountMissing"),
    });
  const audit = (refundId: number) => ({
    actor: staffActor(staff),
    action: "payment.refund",
    target: { type: "payment", id: paymentId },
    // The note stays in the refund record (it may name people); the log keeps ids and amounts.
    details: { amountMinor, currency: context.payment.currency, provider: context.payment.provider, reason, refundId },
  });
  const claim = {
    paymentId,
    requestId,
    amountMinor,
    currency: context.payment.currency,
    reason,
    note,
    staffUserId: staff.staffUserId,
  };

  if (context.route === "offline") {
    // Recorded here, in one transaction with the ledger, the audit entry and the email.
    const acceptedAt = new Date();
    return db
      .transaction(async (tx) => {
        const [claimed] = await tx
          .insert(paymentRefunds)
          .values({ ...claim, acceptedAt })
          .onConflictDoNothing()
          .returning({ id: paymentRefunds.id });
        if (!claimed) return { ok: true as const, pending: false, already: true };
        const [updated] = await tx
          .update(payments)
          .set({ refundedMinor: sql`${payments.refundedMinor} + ${amountMinor}` })
          .where(and(eq(payments.id, paymentId), eq(payments.refundedMinor, context.payment.refundedMinor)))
          .returning({ refundedMinor: payments.refundedMinor });
        if (!updated) throw new PaymentChangedError();
        // The statement's dated refund (ADR 046).
        await tx
          .insert(refundObservations)
          .values({ paymentId, observedAt: acceptedAt, refundedTotalMinor: updated.refundedMinor })
          .onConflictDoNothing();
        await recordAudit(tx, audit(claimed.id));
        await queueRefundConfirmation(tx, {
          paymentId,
          previousRefundedMinor: context.payment.refundedMinor,
          refundedTotalMinor: updated.refundedMinor,
        });
        return { ok: true as const, pending: false, already: false };
      })
      .catch((error: unknown) => {
        if (error instanceof PaymentChangedError) return failure("conflict", t("admin.refund.error.changed"));
        throw error;
      });
  }

  // Claimed first (committed), so that a second post of this confirmation finds it: only the
  // request holding the claim asks the provider. A claim left by a failed attempt (or by a
  // request that died mid-call, after a while) is taken over by the retry, same idempotency key.
  const now = new Date();
  const [inserted] = existing
    ? []
    : await db
        .insert(paymentRefunds)
        .values({ ...claim, askingSince: now })
        .onConflictDoNothing()
        .returning();
  const [retaken] = inserted
    ? []
    : await db
        .update(paymentRefunds)
        .set({ askingSince: now })
        .where(
          and(
            eq(paymentRefunds.requestId, requestId),
            isNull(paymentRefunds.acceptedAt),
            or(
              isNull(paymentRefunds.askingSince),
              lt(paymentRefunds.askingSince, new Date(now.getTime() - STALE_CLAIM_MS)),
            ),
          ),
        )
        .returning();
  const refund = inserted ?? retaken;
  // Done, or being done by the other post of this same confirmation: nothing more to do here.
  if (!refund) return { ok: true, pending: context.route === "stripe", already: true };
  // The refund row's foreign key names this payment: it is there.
  const payment = one(
    await db
      .select({ providerPaymentId: payments.providerPaymentId, stripePaymentIntentId: payments.stripePaymentIntentId })
      .from(payments)
      .where(eq(payments.id, paymentId)),
    "payment of a refund",
  );
  let providerRefundId: string | null;
  try {
    ({ providerRefundId } = await getPaymentProvider().refundPayment({
      providerPaymentId: payment.providerPaymentId,
      paymentIntentId: payment.stripePaymentIntentId,
      amountMinor: refund.amountMinor,
      reason: refund.reason === "other" ? null : refund.reason,
      idempotencyKey: `refund:${requestId}`,
    }));
  } catch (error) {
    await db.update(paymentRefunds).set({ askingSince: null }).where(eq(paymentRefunds.id, refund.id));
    logger.warn({ paymentId, refundId: refund.id }, "refund refused by the provider");
    if (error instanceof PaymentProviderError) return failure("unavailable", error.message);
    throw error;
  }
  return db.transaction(async (tx) => {
    const [accepted] = await tx
      .update(paymentRefunds)
      .set({ acceptedAt: new Date(), askingSince: null, providerRefundId })
      .where(and(eq(paymentRefunds.id, refund.id), isNull(paymentRefunds.acceptedAt)))
      .returning({ id: paymentRefunds.id });
    if (accepted) await recordAudit(tx, audit(accepted.id));
    return { ok: true as const, pending: context.route === "stripe", already: !accepted };
  });
}

/** The refunds staff made of a payment, oldest first, with who made them and why. */
export async function listPaymentRefunds(db: DB, { paymentId }: { paymentId: number }) {
  return db
    .select({
      id: paymentRefunds.id,
      amountMinor: paymentRefunds.amountMinor,
      currency: paymentRefunds.currency,
      reason: paymentRefunds.reason,
      note: paymentRefunds.note,
      staffName: staffUsers.name,
      providerRefundId: paymentRefunds.providerRefundId,
      at: paymentRefunds.acceptedAt,
    })
    .from(paymentRefunds)
    .innerJoin(staffUsers, eq(staffUsers.id, paymentRefunds.staffUserId))
    .where(and(eq(paymentRefunds.paymentId, paymentId), isNotNull(paymentRefunds.acceptedAt)))
    .orderBy(asc(paymentRefunds.id));
}

export async function refundTimeZone(db: DB) {
  return (await getOrganisationSettings(db)).timeZone;
}
