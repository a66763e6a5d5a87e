import { desc, lt } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { auditLog } from "@db/schema";

/** Newest first, keyset-paginated by id. */
export async function listAuditEntries(db: DB, { before, limit = 50 }: { before?: number; limit?: number }) {
  return db
    .select()
    .from(auditLog)
    .where(before ? lt(auditLog.id, before) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(limit);
}
