import { sql } from "drizzle-orm";
import { rowsOf, type DB } from "@db/client.server";

/** Advisory-lock namespace for scheduled jobs (the migration lock uses the one-key form). */
const JOB_LOCK_NAMESPACE = 727_002;

export const JOB_KEYS = {
  renewalReminders: 1,
  cardExpiryReminders: 2,
  retention: 3,
  pledgeLinks: 4,
  subscriptionFigures: 5,
  outboxPruning: 6,
  stripeCustomerSync: 7,
} as const;

/**
 * Runs a job in one transaction, only if no other app process is running it right now: the
 * transaction-scoped advisory lock is released when the transaction ends, even if the
 * process dies. Returns null when another process holds it.
 */
export async function runExclusive<T>(db: DB, key: number, job: (tx: DB) => Promise<T>): Promise<T | null> {
  return db.transaction(async (tx) => {
    const result = await tx.execute<{ locked: boolean }>(
      sql`select pg_try_advisory_xact_lock(${JOB_LOCK_NAMESPACE}::int, ${key}::int) as locked`,
    );
    const rows = rowsOf<{ locked: boolean }>(result);
    if (!rows[0]?.locked) return null;
    return job(tx);
  });
}

class JobBusy extends Error {}

/**
 * Runs a job for one period, unless some app process has run it for that period already
 * ("already-done"); null when a run without a period (runExclusive) holds the job's lock.
 * The claim comes first and waits: the `counters` row is locked by whichever process is running
 * the job for this period or the one before, so a second process waits for that run to end and
 * then sees the period taken (or, if that run failed and rolled its claim back, takes it).
 */
export async function runOncePerPeriod<T>(
  db: DB,
  key: number,
  periodStart: Date,
  job: (tx: DB) => Promise<T>,
): Promise<T | "already-done" | null> {
  try {
    return await db.transaction(async (tx) => {
      if (!(await claimJobPeriod(tx, key, periodStart))) return "already-done" as const;
      const result = await tx.execute<{ locked: boolean }>(
        sql`select pg_try_advisory_xact_lock(${JOB_LOCK_NAMESPACE}::int, ${key}::int) as locked`,
      );
      // Throwing rolls the claim back with the transaction: the next attempt may take it.
      if (!rowsOf<{ locked: boolean }>(result)[0]?.locked) throw new JobBusy();
      return job(tx);
    });
  } catch (error) {
    if (error instanceof JobBusy) return null;
    throw error;
  }
}

/**
 * Marks a job's period as run, inside the job's transaction (so a failed run gives it back). The
 * `counters` row `job:<key>` holds the start of the latest period run, in milliseconds since the
 * epoch: no new table. False when that period (or a later one) was run already.
 */
async function claimJobPeriod(tx: DB, key: number, periodStart: Date): Promise<boolean> {
  const start = periodStart.getTime();
  const result = await tx.execute<{ value: string }>(sql`
    insert into counters (name, value) values (${`job:${key}`}, ${start})
    on conflict (name) do update set value = excluded.value where counters.value < excluded.value
    returning value`);
  return rowsOf(result).length > 0;
}
