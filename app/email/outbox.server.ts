import { sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { sealLinks } from "~/auth/link-seal.server";
import { outbox } from "@db/schema";
import type { EmailLocale, EmailTemplates, TemplateName } from "./templates";

/**
 * Queues an email inside the caller's transaction, so the state change and the mail it causes
 * commit together. The idempotency key makes a repeated command queue nothing new.
 *
 * `to: null` is a supporter of the phone line without an email address: nothing is queued
 * (their receipts wait in the admin's "receipts to post" list instead). Returns whether a
 * message was queued. Token links in the props are stored sealed: the outbox never holds a usable link.
 *
 * `supersedeKey` names what the message is about (`subscription:<id>`): such messages are sent
 * oldest first, and one with a newer message of the same key is never sent (see the worker).
 * Their time is the clock's at insert, not the transaction's start: the caller holds the row lock
 * of the thing by then, so that order is the order in which its changes happened.
 *
 * `locale` is the language the message is written in: the supporter's stored choice (stored in
 * the props, so the message reads the same however often it is retried).
 */
export async function enqueueEmail<T extends TemplateName>(tx: DB, message: OutboxMessage<T>): Promise<boolean> {
  const row = outboxRow(message);
  if (!row) return false;
  await tx
    .insert(outbox)
    .values({
      ...row,
      ...(message.supersedeKey ? { supersedeKey: message.supersedeKey, createdAt: sql`clock_timestamp()` } : {}),
    })
    .onConflictDoNothing({ target: outbox.idempotencyKey });
  return true;
}

export type OutboxMessage<T extends TemplateName> = {
  template: T;
  to: string | null;
  locale: EmailLocale;
  props: EmailTemplates[T];
  idempotencyKey: string;
  supersedeKey?: string;
  /** About a discreet campaign's gift: a neutral sender name and subject (ADR 051). */
  discreet?: boolean;
};

export type OutboxRow = {
  template: TemplateName;
  toEmail: string;
  props: Record<string, unknown>;
  idempotencyKey: string;
  discreet: boolean;
};

/** The outbox row a message is kept as (its links sealed, its language in its props); null without an address. */
export function outboxRow<T extends TemplateName>(message: OutboxMessage<T>): OutboxRow | null {
  if (message.to === null) return null;
  return {
    template: message.template,
    toEmail: message.to,
    props: sealLinks<EmailTemplates[T]>({ ...message.props, locale: message.locale }) as Record<string, unknown>,
    idempotencyKey: message.idempotencyKey,
    discreet: message.discreet ?? false,
  };
}
