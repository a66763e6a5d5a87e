import { and, desc, eq, gte, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { providerEvents, webhookFailures } from "@db/schema";

/** How long a resolved failure stays visible to staff before the retention job deletes it. */
export const RESOLVED_FAILURE_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60_000;

export type FailureResolution = "redelivered" | "replayed";

/**
 * Keeps (or counts again) a verified delivery that could not be applied. Runs outside the
 * rolled-back transaction. A delivery that another, parallel delivery has applied meanwhile is
 * not recorded; the small window left between the check and the write only leaves an open row
 * that a replay resolves without changing anything.
 */
export async function recordWebhookFailure(
  db: DB,
  {
    eventId,
    type,
    payload,
    error,
    now = new Date(),
  }: { eventId: string; type: string; payload: Record<string, unknown>; error: string; now?: Date },
): Promise<"recorded" | "already_applied"> {
  const [applied] = await db
    .select({ id: providerEvents.id })
    .from(providerEvents)
    .where(and(eq(providerEvents.id, eventId), isNotNull(providerEvents.processedAt)));
  if (applied) return "already_applied";
  await db
    .insert(webhookFailures)
    .values({ eventId, type, payload, error, attempts: 1, firstFailedAt: now, lastFailedAt: now })
    .onConflictDoUpdate({
      target: webhookFailures.eventId,
      set: {
        error,
        attempts: sql`${webhookFailures.attempts} + 1`,
        lastFailedAt: now,
        resolvedAt: null,
        resolution: null,
      },
    });
  return "recorded";
}

/** Marks an open failure resolved, in the transaction that applied the event. */
export async function resolveWebhookFailure(
  tx: DB,
  { eventId, resolution, now = new Date() }: { eventId: string; resolution: FailureResolution; now?: Date },
) {
  const resolved = await tx
    .update(webhookFailures)
    .set({ resolvedAt: now, resolution })
    .where(and(eq(webhookFailures.eventId, eventId), isNull(webhookFailures.resolvedAt)))
    .returning({ eventId: webhookFailures.eventId });
  return resolved.length > 0;
}

export function findWebhookFailure(db: DB, eventId: string) {
  return db
    .select()
    .from(webhookFailures)
    .where(eq(webhookFailures.eventId, eventId))
    .then((rows) => rows[0]);
}

const LISTED_COLUMNS = {
  eventId: webhookFailures.eventId,
  type: webhookFailures.type,
  error: webhookFailures.error,
  attempts: webhookFailures.attempts,
  firstFailedAt: webhookFailures.firstFailedAt,
  lastFailedAt: webhookFailures.lastFailedAt,
  resolvedAt: webhookFailures.resolvedAt,
  resolution: webhookFailures.resolution,
};

/**
 * For the payment-events page: every open failure, most recent first, and those resolved in the
 * last 30 days. Never the payload: it holds supporters' details.
 */
export async function listWebhookFailures(
  db: DB,
  { now = new Date(), limit = 200 }: { now?: Date; limit?: number } = {},
) {
  const open = await db
    .select(LISTED_COLUMNS)
    .from(webhookFailures)
    .where(isNull(webhookFailures.resolvedAt))
    .orderBy(desc(webhookFailures.lastFailedAt))
    .limit(limit);
  const resolved = await db
    .select(LISTED_COLUMNS)
    .from(webhookFailures)
    .where(gte(webhookFailures.resolvedAt, new Date(now.getTime() - RESOLVED_FAILURE_RETENTION_DAYS * DAY_MS)))
    .orderBy(desc(webhookFailures.resolvedAt))
    .limit(limit);
  return { open, resolved };
}

/** Retention: resolved failures older than 30 days go, payload and all. Open ones stay until handled. */
export async function deleteOldResolvedWebhookFailures(tx: DB, now: Date): Promise<number> {
  const deleted = await tx
    .delete(webhookFailures)
    .where(lt(webhookFailures.resolvedAt, new Date(now.getTime() - RESOLVED_FAILURE_RETENTION_DAYS * DAY_MS)))
    .returning({ eventId: webhookFailures.eventId });
  return deleted.length;
}
