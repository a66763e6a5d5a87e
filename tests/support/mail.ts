import type { DB } from "@db/client.server";
import type { Mailer, OutgoingEmail } from "~/email/mailer.server";
import { drainOutbox } from "~/email/worker.server";

/** Sends everything due through a mailer that keeps each message, as the recipient would get it. */
export async function sendQueuedMail(db: DB): Promise<OutgoingEmail[]> {
  const sent: OutgoingEmail[] = [];
  const mailer: Mailer = {
    // Keeps mail in memory, as the dev mailbox keeps it in a table.
    name: "mailbox",
    async send(message) {
      sent.push(message);
      return { providerMessageId: `capture:${sent.length}` };
    },
  };
  for (;;) {
    // PostgreSQL keeps microseconds and a Date milliseconds: a message queued within the same
    // millisecond would not be due yet "now" (the worker's next poll sends it; a test would miss it).
    const result = await drainOutbox(db, { mailer, batchSize: 50, now: new Date(Date.now() + 1) });
    if (result.sent + result.retried + result.failed + (result.skipped ?? 0) === 0) return sent;
  }
}
