import { sql } from "drizzle-orm";
import { rowsOf, type DB } from "@db/client.server";

/** Advisory-lock namespace for scheduled jobs (the migration lock uses the one-key form). */
const JOB_LOCK_NAMESPACE = 727_002;

export const JOB_KEYS = { renewalReminders: 1, cardExpiryReminders: 2, retention: 3, pledgeLinks: 4, subscriptionFigures: 5, outboxPruning: 6 } as const;

/**
 * Runs a job in one transaction, only if no other app process is running it right now: the
 * transaction-scoped advisory lock is released when the transaction ends, even if the
 * process dies. Returns null when another process holds it.
 */
export async function runExclusive<T>(db: DB, key: number, job: (tx: DB) => Promise<T>): Promise<T | null> {
  return db.transaction(async (tx) => {
    const result = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(${JOB_LOCK_NAMESPACE}::int, ${key}::int) as locked`);
    const rows = rowsOf<{ locked: boolean }>(result);
    if (!rows[0]?.locked) return null;
    return job(tx);
  });
}
