import type { DB } from "@db/client.server";
import { outbox } from "@db/schema";
import type { EmailTemplates, TemplateName } from "./templates";

/**
 * Queues an email inside the caller's transaction, so the state change and the mail it causes
 * commit together. The idempotency key makes a repeated command queue nothing new.
 */
export async function enqueueEmail<T extends TemplateName>(
  tx: DB,
  message: { template: T; to: string; props: EmailTemplates[T]; idempotencyKey: string },
) {
  await tx
    .insert(outbox)
    .values({
      template: message.template,
      toEmail: message.to,
      props: message.props as Record<string, unknown>,
      idempotencyKey: message.idempotencyKey,
    })
    .onConflictDoNothing({ target: outbox.idempotencyKey });
}
