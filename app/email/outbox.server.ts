import type { DB } from "@db/client.server";
import { sealLinks } from "~/auth/link-seal.server";
import { outbox } from "@db/schema";
import type { EmailTemplates, TemplateName } from "./templates";

/**
 * Queues an email inside the caller's transaction, so the state change and the mail it causes
 * commit together. The idempotency key makes a repeated command queue nothing new.
 *
 * `to: null` is a supporter of the phone line without an email address: nothing is queued
 * (their receipts wait in the admin's "receipts to post" list instead). Returns whether a
 * message was queued. Token links in the props are stored sealed: the outbox never holds a usable link.
 */
export async function enqueueEmail<T extends TemplateName>(
  tx: DB,
  message: { template: T; to: string | null; props: EmailTemplates[T]; idempotencyKey: string },
): Promise<boolean> {
  if (message.to === null) return false;
  await tx
    .insert(outbox)
    .values({
      template: message.template,
      toEmail: message.to,
      props: sealLinks(message.props) as Record<string, unknown>,
      idempotencyKey: message.idempotencyKey,
    })
    .onConflictDoNothing({ target: outbox.idempotencyKey });
  return true;
}
