import { and, asc, desc, eq, gt, isNull, like, lt, or, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, outbox, payments, plans, pledges, receipts, staffUsers, supporters } from "@db/schema";
import { mailStatus, mailStatusAt, type MailStatus } from "~/email/mail-status";
import { recordAudit } from "~/audit/audit.server";
import type { StaffSession } from "~/auth/staff-auth.server";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { formatPostalAddress } from "~/supporters/supporters.server";
import { one } from "@db/rows";

/**
 * What staff see of one payment and its receipt, and the printed receipts of supporters without
 * an email address: the list of those still to post, the print view, and "mark as posted".
 */

type Staff = Pick<StaffSession, "staffUserId">;

/**
 * How the receipt reached (or is to reach) the supporter. A receipt is "to post" while its
 * supporter has no email address and nobody marked it posted; erased supporters have no address
 * to post to.
 */
export type ReceiptDelivery =
  | { status: "posted"; postedAt: Date; postedBy: string | null }
  | { status: "emailed"; mail: MailStatus; at: Date }
  | { status: "to_post" }
  | { status: "not_sent" }
  | { status: "none" };

/** The receipt email of a payment: `receipt:<id>`, and resends `receipt:<id>:resend:<uuid>`. */
const receiptMailOf = (paymentId: number) =>
  or(eq(outbox.idempotencyKey, `receipt:${paymentId}`), like(outbox.idempotencyKey, `receipt:${paymentId}:%`));

/**
 * Receipts waiting to be printed and posted: issued to someone without an email address (flagged
 * at issue, so this reads a small partial index, never the ledger), not posted yet, and the
 * person not erased since.
 */
const toPost = and(eq(receipts.needsPosting, true), isNull(receipts.postedAt), isNull(supporters.erasedAt));

export async function getPaymentForStaff(db: DB, { paymentId }: { paymentId: number }) {
  const postedBy = staffUsers;
  const [row] = await db
    .select({
      payment: payments,
      campaignName: campaigns.name,
      planName: plans.name,
      supporter: {
        id: supporters.id,
        name: supporters.name,
        email: supporters.email,
        phone: supporters.phone,
        erasedAt: supporters.erasedAt,
      },
      receipt: {
        number: receipts.receiptNumber,
        issuedAt: receipts.issuedAt,
        snapshot: receipts.snapshot,
        postedAt: receipts.postedAt,
      },
      postedByName: postedBy.name,
    })
    .from(payments)
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .leftJoin(plans, eq(plans.id, payments.planId))
    .leftJoin(receipts, eq(receipts.paymentId, payments.id))
    .leftJoin(postedBy, eq(postedBy.id, receipts.postedByStaffId))
    .where(eq(payments.id, paymentId));
  if (!row) return null;
  const [[mail], [pledge], [recordedBy]] = await Promise.all([
    db
      .select({
        sentAt: outbox.sentAt,
        failedAt: outbox.failedAt,
        supersededAt: outbox.supersededAt,
        createdAt: outbox.createdAt,
      })
      .from(outbox)
      .where(receiptMailOf(paymentId))
      .orderBy(desc(outbox.createdAt))
      .limit(1),
    db.select({ id: pledges.id }).from(pledges).where(eq(pledges.paymentId, paymentId)).limit(1),
    row.payment.recordedByStaffId
      ? db.select({ name: staffUsers.name }).from(staffUsers).where(eq(staffUsers.id, row.payment.recordedByStaffId))
      : Promise.resolve([]),
  ]);
  const { payment, supporter, receipt } = row;
  const delivery: ReceiptDelivery = !receipt
    ? { status: "none" }
    : receipt.postedAt
      ? { status: "posted", postedAt: receipt.postedAt, postedBy: row.postedByName }
      : mail
        ? {
            status: "emailed",
            mail: mailStatus(mail),
            at: mailStatusAt(mail),
          }
        : supporter.email === null && supporter.erasedAt === null
          ? { status: "to_post" }
          : { status: "not_sent" };
  return {
    payment: {
      id: payment.id,
      receiptNumber: payment.receiptNumber,
      paidAt: payment.paidAt,
      kind: payment.kind,
      method: payment.method,
      provider: payment.provider,
      reference: payment.reference,
      amountMinor: payment.amountMinor,
      feeCoverMinor: payment.feeCoverMinor,
      refundedMinor: payment.refundedMinor,
      currency: payment.currency,
      recordedBy: recordedBy?.name ?? null,
      message: payment.message,
      messageStatus: payment.messageStatus,
      anonymous: payment.anonymous,
    },
    description: receipt?.snapshot?.description ?? null,
    campaignName: row.campaignName,
    planName: row.planName,
    supporter: {
      id: supporter.id,
      name: supporter.name,
      email: supporter.email,
      phone: supporter.phone,
      erased: supporter.erasedAt !== null,
    },
    pledgeId: pledge?.id ?? null,
    hasReceipt: receipt !== null,
    delivery,
  };
}
export type PaymentForStaff = NonNullable<Awaited<ReturnType<typeof getPaymentForStaff>>>;

