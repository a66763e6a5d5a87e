import { and, eq, gt, isNull, lte } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { pledges } from "@db/schema";
import { issueLink, PLEDGE_LINK_TTL_MS, PLEDGE_REMINDER_AFTER_MS } from "~/pledges/pledges.server";

/**
 * Phone pledges paid by link: one reminder 3 days after the link was sent if still unpaid, and
 * pending links past their 14 days marked expired (their /pay page then says so; staff can
 * resend). Only hashes of links are stored, so a reminder carries a fresh link with the same
 * expiry, and the /pay page of the older one points to the newest email.
 */
export async function processPledgeLinks(tx: DB, now: Date): Promise<{ reminded: number; expired: number }> {
  const expired = await tx
    .update(pledges)
    .set({ status: "expired", updatedAt: now })
    .where(and(eq(pledges.status, "pending"), eq(pledges.payMethod, "link"), lte(pledges.expiresAt, now)))
    .returning({ id: pledges.id });
  // A link sent at T expires at T + 14 days: due for its reminder once T + 3 days has passed.
  const remindBy = new Date(now.getTime() + PLEDGE_LINK_TTL_MS - PLEDGE_REMINDER_AFTER_MS);
  const due = await tx
    .select()
    .from(pledges)
    .where(
      and(
        eq(pledges.status, "pending"),
        eq(pledges.payMethod, "link"),
        isNull(pledges.reminderSentAt),
        gt(pledges.expiresAt, now),
        lte(pledges.expiresAt, remindBy),
      ),
    )
    .for("update", { skipLocked: true });
  for (const pledge of due) {
    await issueLink(tx, pledge, { reminder: true });
    await tx.update(pledges).set({ reminderSentAt: now }).where(eq(pledges.id, pledge.id));
  }
  return { reminded: due.length, expired: expired.length };
}
