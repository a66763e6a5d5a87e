import { and, count, desc, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { campaigns, payments, staffUsers, supporters, type MessageStatus } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import type { StaffSession } from "~/auth/staff-auth.server";

/**
 * Messages of support: what readers wrote with their gift. Staff read each one before it may
 * appear anywhere public (the wall of solidarity): approve or hide, and change their mind later.
 * The writer's choice not to be named publicly is shown beside it; staff still see who wrote it.
 */

export const MESSAGE_LIST_SIZE = 50;

export type MessageForStaff = {
  paymentId: number;
  message: string;
  status: MessageStatus;
  paidAt: Date;
  amountMinor: number;
  currency: string;
  /** Ticked "don't show my name publicly" with this gift. */
  anonymous: boolean;
  supporter: { id: number; name: string; erased: boolean };
  campaignName: string;
  moderatedAt: Date | null;
  moderatedBy: string | null;
};

/** Newest first; `before` is the last row of the previous page (keyset). */
export async function listMessagesForStaff(
  db: DB,
  {
    status,
    before,
    limit = MESSAGE_LIST_SIZE,
  }: { status: MessageStatus; before?: { paidAt: Date; paymentId: number } | null; limit?: number },
): Promise<{ messages: MessageForStaff[]; next: { paidAt: Date; paymentId: number } | null }> {
  const moderator = staffUsers;
  const rows = await db
    .select({
      paymentId: payments.id,
      message: payments.message,
      status: payments.messageStatus,
      paidAt: payments.paidAt,
      amountMinor: payments.amountMinor,
      currency: payments.currency,
      anonymous: payments.anonymous,
      supporterId: supporters.id,
      supporterName: supporters.name,
      erasedAt: supporters.erasedAt,
      campaignName: campaigns.name,
      moderatedAt: payments.messageModeratedAt,
      moderatedBy: moderator.name,
    })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .leftJoin(moderator, eq(moderator.id, payments.messageModeratedByStaffId))
    .where(
      and(
        isNotNull(payments.message),
        eq(payments.messageStatus, status),
        before
          ? or(
              lt(payments.paidAt, before.paidAt),
              and(eq(payments.paidAt, before.paidAt), lt(payments.id, before.paymentId)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(payments.paidAt), desc(payments.id))
    .limit(limit + 1);
  const messages = rows.slice(0, limit).map((r) => ({
    paymentId: r.paymentId,
    message: r.message ?? "",
    status: r.status,
    paidAt: r.paidAt,
    amountMinor: r.amountMinor,
    currency: r.currency,
    anonymous: r.anonymous,
    supporter: { id: r.supporterId, name: r.supporterName, erased: r.erasedAt !== null },
    campaignName: r.campaignName,
    moderatedAt: r.moderatedAt,
    moderatedBy: r.moderatedBy,
  }));
  const last = messages.at(-1);
  return { messages, next: rows.length > limit && last ? { paidAt: last.paidAt, paymentId: last.paymentId } : null };
}

/** How many messages wait to be read: the admin navigation shows it. */
export async function countMessagesToReview(db: DB): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .where(and(isNotNull(payments.message), eq(payments.messageStatus, "pending"), isNull(supporters.erasedAt)));
  return row?.n ?? 0;
}

export const ModerateMessageSchema = z.object({
  intent: z.enum(["approve", "hide"], { message: "Choose Approve or Hide." }),
  paymentId: z.coerce.number({ message: "That message was not found." }).int().positive("That message was not found."),
});
export type ModerateMessageInput = z.infer<typeof ModerateMessageSchema>;

export type ModerateOutcome = { status: "done"; now: MessageStatus; was: MessageStatus } | { status: "not_found" };

/** Approve or hide one message; audited (which message and what, never its words). */
export async function moderateMessage(
  db: DB,
  { staff, paymentId, intent }: ModerateMessageInput & { staff: Pick<StaffSession, "staffUserId"> },
): Promise<ModerateOutcome> {
  const now: MessageStatus = intent === "approve" ? "approved" : "hidden";
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ status: payments.messageStatus })
      .from(payments)
      .innerJoin(supporters, eq(supporters.id, payments.supporterId))
      .where(and(eq(payments.id, paymentId), isNotNull(payments.message), isNull(supporters.erasedAt)))
      .for("update", { of: payments });
    if (!current) return { status: "not_found" } as const;
    if (current.status !== now) {
      await tx
        .update(payments)
        .set({ messageStatus: now, messageModeratedAt: sql`now()`, messageModeratedByStaffId: staff.staffUserId })
        .where(eq(payments.id, paymentId));
      await recordAudit(tx, {
        actor: { type: "staff", id: staff.staffUserId },
        action: intent === "approve" ? "message.approve" : "message.hide",
        target: { type: "payment", id: paymentId },
        details: { was: current.status },
      });
    }
    return { status: "done", now, was: current.status } as const;
  });
}