/**
 * The receipt as issued (its snapshot never changes), with what the letter needs today: the
 * supporter's current postal address for the envelope window and the organisation's current
 * return address.
 */
export async function getPrintableReceipt(db: DB, { paymentId }: { paymentId: number }) {
  const [row] = await db
    .select({
      snapshot: receipts.snapshot,
      postedAt: receipts.postedAt,
      refundedMinor: payments.refundedMinor,
      supporter: supporters,
    })
    .from(receipts)
    .innerJoin(payments, eq(payments.id, receipts.paymentId))
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .where(eq(receipts.paymentId, paymentId));
  if (!row) return null;
  const settings = await getOrganisationSettings(db);
  return {
    paymentId,
    receipt: row.snapshot,
    refundedMinor: row.refundedMinor,
    postedAt: row.postedAt,
    // Erasure blanks the address: there is nothing to post to then.
    postalAddress: row.supporter.erasedAt ? null : formatPostalAddress(row.supporter),
    sender: {
      name: settings.orgName,
      address: settings.contactAddress,
      email: settings.contactEmail,
      phone: settings.phone,
    },
  };
}
export type PrintableReceipt = NonNullable<Awaited<ReturnType<typeof getPrintableReceipt>>>;

/** Oldest first (post them in the order they came in), keyset-paginated by payment id. */
export async function listReceiptsToPost(db: DB, { after, limit = 50 }: { after?: number; limit?: number } = {}) {
  const rows = await db
    .select({
      paymentId: payments.id,
      receiptNumber: receipts.receiptNumber,
      paidAt: payments.paidAt,
      amountMinor: payments.amountMinor,
      refundedMinor: payments.refundedMinor,
      currency: payments.currency,
      method: payments.method,
      supporterId: supporters.id,
      supporterName: supporters.name,
      hasAddress: sql<boolean>`${supporters.addressLine1} is not null`,
    })
    .from(receipts)
    .innerJoin(payments, eq(payments.id, receipts.paymentId))
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .where(and(toPost, after ? gt(payments.id, after) : undefined))
    .orderBy(asc(payments.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, next: rows.length > limit ? (page.at(-1)?.paymentId ?? null) : null };
}
export type ReceiptToPost = Awaited<ReturnType<typeof listReceiptsToPost>>["rows"][number];

/** The ledger, newest first, keyset-paginated by payment id. */
export async function listRecentPayments(db: DB, { before, limit = 50 }: { before?: number; limit?: number } = {}) {
  const rows = await db
    .select({
      paymentId: payments.id,
      receiptNumber: payments.receiptNumber,
      paidAt: payments.paidAt,
      kind: payments.kind,
      method: payments.method,
      amountMinor: payments.amountMinor,
      refundedMinor: payments.refundedMinor,
      currency: payments.currency,
      campaignName: campaigns.name,
      supporterId: supporters.id,
      supporterName: supporters.name,
      erased: sql<boolean>`${supporters.erasedAt} is not null`,
    })
    .from(payments)
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .where(before ? lt(payments.id, before) : undefined)
    .orderBy(desc(payments.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, next: rows.length > limit ? (page.at(-1)?.paymentId ?? null) : null };
}

export async function countReceiptsToPost(db: DB): Promise<number> {
  const row = one(
    await db
      .select({ count: sql<number>`count(*)::int` })
      .from(receipts)
      .innerJoin(payments, eq(payments.id, receipts.paymentId))
      .innerJoin(supporters, eq(supporters.id, payments.supporterId))
      .where(toPost),
    "count receipts to post",
  );
  return row.count;
}

export type MarkPostedOutcome =
  { status: "posted" } | { status: "already_posted"; postedAt: Date } | { status: "not_found" };

/**
 * Records that the printed receipt went in the post. Only the first marking counts (a double
 * submit or two staff at once change nothing more), and it is audit-logged.
 */
export async function markReceiptPosted(
  db: DB,
  { staff, paymentId, now = new Date() }: { staff: Staff; paymentId: number; now?: Date },
): Promise<MarkPostedOutcome> {
  return db.transaction(async (tx) => {
    const [marked] = await tx
      .update(receipts)
      .set({ postedAt: now, postedByStaffId: staff.staffUserId })
      .where(and(eq(receipts.paymentId, paymentId), isNull(receipts.postedAt)))
      .returning({ receiptNumber: receipts.receiptNumber });
    if (!marked) {
      const [existing] = await tx
        .select({ postedAt: receipts.postedAt })
        .from(receipts)
        .where(eq(receipts.paymentId, paymentId));
      return existing?.postedAt
        ? { status: "already_posted" as const, postedAt: existing.postedAt }
        : { status: "not_found" as const };
    }
    await recordAudit(tx, {
      actor: { type: "staff", id: staff.staffUserId },
      action: "receipt.mark_posted",
      target: { type: "payment", id: paymentId },
      details: { receiptNumber: marked.receiptNumber },
    });
    return { status: "posted" as const };
  });
}
