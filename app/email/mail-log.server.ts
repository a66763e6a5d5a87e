import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { exactTime, keyset, newestFirstPage } from "@db/keyset.server";
import { one } from "@db/rows";
import { outbox } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { isPruned } from "~/jobs/outbox-pruning.server";
import { canResend, mailStatus } from "./mail-status";

const MAIL_PAGE = 50;
/** A position in the mail log: when the email was queued, then its id. */
const byCreatedAndId = keyset(["time", "uuid"]);

/**
 * The outbox, newest first, a keyset page at a time from `before` (a cursor from an earlier page;
 * anything else is the first page). Props are never shown: they may hold anything.
 */
export async function listMail(db: DB, { before, limit = MAIL_PAGE }: { before?: string | null; limit?: number }) {
  const position = byCreatedAndId.parse(before);
  const page = await newestFirstPage(
    db,
    {
      table: outbox,
      keyset: byCreatedAndId,
      scope: undefined,
      at: outbox.createdAt,
      id: outbox.id,
      query: () =>
        db
          .select({
            id: outbox.id,
            template: outbox.template,
            toEmail: outbox.toEmail,
            attempts: outbox.attempts,
            createdAt: outbox.createdAt,
            sentAt: outbox.sentAt,
            failedAt: outbox.failedAt,
            supersededAt: outbox.supersededAt,
            lastError: outbox.lastError,
            cursorAt: exactTime(outbox.createdAt),
          })
          .from(outbox)
          .$dynamic(),
    },
    position ? { before: position } : undefined,
    limit,
  );
  return { ...page, rows: page.rows.map((r) => ({ ...r, status: mailStatus(r) })) };
}

/**
 * Queues a copy of a sent or failed message under a new idempotency key; the worker sends it as any
 * other. The copy carries the same sealed link (or, for a sign-in email, a new one minted at send
 * time); a message whose props were pruned has nothing left to send.
 */
export async function resendMail(
  db: DB,
  { outboxId, staffUserId }: { outboxId: string; staffUserId: number },
): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [original] = await tx.select().from(outbox).where(eq(outbox.id, outboxId));
    if (!original || !canResend(mailStatus(original)) || isPruned(original.props)) return null;
    const copy = one(
      await tx
        .insert(outbox)
        .values({
          template: original.template,
          toEmail: original.toEmail,
          props: original.props,
          idempotencyKey: `resend:${original.id}:${randomUUID()}`,
        })
        .returning({ id: outbox.id }),
      "resendMail: insert the copy",
    );
    await recordAudit(tx, {
      actor: { type: "staff", id: staffUserId },
      action: "email.resend",
      target: { type: "outbox", id: original.id },
      details: { copyId: copy.id },
    });
    return copy.id;
  });
}
