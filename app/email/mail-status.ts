/**
 * What became of an outbox row, worked out in this one place for every page that shows it:
 * sent; failed (the mailer gave up, or the recipient was erased first); superseded (a newer email
 * about the same subscription went instead, so this one never will); otherwise still queued.
 */
export const MAIL_STATUSES = ["queued", "sent", "failed", "superseded"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

export type OutboxState = { sentAt: Date | null; failedAt: Date | null; supersededAt: Date | null };

export function mailStatus(row: OutboxState): MailStatus {
  if (row.sentAt) return "sent";
  if (row.failedAt) return "failed";
  if (row.supersededAt) return "superseded";
  return "queued";
}

/** When the row reached its status: sent, failed or superseded, or else when it was queued. */
export function mailStatusAt(row: OutboxState & { createdAt: Date }): Date {
  return row.sentAt ?? row.failedAt ?? row.supersededAt ?? row.createdAt;
}

/** Staff may queue a copy of a message that was sent or that failed; one queued is on its way, one superseded was replaced. */
export function canResend(status: MailStatus): boolean {
  return status === "sent" || status === "failed";
}
