import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, getTableColumns, gt, inArray, isNull, ne, notInArray, or, sql, type SQL } from "drizzle-orm";
import { union } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { campaigns, outbox, payments, plans, pledges, receipts, staffNotes, staffUsers, subscriptions, supporters, supporterSearchKeys } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { enqueueEmail } from "~/email/outbox.server";
import type { ReceiptSnapshot } from "~/email/templates";
import { formValues, hasNoControlCharacters, zodFieldErrors, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { logger } from "~/log.server";
import { queueRefundConfirmation } from "~/payments/apply-event.server";
import { getPaymentProvider, PaymentProviderError } from "~/payments/provider.server";
import { listEntitlements } from "./entitlements.server";
import { PostalAddressSchema } from "./postal-address.server";
import { FINISHED_STATUSES } from "./privacy.server";
import { formatPostalAddress } from "./supporters.server";

/**
 * What staff see of and do for a supporter: search, the supporter page, contact edits, notes,
 * receipts again, and refunds. Every change is audited with the staff member as actor.
 */

import { failure, staffActor, type Staff, type StaffFailure } from "~/auth/staff-actions.server";
export type { StaffFailure };

// ---------------------------------------------------------------------------------------------
// Search

export type SupporterSearchRow = { id: number; name: string; email: string; phone: string | null; postalCode: string | null; city: string | null };

/**
 * How many supporters (in id order) a short term's first try reads. A common prefix ("ma") fills
 * a page within them; a rarer one is looked up in the search indexes instead, as is every term
 * of four characters or more ("quarrington"), which is rarely common enough to be worth the try.
 */
const SEARCH_WINDOW = 1_000;
const SHORT_TERM = 4;

/**
 * Type-ahead for staff: what was typed starts the name, its second or last word, the email, the
 * postcode, or the phone number's digits (from the start, or the last digits: "9000 1234" and
 * "03 9000 1234" find "+61 3 9000 1234"). Case-insensitive, keyset-paginated by id; erased
 * supporters are never found. Prefixes rather than "contains", so that each is a range of an
 * index (migration 0005, ADR 012) and a million supporters answer as fast as a hundred.
 */
export async function searchSupporters(db: DB, { q, after, limit = 25 }: { q: string; after?: number; limit?: number }) {
  const term = q.trim().slice(0, 200);
  if (!term) return { rows: [] as SupporterSearchRow[], next: null as number | null };
  // The prefix as a range of each index (not LIKE, which needs the row to check), so the ids
  // come from the indexes alone. Lower-cased by the database, as the indexed expressions are.
  const startsWith = (expression: SQL, prefix: SQL | string) => sql`(${expression} ~>=~ ${prefix} and ${expression} ~<~ (${prefix} || chr(1114111)))`;
  const lowered = sql`lower(${term})`;
  const digits = term.replace(/\D/g, "");
  // A national number's trunk 0 is not part of the stored international form: match what follows it at the end.
  const lastDigits = [...digits.replace(/^0+/, "")].reverse().join("");
  const keys = supporterSearchKeys;
  // Each branch names its index's expression and condition exactly, so that index can answer it.
  const branches: SQL[] = [
    startsWith(keys.name(supporters.name), lowered),
    startsWith(sql`${supporters.emailKey}`, lowered),
    startsWith(keys.postcode(supporters.addressPostalCode), lowered),
    startsWith(keys.afterFirstWord(supporters.name), lowered),
    startsWith(keys.lastWord(supporters.name), lowered),
    ...(digits.length >= 4
      ? [
          sql`${supporters.phone} is not null and ${startsWith(keys.phoneDigits(supporters.phone), digits)}`,
          sql`${supporters.phone} is not null and ${startsWith(keys.phoneDigitsReversed(supporters.phone), lastDigits)}`,
        ]
      : []),
  ];
  const searchable = and(isNull(supporters.erasedAt), after ? gt(supporters.id, after) : undefined);
  const columns = {
    id: supporters.id,
    name: supporters.name,
    email: supporters.email,
    phone: supporters.phone,
    postalCode: supporters.addressPostalCode,
    city: supporters.addressCity,
  };

  // A short term first tries the next SEARCH_WINDOW supporters by id, filtered. The window is
  // named like the table, so the branches' column references read from it.
  const inWindow = () => {
    const { id, name, email, emailKey, phone, addressPostalCode, addressCity, erasedAt } = getTableColumns(supporters);
    const window = db
      .select({ id, name, email, emailKey, phone, addressPostalCode, addressCity, erasedAt })
      .from(supporters)
      .where(after ? gt(supporters.id, after) : undefined)
      .orderBy(asc(supporters.id))
      .limit(SEARCH_WINDOW)
      .as("supporters");
    return db
      .select(columns)
      .from(window)
      .where(and(isNull(supporters.erasedAt), or(...branches)))
      .orderBy(asc(supporters.id))
      .limit(limit + 1);
  };
  // Otherwise: the ids from each index's prefix range (never the table), the page's worth of the
  // smallest, and those rows, in one statement.
  const inIndexes = () => {
    const [first, second, ...rest] = branches.map((branch) => db.select({ id: supporters.id }).from(supporters).where(and(searchable, branch)));
    const pageIds = union(first, second, ...rest)
      .orderBy(sql`1`)
      .limit(limit + 1);
    return db.select(columns).from(supporters).where(inArray(supporters.id, pageIds)).orderBy(asc(supporters.id));
  };
  let rows = term.length < SHORT_TERM ? await inWindow() : [];
  if (rows.length <= limit) rows = await inIndexes();
  const page = rows.slice(0, limit);
  return { rows: page, next: rows.length > limit ? page[page.length - 1].id : null };
}

// ---------------------------------------------------------------------------------------------
// The supporter page

/** The row's exact updated_at (microseconds), as the edit form's concurrency token. */
const versionOf = sql<string>`to_char(${supporters.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

export async function getSupporterForStaff(db: DB, { supporterId }: { supporterId: number }) {
  const [row] = await db
    .select({ supporter: supporters, version: versionOf })
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!row) return null;
  const { supporter } = row;
  const [subs, paid, mail, notes, pledgeRows, entitlements] = await Promise.all([
    db
      .select({ sub: subscriptions, planName: plans.name, campaignName: campaigns.name })
      .from(subscriptions)
      .innerJoin(campaigns, eq(campaigns.id, subscriptions.campaignId))
      .leftJoin(plans, eq(plans.id, subscriptions.planId))
      .where(eq(subscriptions.supporterId, supporterId))
      .orderBy(desc(subscriptions.createdAt)),
    db
      .select({ payment: payments, snapshot: receipts.snapshot, campaignName: campaigns.name })
      .from(payments)
      .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
      .leftJoin(receipts, eq(receipts.paymentId, payments.id))
      .where(eq(payments.supporterId, supporterId))
      .orderBy(desc(payments.paidAt))
      .limit(200),
    db
      .select({ id: outbox.id, template: outbox.template, createdAt: outbox.createdAt, sentAt: outbox.sentAt, failedAt: outbox.failedAt, lastError: outbox.lastError })
      .from(outbox)
      // A caller without an email address has had no mail (their receipts are posted).
      .where(supporter.email ? sql`lower(${outbox.toEmail}) = ${supporter.email.toLowerCase()}` : sql`false`)
      .orderBy(desc(outbox.createdAt))
      .limit(100),
    db
      .select({ id: staffNotes.id, body: staffNotes.body, createdAt: staffNotes.createdAt, staffName: staffUsers.name })
      .from(staffNotes)
      .innerJoin(staffUsers, eq(staffUsers.id, staffNotes.staffUserId))
      .where(eq(staffNotes.supporterId, supporterId))
      .orderBy(desc(staffNotes.createdAt), desc(staffNotes.id)),
    db
      .select({ id: pledges.id, kind: pledges.kind, amountMinor: pledges.amountMinor, currency: pledges.currency, status: pledges.status, createdAt: pledges.createdAt })
      .from(pledges)
      .where(eq(pledges.supporterId, supporterId))
      .orderBy(desc(pledges.createdAt))
      .limit(100),
    listEntitlements(db, { supporterId }),
  ]);
  return {
    supporter: {
      id: supporter.id,
      name: supporter.name,
      email: supporter.email,
      phone: supporter.phone,
      address: {
        line1: supporter.addressLine1,
        line2: supporter.addressLine2,
        city: supporter.addressCity,
        state: supporter.addressState,
        postalCode: supporter.addressPostalCode,
        country: supporter.addressCountry,
      },
      postalAddress: formatPostalAddress(supporter),
      createdAt: supporter.createdAt,
      version: row.version,
    },
    entitlements,
    subscriptions: subs.map(({ sub, planName, campaignName }) => ({
      id: sub.id,
      kind: sub.kind,
      what: planName ?? `Monthly gift to ${campaignName}`,
      amountMinor: sub.amountMinor,
      currency: sub.currency,
      status: sub.status,
      currentPeriodEnd: sub.currentPeriodEnd,
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
      pausedUntil: sub.pausedUntil,
      lastFailureReason: sub.lastFailureReason,
      nextRetryAt: sub.nextRetryAt,
      updating: sub.pendingChange !== null,
      canChange: !["canceled", "incomplete_expired", "incomplete"].includes(sub.status) && !sub.cancelAtPeriodEnd && sub.pendingChange === null,
    })),
    payments: paid.map(({ payment, snapshot, campaignName }) => ({
      id: payment.id,
      receiptNumber: payment.receiptNumber,
      paidAt: payment.paidAt,
      kind: payment.kind,
      method: payment.method,
      provider: payment.provider,
      amountMinor: payment.amountMinor,
      refundedMinor: payment.refundedMinor,
      currency: payment.currency,
      campaignName,
      description: (snapshot as ReceiptSnapshot | null)?.description ?? payment.kind,
      hasReceipt: snapshot !== null,
    })),
    emails: mail.map((m) => ({ ...m, status: m.sentAt ? "sent" : m.failedAt ? "failed" : "queued" })),
    notes,
    pledges: pledgeRows,
  };
}
export type SupporterForStaff = NonNullable<Awaited<ReturnType<typeof getSupporterForStaff>>>;

// ---------------------------------------------------------------------------------------------
// Contact details

const CONTACT_FIELDS = ["expectedUpdatedAt", "name", "email", "phone", "line1", "line2", "city", "state", "postalCode", "country"] as const;

const ContactSchema = z.object({
  expectedUpdatedAt: z.string({ message: "Reload the page and try again." }).min(1, "Reload the page and try again.").max(40),
  name: z.string().trim().max(200, "Keep the name under 200 characters.").refine(hasNoControlCharacters(), t("error.text.control")),
  // Optional: callers of the phone line may have no email address, as long as we have a phone number.
  email: z
    .string()
    .trim()
    .max(254, "Enter a valid email address.")
    .pipe(z.union([z.literal(""), z.email("Enter a valid email address.")]))
    .optional()
    .transform((v) => v || null),
  phone: z
    .string()
    .trim()
    .max(40, "Keep the phone number under 40 characters.")
    .regex(/^[0-9+()\-. ]*$/, "Use digits, spaces and + ( ) - only.")
    .optional()
    .transform((v) => v || null),
})
  // The database keeps every supporter reachable one way or the other.
  .refine((c) => c.email !== null || c.phone !== null, { path: ["email"], message: "Enter an email address or a phone number." });

export type ContactInput = z.infer<typeof ContactSchema> & { address: z.infer<typeof PostalAddressSchema> | null };

export function parseContactForm(formData: FormData): { ok: true; value: ContactInput; values: FormValues } | { ok: false; errors: FieldErrors; values: FormValues } {
  const values = formValues(formData, CONTACT_FIELDS);
  const contact = ContactSchema.safeParse(values);
  const addressGiven = ["line1", "line2", "city", "state", "postalCode", "country"].some((f) => values[f]?.trim());
  const address = addressGiven ? PostalAddressSchema.safeParse(values) : null;
  const errors = { ...(contact.success ? {} : zodFieldErrors(contact.error)), ...(address && !address.success ? zodFieldErrors(address.error) : {}) };
  if (!contact.success || (address && !address.success)) return { ok: false, errors, values };
  return { ok: true, value: { ...contact.data, address: address?.success ? address.data : null }, values };
}

/** Subscriptions not yet ended: Stripe bills them and mails their receipts, so they need an email address. */
async function hasLiveSubscription(tx: DB, supporterId: number): Promise<boolean> {
  const [live] = await tx
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(and(eq(subscriptions.supporterId, supporterId), notInArray(subscriptions.status, FINISHED_STATUSES)))
    .limit(1);
  return live !== undefined;
}

export const CONCURRENT_EDIT_MESSAGE = "Someone else changed this supporter's details since you opened the page. Nothing was saved: reload to see their changes, then make yours again.";

/**
 * Saves only if nobody saved since the form was loaded (`expectedUpdatedAt` is the page's
 * version token): the second of two staff saving is refused, and the first's save is kept.
 */
export async function updateSupporterContact(db: DB, input: { staff: Staff; supporterId: number } & ContactInput): Promise<{ ok: true } | StaffFailure> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ id: supporters.id, email: supporters.email, version: versionOf })
      .from(supporters)
      .where(and(eq(supporters.id, input.supporterId), isNull(supporters.erasedAt)))
      .for("update");
    if (!current) return failure(404, "Not found");
    if (current.version !== input.expectedUpdatedAt) return failure(409, CONCURRENT_EDIT_MESSAGE);
    if (input.email) {
      const [taken] = await tx
        .select({ id: supporters.id })
        .from(supporters)
        .where(and(eq(supporters.emailKey, input.email.toLowerCase()), ne(supporters.id, input.supporterId)));
      if (taken) return failure(400, "Please check the form.", { email: "Another supporter already has this email address." });
    } else if (current.email && (await hasLiveSubscription(tx, input.supporterId))) {
      return failure(400, "Please check the form.", { email: "This supporter gives by card each month: keep an email address for their receipts and card reminders." });
    }
    const a = input.address;
    await tx
      .update(supporters)
      .set({
        name: input.name,
        email: input.email,
        phone: input.phone,
        addressLine1: a?.line1 ?? null,
        addressLine2: a?.line2 ?? null,
        addressCity: a?.city ?? null,
        addressState: a?.state ?? null,
        addressPostalCode: a?.postalCode ?? null,
        addressCountry: a?.country ?? null,
        updatedAt: sql`greatest(now(), ${supporters.updatedAt} + interval '1 microsecond')`,
      })
      .where(eq(supporters.id, input.supporterId));
    await recordAudit(tx, {
      actor: staffActor(input.staff),
      action: "supporter.update_contact",
      target: { type: "supporter", id: input.supporterId },
      details: { emailChanged: current.email !== input.email, hasAddress: a !== null },
    });
    return { ok: true as const };
  });
}

// ---------------------------------------------------------------------------------------------
// Notes and receipts

export const NoteSchema = z.object({
  body: z
    .string({ message: "Write the note." })
    .trim()
    .min(1, "Write the note.")
    .max(5000, "Keep the note under 5,000 characters.")
    .refine(hasNoControlCharacters({ multiline: true }), t("error.text.control")),
});

export async function addStaffNote(db: DB, { staff, supporterId, body }: { staff: Staff; supporterId: number; body: string }): Promise<{ ok: true } | StaffFailure> {
  return db.transaction(async (tx) => {
    const [supporter] = await tx.select({ id: supporters.id }).from(supporters).where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
    if (!supporter) return failure(404, "Not found");
    const [note] = await tx.insert(staffNotes).values({ supporterId, staffUserId: staff.staffUserId, body }).returning({ id: staffNotes.id });
    await recordAudit(tx, { actor: staffActor(staff), action: "supporter.note", target: { type: "supporter", id: supporterId }, details: { noteId: note.id } });
    return { ok: true as const };
  });
}

/** Queues the receipt again, exactly as issued (the stored snapshot), to the supporter's current address. */
export async function resendReceipt(db: DB, { staff, supporterId, paymentId }: { staff: Staff; supporterId: number; paymentId: number }): Promise<{ ok: true } | StaffFailure> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ snapshot: receipts.snapshot, email: supporters.email })
      .from(receipts)
      .innerJoin(payments, eq(payments.id, receipts.paymentId))
      .innerJoin(supporters, eq(supporters.id, payments.supporterId))
      .where(and(eq(receipts.paymentId, paymentId), eq(payments.supporterId, supporterId), isNull(supporters.erasedAt)));
    if (!row) return failure(404, "This payment has no receipt to send.");
    if (!row.email) return failure(400, "This supporter has no email address: print the receipt from the payment page and post it.");
    const receipt = row.snapshot as ReceiptSnapshot;
    await enqueueEmail(tx, {
      template: receipt.frequency === "monthly" ? "recurring-receipt" : "donation-receipt",
      to: row.email,
      idempotencyKey: `receipt:${paymentId}:resend:${randomUUID()}`,
      props: { receipt },
    });
    await recordAudit(tx, { actor: staffActor(staff), action: "payment.resend_receipt", target: { type: "payment", id: paymentId }, details: { receiptNumber: receipt.receiptNumber } });
    return { ok: true as const };
  });
}

// ---------------------------------------------------------------------------------------------
// Refunds

export const REFUND_FIELDS = ["paymentId", "refundAmount"] as const;

/**
 * Admin only; at most what is left unrefunded. Card payments go through the provider and the
 * ledger changes when it confirms (Stripe: charge.refunded); offline payments are recorded here,
 * in one transaction with the audit entry and the confirmation email.
 */
export async function refundPayment(
  db: DB,
  { staff, supporterId, paymentId, amountMinor }: { staff: Staff; supporterId?: number; paymentId: number; amountMinor: number },
): Promise<{ ok: true; pending: boolean } | StaffFailure> {
  if (staff.role !== "admin") return failure(403, "Only an administrator can refund a payment.");
  const [payment] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.id, paymentId), supporterId === undefined ? undefined : eq(payments.supporterId, supporterId)));
  if (!payment) return failure(404, "Not found");
  const remaining = payment.amountMinor - payment.refundedMinor;
  if (!Number.isInteger(amountMinor) || amountMinor <= 0) return failure(400, "Please check the form.", { refundAmount: "Enter an amount to refund." });
  if (amountMinor > remaining) return failure(400, "Please check the form.", { refundAmount: "That is more than is left to refund on this payment." });
  const audit = { actor: staffActor(staff), action: "payment.refund", target: { type: "payment", id: paymentId }, details: { amountMinor, currency: payment.currency, provider: payment.provider } };

  if (payment.provider === "offline") {
    return db.transaction(async (tx) => {
      const [updated] = await tx
        .update(payments)
        .set({ refundedMinor: sql`${payments.refundedMinor} + ${amountMinor}` })
        .where(and(eq(payments.id, paymentId), eq(payments.refundedMinor, payment.refundedMinor)))
        .returning({ refundedMinor: payments.refundedMinor });
      if (!updated) return failure(409, "This payment changed while you were looking at it. Reload and check what is left to refund.");
      await recordAudit(tx, audit);
      await queueRefundConfirmation(tx, { paymentId, previousRefundedMinor: payment.refundedMinor, refundedTotalMinor: updated.refundedMinor });
      return { ok: true as const, pending: false };
    });
  }

  // Keyed by the payment's refunded total when asked: a double submit refunds once.
  const idempotencyKey = `refund:${paymentId}:${payment.refundedMinor}:${amountMinor}`;
  try {
    await getPaymentProvider().refundPayment({ providerPaymentId: payment.providerPaymentId, paymentIntentId: payment.stripePaymentIntentId, amountMinor, idempotencyKey });
  } catch (error) {
    logger.warn({ paymentId, amountMinor }, "refund refused by the provider");
    if (error instanceof PaymentProviderError) return failure(503, error.message);
    throw error;
  }
  await recordAudit(db, audit);
  return { ok: true as const, pending: payment.provider === "stripe" };
}
