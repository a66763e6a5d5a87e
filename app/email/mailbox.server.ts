import { desc, eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { devMailbox } from "@db/schema";

/** Newest first; the dev mailbox is a development aid, so a page of recent mail is enough. */
export async function listMailbox(db: DB, { limit = 100 }: { limit?: number } = {}) {
  return db
    .select({
      id: devMailbox.id,
      toEmail: devMailbox.toEmail,
      subject: devMailbox.subject,
      createdAt: devMailbox.createdAt,
    })
    .from(devMailbox)
    .orderBy(desc(devMailbox.id))
    .limit(limit);
}

export async function getMailboxMessage(db: DB, { id }: { id: number }) {
  const [row] = await db.select().from(devMailbox).where(eq(devMailbox.id, id));
  return row ?? null;
}
