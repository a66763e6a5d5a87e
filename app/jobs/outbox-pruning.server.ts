import { and, inArray, lt, or, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { devMailbox, outbox } from "@db/schema";

/**
 * How long a settled email keeps its props (receipt details, a sealed link): longer than any link
 * lives (a pledge's 14 days), so the mail log can resend a message while its link could still
 * work; after that the props serve nothing. docs/decisions/030-sign-in-limits-and-links-at-rest.md
 */
export const OUTBOX_PAYLOAD_DAYS = 14;
/** Rows emptied per run, so one run's transaction stays short; the next run carries on. */
export const OUTBOX_PRUNE_BATCH = 2000;

export type OutboxPruningReport = { pruned: number; mailboxDeleted: number };

/**
 * Empties the props of mail sent or given up on more than OUTBOX_PAYLOAD_DAYS ago (the row stays:
 * who was sent what, when, for the mail log), and deletes dev-mailbox copies as old. The dev
 * mailbox only ever fills where no Resend key is set, i.e. in development.
 */
export async function pruneOutboxPayloads(tx: DB, now: Date): Promise<OutboxPruningReport> {
  const cutoff = new Date(now.getTime() - OUTBOX_PAYLOAD_DAYS * 24 * 60 * 60_000);
  const due = tx
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(or(lt(outbox.sentAt, cutoff), lt(outbox.failedAt, cutoff)), sql`${outbox.props} <> '{}'::jsonb`))
    .limit(OUTBOX_PRUNE_BATCH);
  const pruned = await tx.update(outbox).set({ props: {} }).where(inArray(outbox.id, due)).returning({ id: outbox.id });
  const deleted = await tx.delete(devMailbox).where(lt(devMailbox.createdAt, cutoff)).returning({ id: devMailbox.id });
  return { pruned: pruned.length, mailboxDeleted: deleted.length };
}

/** A pruned message has nothing left to render: it cannot be resent. */
export function isPruned(props: Record<string, unknown>): boolean {
  return Object.keys(props).length === 0;
}
