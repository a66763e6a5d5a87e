import { randomUUID } from "node:crypto";
import { and, eq, isNull, ne, notInArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { isRunning } from "./subscription-status";
import { exactTime, keyset, newestFirstPage, type Keyset, type ListPosition } from "@db/keyset.server";
import { one } from "@db/rows";
import {
  campaigns,
  checkouts,
  outbox,
  payments,
  plans,
  pledges,
  receipts,
  staffNotes,
  staffUsers,
  subscriptions,
  supporters,
} from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { mailStatus } from "~/email/mail-status";
import { enqueueEmail } from "~/email/outbox.server";
import { emailLocale } from "~/email/templates";
import { formValues, zodFieldErrors, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { addressGiven, name, noControl, optionalEmail, optionalPhone, postalAddress } from "~/validation/fields";
import { kickCustomerSync, markCustomerSyncDue } from "~/supporters/customer-sync.server";
import { listEntitlements } from "./entitlements.server";
import { FINISHED_STATUSES } from "./privacy.server";
import { addressOf, differingDetails, formatAddress, formatPostalAddress, postalColumns } from "./supporters.server";

/**
 * What staff see of and do for a supporter: search, the supporter page, contact edits, notes,
 * receipts again, and refunds. Every change is audited with the staff member as actor.
 */

import { failure, staffActor, type Staff, type StaffFailure } from "~/auth/staff-actions.server";
import { lazyMessage, t } from "~/i18n/t";
export type { StaffFailure };

// ---------------------------------------------------------------------------------------------
// Search: app/supporters/search.server.ts (ADR 038)

export { searchSupporters, type SupporterSearchRow } from "./search.server";

// ---------------------------------------------------------------------------------------------
// The supporter page

/** The row's exact updated_at (microseconds), as the edit form's concurrency token. */
const versionOf = sql<string>`to_char(${supporters.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/*
 * Every list on the page is a keyset page, newest first (db/keyset.server.ts): a supporter who
 * has given every day for years (or been emailed as often) gets a page as fast as a new one. A
 * position in a list is in the query as `<list>_before` (older than that row) or `<list>_after`
 * (newer).
 */

const SUPPORTER_LISTS = ["subscriptions", "payments", "pledges", "emails", "notes"] as const;
export type SupporterList = (typeof SUPPORTER_LISTS)[number];
const SUPPORTER_PAGE_SIZE = 25;

export type ListPositions = Partial<Record<SupporterList, ListPosition>>;

const byTimeAndRowId = keyset(["time", "integer"]);
const KEYSETS: Record<SupporterList, Keyset> = {
  subscriptions: byTimeAndRowId,
  payments: byTimeAndRowId,
  pledges: byTimeAndRowId,
  emails: keyset(["time", "uuid"]),
  notes: byTimeAndRowId,
};

/**
 * Where each list starts, from the page's query. A position that is not one (edited by hand,
 * truncated in an email) is ignored: that list starts at its newest, and nothing is refused.
 */
export function parseListPositions(query: URLSearchParams): ListPositions {
  const positions: ListPositions = {};
  for (const list of SUPPORTER_LISTS) {
    const before = KEYSETS[list].parse(query.get(`${list}_before`));
    const after = KEYSETS[list].parse(query.get(`${list}_after`));
    if (before) positions[list] = { before };
    else if (after) positions[list] = { after };
  }
  return positions;
}

/** The query that shows these positions again (after an action, or beside another list's link). */
export function listPositionsQuery(positions: ListPositions): URLSearchParams {
  const query = new URLSearchParams();
  for (const list of SUPPORTER_LISTS) {
    const position = positions[list];
    if (position && "before" in position) query.set(`${list}_before`, KEYSETS[list].encode(position.before));
    if (position && "after" in position) query.set(`${list}_after`, KEYSETS[list].encode(position.after));
  }
  return query;
}

export async function getSupporterForStaff(
  db: DB,
  { supporterId, at = {} }: { supporterId: number; at?: ListPositions },
) {
  const [row] = await db
    .select({ supporter: supporters, version: versionOf })
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!row) return null;
  const { supporter } = row;

  const subscriptionList = {
    keyset: byTimeAndRowId,
    table: subscriptions,
    scope: eq(subscriptions.supporterId, supporterId),
    at: subscriptions.createdAt,
    id: subscriptions.id,
    query: () =>
      db
        .select({
          id: subscriptions.id,
          cursorAt: exactTime(subscriptions.createdAt),
          sub: subscriptions,
          planName: plans.name,
          campaignName: campaigns.name,
        })
        .from(subscriptions)
        .innerJoin(campaigns, eq(campaigns.id, subscriptions.campaignId))
        .leftJoin(plans, eq(plans.id, subscriptions.planId))
        .$dynamic(),
  };
  const paymentList = {
    keyset: byTimeAndRowId,
    table: payments,
    scope: eq(payments.supporterId, supporterId),
    at: payments.paidAt,
    id: payments.id,
    query: () =>
      db
        .select({
          id: payments.id,
          cursorAt: exactTime(payments.paidAt),
          receiptNumber: payments.receiptNumber,
          paidAt: payments.paidAt,
          kind: payments.kind,
          method: payments.method,
          provider: payments.provider,
          amountMinor: payments.amountMinor,
          refundedMinor: payments.refundedMinor,
          currency: payments.currency,
          message: payments.message,
          messageStatus: payments.messageStatus,
          campaignName: campaigns.name,
          // What the receipt said, not the whole snapshot: the page shows nothing else of it.
          receiptDescription: sql<string | null>`${receipts.snapshot} ->> 'description'`,
          hasReceipt: sql<boolean>`${receipts.paymentId} is not null`,
        })
        .from(payments)
        .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
        .leftJoin(receipts, eq(receipts.paymentId, payments.id))
        .$dynamic(),
  };
  const emailList = {
    keyset: KEYSETS.emails,
    table: outbox,
    // A caller without an email address has had no mail (their receipts are posted).
    scope: supporter.email ? sql`lower(${outbox.toEmail}) = ${supporter.email.toLowerCase()}` : sql`false`,
    at: outbox.createdAt,
    id: outbox.id,
    query: () =>
      db
        .select({
          id: outbox.id,
          cursorAt: exactTime(outbox.createdAt),
          template: outbox.template,
          createdAt: outbox.createdAt,
          sentAt: outbox.sentAt,
          failedAt: outbox.failedAt,
          supersededAt: outbox.supersededAt,
          lastError: outbox.lastError,
        })
        .from(outbox)
        .$dynamic(),
  };
  const noteList = {
    keyset: byTimeAndRowId,
    table: staffNotes,
    scope: eq(staffNotes.supporterId, supporterId),
    at: staffNotes.createdAt,
    id: staffNotes.id,
    query: () =>
      db
        .select({
          id: staffNotes.id,
          cursorAt: exactTime(staffNotes.createdAt),
          body: staffNotes.body,
          createdAt: staffNotes.createdAt,
          staffName: staffUsers.name,
        })
        .from(staffNotes)
        .innerJoin(staffUsers, eq(staffUsers.id, staffNotes.staffUserId))
        .$dynamic(),
  };
  const pledgeList = {
    keyset: byTimeAndRowId,
    table: pledges,
    scope: eq(pledges.supporterId, supporterId),
    at: pledges.createdAt,
    id: pledges.id,
    query: () =>
      db
        .select({
          id: pledges.id,
          cursorAt: exactTime(pledges.createdAt),
          kind: pledges.kind,
          amountMinor: pledges.amountMinor,
          currency: pledges.currency,
          status: pledges.status,
          createdAt: pledges.createdAt,
        })
        .from(pledges)
        .$dynamic(),
  };

  const [subs, paid, mail, notes, pledgeRows, entitlements] = await Promise.all([
    newestFirstPage(db, subscriptionList, at.subscriptions, SUPPORTER_PAGE_SIZE),
    newestFirstPage(db, paymentList, at.payments, SUPPORTER_PAGE_SIZE),
    newestFirstPage(db, emailList, at.emails, SUPPORTER_PAGE_SIZE),
    newestFirstPage(db, noteList, at.notes, SUPPORTER_PAGE_SIZE),
    newestFirstPage(db, pledgeList, at.pledges, SUPPORTER_PAGE_SIZE),
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
    checkoutDetails: checkoutDetailsFor(supporter),
    entitlements,
    subscriptions: {
      ...subs,
      rows: subs.rows.map(({ sub, planName, campaignName }) => ({
        id: sub.id,
        kind: sub.kind,
        what: planName ?? t("admin.error.supporter.monthlyGiftTo", { campaign: campaignName }),
        amountMinor: sub.amountMinor,
        currency: sub.currency,
        status: sub.status,
        currentPeriodEnd: sub.currentPeriodEnd,
        cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
        pausedUntil: sub.pausedUntil,
        lastFailureReason: sub.lastFailureReason,
        nextRetryAt: sub.nextRetryAt,
        updating: sub.pendingChange !== null,
        canChange: isRunning(sub.status) && !sub.cancelAtPeriodEnd && sub.pendingChange === null,
      })),
    },
    payments: {
      ...paid,
      rows: paid.rows.map(({ receiptDescription, ...p }) => ({ ...p, description: receiptDescription ?? p.kind })),
    },
    emails: {
      ...mail,
      rows: mail.rows.map((m) => ({ ...m, status: mailStatus(m) })),
    },
    notes,
    pledges: pledgeRows,
  };
}
export type SupporterForStaff = NonNullable<Awaited<ReturnType<typeof getSupporterForStaff>>>;

// ---------------------------------------------------------------------------------------------
// Contact details

const CONTACT_FIELDS = [
  "expectedUpdatedAt",
  "name",
  "email",
  "phone",
  "line1",
  "line2",
  "city",
  "state",
  "postalCode",
  "country",
] as const;

const ContactSchema = z
  .object({
    expectedUpdatedAt: z
      .string(lazyMessage("admin.error.supporter.reloadPageTryAgain"))
      .min(1, lazyMessage("admin.error.supporter.reloadPageTryAgain"))
      .max(40),
    name: name({ audience: "staff" }),
    // Optional: callers of the phone line may have no email address, as long as we have a phone number.
    email: optionalEmail,
    phone: optionalPhone,
  })
  // The database keeps every supporter reachable one way or the other.
  .refine((c) => c.email !== null || c.phone !== null, {
    path: ["email"],
    error: () => t("admin.error.supporter.enterEmailAddressPhone"),
  });

const ContactAddressSchema = postalAddress({ audience: "staff" });

export type ContactInput = z.infer<typeof ContactSchema> & { address: z.infer<typeof ContactAddressSchema> | null };

export function parseContactForm(
  formData: FormData,
): { ok: true; value: ContactInput; values: FormValues } | { ok: false; errors: FieldErrors; values: FormValues } {
  const values = formValues(formData, CONTACT_FIELDS);
  const contact = ContactSchema.safeParse(values);
  const address = addressGiven(values) ? ContactAddressSchema.safeParse(values) : null;
  const errors = {
    ...(contact.success ? {} : zodFieldErrors(contact.error)),
    ...(address && !address.success ? zodFieldErrors(address.error) : {}),
  };
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

export const concurrentEditMessage = (): string => t("admin.error.supporter.someoneElseChangedSupporter");

/**
 * Saves only if nobody saved since the form was loaded (`expectedUpdatedAt` is the page's
 * version token): the second of two staff saving is refused, and the first's save is kept.
 */
export async function updateSupporterContact(
  db: DB,
  input: { staff: Staff; supporterId: number } & ContactInput,
): Promise<{ ok: true } | StaffFailure> {
  let syncDue = false;
  const outcome = await db.transaction(async (tx) => {
    const [current] = await tx
      .select({ id: supporters.id, email: supporters.email, version: versionOf })
      .from(supporters)
      .where(and(eq(supporters.id, input.supporterId), isNull(supporters.erasedAt)))
      .for("update");
    if (!current) return failure("not_found", t("admin.error.supporter.notFound"));
    if (current.version !== input.expectedUpdatedAt) return failure("conflict", concurrentEditMessage());
    if (input.email) {
      const [taken] = await tx
        .select({ id: supporters.id })
        .from(supporters)
        .where(and(eq(supporters.emailKey, input.email.toLowerCase()), ne(supporters.id, input.supporterId)));
      if (taken)
        return failure("invalid", t("admin.error.supporter.pleaseCheckForm"), {
          email: t("admin.error.supporter.anotherSupporterAlreadyHas"),
        });
    } else if (current.email && (await hasLiveSubscription(tx, input.supporterId))) {
      return failure("invalid", t("admin.error.supporter.pleaseCheckForm"), {
        email: t("admin.error.supporter.supporterGivesByCard"),
      });
    }
    await tx
      .update(supporters)
      .set({
        name: input.name,
        email: input.email,
        phone: input.phone,
        ...postalColumns(input.address),
        detailsFromCheckoutId: null,
        updatedAt: sql`greatest(now(), ${supporters.updatedAt} + interval '1 microsecond')`,
      })
      .where(eq(supporters.id, input.supporterId));
    await recordAudit(tx, {
      actor: staffActor(input.staff),
      action: "supporter.update_contact",
      target: { type: "supporter", id: input.supporterId },
      details: { emailChanged: current.email !== input.email, hasAddress: input.address !== null },
    });
    // The Stripe customer learns the new name, email and address too (after the commit; ADR 036).
    syncDue = await markCustomerSyncDue(tx, { supporterId: input.supporterId });
    return { ok: true as const };
  });
  if (syncDue) kickCustomerSync(db, input.supporterId);
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Details given at checkout (ADR 027)

export const checkoutDetailsChangedMessage = (): string => t("admin.error.supporter.detailsGivenCheckoutChanged");

/**
 * What a checkout by someone else said about this supporter that their profile still does not:
 * compared again when read, so a profile edited to match since shows nothing. `token` names the
 * details staff saw (a newer checkout replaces them), for the accept and ignore forms.
 */
function checkoutDetailsFor(supporter: typeof supporters.$inferSelect) {
  const given = supporter.checkoutDetails;
  if (!given) return null;
  const differing = differingDetails(supporter, { name: given.name, phone: given.phone, address: given.address });
  if (Object.keys(differing).length === 0) return null;
  return {
    token: detailsToken(given),
    givenAt: given.givenAt,
    name: differing.name ? { given: differing.name, stored: supporter.name } : null,
    phone: differing.phone ? { given: differing.phone, stored: supporter.phone } : null,
    address: differing.address
      ? {
          given: formatAddress(differing.address),
          stored: formatAddress(addressOf(supporter) ?? { line1: "", city: "", postalCode: "", country: "" }),
        }
      : null,
  };
}

const detailsToken = (given: NonNullable<typeof supporters.$inferSelect.checkoutDetails>) =>
  `${given.checkoutId}@${given.givenAt}`;

export const CheckoutDetailsFormSchema = z.object({
  detailsToken: z.string().min(1).max(200),
  expectedUpdatedAt: z.string().max(40).optional(),
});

/**
 * Staff answer "details given at checkout differ". Accept copies them to the profile, but only
 * if nobody changed the profile since the page was loaded (the contact form's version token) and
 * they are still the details staff saw; Ignore discards them. Both are audited; neither says
 * what the details were (the audit log outlives a correction).
 */
export async function answerCheckoutDetails(
  db: DB,
  input: {
    staff: Staff;
    supporterId: number;
    answer: "accept" | "ignore";
    detailsToken: string;
    expectedUpdatedAt?: string;
  },
): Promise<{ ok: true } | StaffFailure> {
  let syncDue = false;
  const outcome = await db.transaction(async (tx) => {
    const [current] = await tx
      .select({ supporter: supporters, version: versionOf })
      .from(supporters)
      .where(and(eq(supporters.id, input.supporterId), isNull(supporters.erasedAt)))
      .for("update");
    if (!current) return failure("not_found", t("admin.error.supporter.notFound"));
    const given = current.supporter.checkoutDetails;
    if (!given || detailsToken(given) !== input.detailsToken)
      return failure("conflict", checkoutDetailsChangedMessage());
    let fields: string[] = [];
    if (input.answer === "accept") {
      if (current.version !== input.expectedUpdatedAt) return failure("conflict", concurrentEditMessage());
      const differing = differingDetails(current.supporter, {
        name: given.name,
        phone: given.phone,
        address: given.address,
      });
      fields = Object.keys(differing);
      await tx
        .update(supporters)
        .set({
          ...(differing.name ? { name: differing.name } : {}),
          ...(differing.phone ? { phone: differing.phone } : {}),
          ...(differing.address ? postalColumns(differing.address) : {}),
          checkoutDetails: null,
          detailsFromCheckoutId: null,
          updatedAt: sql`greatest(now(), ${supporters.updatedAt} + interval '1 microsecond')`,
        })
        .where(eq(supporters.id, input.supporterId));
    } else {
      await tx
        .update(supporters)
        .set({ checkoutDetails: null, detailsFromCheckoutId: null })
        .where(eq(supporters.id, input.supporterId));
    }
    await recordAudit(tx, {
      actor: staffActor(input.staff),
      action: input.answer === "accept" ? "supporter.accept_checkout_details" : "supporter.ignore_checkout_details",
      target: { type: "supporter", id: input.supporterId },
      details: { checkoutId: given.checkoutId, ...(input.answer === "accept" ? { fields } : {}) },
    });
    if (input.answer === "accept" && fields.length > 0)
      syncDue = await markCustomerSyncDue(tx, { supporterId: input.supporterId });
    return { ok: true as const };
  });
  if (syncDue) kickCustomerSync(db, input.supporterId);
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Notes and receipts

export const NoteSchema = z.object({
  body: z
    .string(lazyMessage("admin.error.supporter.writeNote"))
    .trim()
    .min(1, lazyMessage("admin.error.supporter.writeNote"))
    .max(5000, lazyMessage("admin.error.supporter.keepNoteUnder5000"))
    .refine(...noControl({ multiline: true })),
});

export async function addStaffNote(
  db: DB,
  { staff, supporterId, body }: { staff: Staff; supporterId: number; body: string },
): Promise<{ ok: true } | StaffFailure> {
  return db.transaction(async (tx) => {
    const [supporter] = await tx
      .select({ id: supporters.id })
      .from(supporters)
      .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
    if (!supporter) return failure("not_found", t("admin.error.supporter.notFound"));
    const note = one(
      await tx
        .insert(staffNotes)
        .values({ supporterId, staffUserId: staff.staffUserId, body })
        .returning({ id: staffNotes.id }),
      "insert staff note",
    );
    await recordAudit(tx, {
      actor: staffActor(staff),
      action: "supporter.note",
      target: { type: "supporter", id: supporterId },
      details: { noteId: note.id },
    });
    return { ok: true as const };
  });
}

/** Queues the receipt again, exactly as issued (the stored snapshot), to the supporter's current address. */
export async function resendReceipt(
  db: DB,
  { staff, supporterId, paymentId }: { staff: Staff; supporterId: number; paymentId: number },
): Promise<{ ok: true } | StaffFailure> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        snapshot: receipts.snapshot,
        email: supporters.email,
        locale: supporters.locale,
        discreet: campaigns.discreet,
        noEmail: sql<boolean>`coalesce(${checkouts.noEmail}, false)`,
      })
      .from(receipts)
      .innerJoin(payments, eq(payments.id, receipts.paymentId))
      .innerJoin(supporters, eq(supporters.id, payments.supporterId))
      .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
      .leftJoin(checkouts, eq(checkouts.id, payments.checkoutId))
      .where(
        and(eq(receipts.paymentId, paymentId), eq(payments.supporterId, supporterId), isNull(supporters.erasedAt)),
      );
    if (!row) return failure("not_found", t("admin.error.supporter.paymentHasNoReceipt"));
    if (!row.email) return failure("invalid", t("admin.error.supporter.supporterHasNoEmail"));
    // Discreet giving (ADR 051): the reader's choice of no email holds against staff too.
    if (row.noEmail) return failure("invalid", t("admin.error.supporter.donorAskedNoEmail"));
    const receipt = row.snapshot;
    await enqueueEmail(tx, {
      template: receipt.frequency === "monthly" ? "recurring-receipt" : "donation-receipt",
      to: row.email,
      locale: emailLocale(row.locale),
      discreet: row.discreet,
      idempotencyKey: `receipt:${paymentId}:resend:${randomUUID()}`,
      props: { receipt },
    });
    await recordAudit(tx, {
      actor: staffActor(staff),
      action: "payment.resend_receipt",
      target: { type: "payment", id: paymentId },
      details: { receiptNumber: receipt.receiptNumber },
    });
    return { ok: true as const };
  });
}
