import { inArray } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { outbox } from "@db/schema";

/**
 * Which of these outbox idempotency keys are already queued: a job skips those before it mints
 * a sign-in link for the email (the unique key would drop the email, but not the link).
 */
export async function queuedKeys(tx: DB, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await tx.select({ key: outbox.idempotencyKey }).from(outbox).where(inArray(outbox.idempotencyKey, keys));
  return new Set(rows.map((r) => r.key));
}
