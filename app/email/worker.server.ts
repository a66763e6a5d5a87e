import { and, asc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { SealedLinkError } from "~/auth/link-seal.server";
import { outbox } from "@db/schema";
import { getEnv } from "~/env.server";
import { logger } from "~/log.server";
import { mintRequestedSignInLink, ONION_SIGN_IN_LINK_INTENT, SIGN_IN_LINK_INTENT } from "~/supporters/sign-in.server";
import { getMailer, MailerError, redactEmails, type Mailer } from "./mailer.server";
import { isTemplateName, renderEmail } from "./render.server";

export const MAX_ATTEMPTS = 8;
/** A claimed row is invisible to other workers this long; a worker that dies mid-send frees it then. */
const LEASE_MS = 5 * 60_000;
const BASE_RETRY_MS = 30_000;
const MAX_RETRY_MS = 60 * 60_000;

type OutboxRow = typeof outbox.$inferSelect;
/** `skipped`, present only when it happened: sign-in requests for an address that is no supporter's. */
export type DrainResult = { sent: number; retried: number; failed: number; skipped?: number; superseded?: number };

/** 2^attempts × 30 s, capped at an hour, ±20 % so a burst of failures does not retry in step. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(2 ** attempts * BASE_RETRY_MS, MAX_RETRY_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Claims due rows and leases them by pushing next_attempt_at forward, in a transaction that
 * holds no lock while mail is sent. SKIP LOCKED lets any number of workers claim side by side
 * without ever claiming the same row.
 */
async function claimDueMessages(db: DB, { now, batchSize }: { now: Date; batchSize: number }): Promise<OutboxRow[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          isNull(outbox.sentAt),
          isNull(outbox.failedAt),
          isNull(outbox.supersededAt),
          lte(outbox.nextAttemptAt, now),
          noOlderUnsettled,
        ),
      )
      .orderBy(asc(outbox.nextAttemptAt))
      .limit(batchSize)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(outbox)
      .set({ attempts: sql`${outbox.attempts} + 1`, nextAttemptAt: new Date(now.getTime() + LEASE_MS) })
      .where(
        inArray(
          outbox.id,
          due.map((row) => row.id),
        ),
      )
      .returning();
  });
}

/**
 * Messages with a supersede key wait for every older one of their key to be settled (sent,
 * failed or superseded): one in flight can never reach the inbox after a newer one.
 */
const noOlderUnsettled = sql`("outbox"."supersede_key" is null or not exists (
  select 1 from "outbox" as "older"
  where "older"."supersede_key" = "outbox"."supersede_key"
    and ("older"."created_at", "older"."id") < ("outbox"."created_at", "outbox"."id")
    and "older"."sent_at" is null and "older"."failed_at" is null and "older"."superseded_at" is null))`;

/** A newer message about the same thing exists (queued, sent or not). */
const newerExists = sql`exists (
  select 1 from "outbox" as "newer"
  where "newer"."supersede_key" = "outbox"."supersede_key"
    and ("newer"."created_at", "newer"."id") > ("outbox"."created_at", "outbox"."id"))`;

/**
 * Checked just before sending: a newer message about the same thing describes its state now,
 * so this one is not sent (marked superseded). Newer ones queued after this check wait for this
 * one to be settled (noOlderUnsettled), so the last to arrive is always the newest.
 */
async function supersedeIfNewerExists(
  db: DB,
  row: OutboxRow,
  leaseHeld: ReturnType<typeof and>,
  now: Date,
): Promise<boolean> {
  if (!row.supersedeKey) return false;
  const superseded = await db
    .update(outbox)
    .set({ supersededAt: now })
    .where(and(leaseHeld, newerExists))
    .returning({ id: outbox.id });
  return superseded.length > 0;
}

type Outcome = keyof Required<DrainResult>;

async function deliver(db: DB, row: OutboxRow, mailer: Mailer, clock: () => Date): Promise<Outcome> {
  // Only the lease holder may settle the row: if our lease ran out and another worker took it,
  // attempts has moved on and these updates match nothing.
  const leaseHeld = and(
    eq(outbox.id, row.id),
    eq(outbox.attempts, row.attempts),
    isNull(outbox.sentAt),
    isNull(outbox.failedAt),
  );
  const context = { outboxId: row.id, template: row.template, attempts: row.attempts };

  const fail = async (lastError: string): Promise<Outcome> => {
    await db.update(outbox).set({ failedAt: clock(), lastError }).where(leaseHeld);
    logger.error({ ...context, error: lastError }, "email failed for good");
    return "failed";
  };

  if (!isTemplateName(row.template)) return fail(`unknown template ${row.template}`);
  // Only reachable when workers died mid-send again and again.
  if (row.attempts > MAX_ATTEMPTS) return fail(`gave up after ${MAX_ATTEMPTS} attempts`);
  if (await supersedeIfNewerExists(db, row, leaseHeld, clock())) {
    logger.info(context, "email superseded by a newer one about the same subscription: not sent");
    return "superseded";
  }

  let providerMessageId: string | null;
  try {
    let { toEmail: to, props, discreet } = row;
    if (props.url === SIGN_IN_LINK_INTENT || props.url === ONION_SIGN_IN_LINK_INTENT) {
      const link = await mintRequestedSignInLink(db, {
        outboxId: row.id,
        email: row.toEmail,
        now: clock(),
        onion: props.url === ONION_SIGN_IN_LINK_INTENT,
      });
      if (!link) {
        // Nobody to sign in: nothing is sent and the typed address is not kept.
        await db.delete(outbox).where(leaseHeld);
        logger.info(context, "sign-in email skipped: no supporter has that address");
        return "skipped";
      }
      ({ to } = link);
      discreet ||= link.discreet;
      props = { ...props, url: link.url, locale: link.locale };
    }
    const email = await renderEmail(row.template, props as never, { discreet });
    ({ providerMessageId } = await mailer.send({ outboxId: row.id, to, discreet, ...email }));
  } catch (error) {
    // A render error is a bug a deploy may fix, so it is retried like a provider outage.
    // A link sealed under another SESSION_SECRET will never open: no use retrying.
    const retryable = error instanceof MailerError ? error.retryable : !(error instanceof SealedLinkError);
    const lastError = redactEmails(error instanceof Error ? error.message : String(error)).slice(0, 1000);
    if (!retryable) return fail(lastError);
    if (row.attempts >= MAX_ATTEMPTS) return fail(`gave up after ${row.attempts} attempts: ${lastError}`);
    const delay = Math.max(retryDelayMs(row.attempts), error instanceof MailerError ? (error.retryAfterMs ?? 0) : 0);
    const nextAttemptAt = new Date(clock().getTime() + delay);
    await db.update(outbox).set({ nextAttemptAt, lastError }).where(leaseHeld);
    logger.warn({ ...context, error: lastError, nextAttemptAt }, "email will be retried");
    return "retried";
  }

  const settled = await db
    .update(outbox)
    .set({ sentAt: clock(), providerMessageId, lastError: null })
    .where(leaseHeld)
    .returning({ id: outbox.id });
  if (settled.length === 0) logger.warn(context, "email sent after its lease ran out");
  logger.info({ ...context, mailer: mailer.name, providerMessageId }, "email sent");
  return "sent";
}

/** Sends what is due, once each. Safe to run from any number of processes at once. */
export async function drainOutbox(
  db: DB,
  options: { mailer: Mailer; now?: Date; batchSize?: number },
): Promise<DrainResult> {
  const clock = () => options.now ?? new Date();
  const batchSize = options.batchSize ?? 10;
  const result: DrainResult = { sent: 0, retried: 0, failed: 0 };
  // A superseded message frees the newer one waiting behind it: claimed in the same run.
  for (let round = 0; round < 5; round++) {
    const claimed = await claimDueMessages(db, { now: clock(), batchSize });
    let superseded = 0;
    for (const row of claimed) {
      const outcome = await deliver(db, row, options.mailer, clock);
      result[outcome] = (result[outcome] ?? 0) + 1;
      if (outcome === "superseded") superseded++;
    }
    if (superseded === 0) break;
  }
  return result;
}

export type OutboxWorker = { stop(): Promise<void>; kick(): void };

/**
 * Polls the outbox. Runs never overlap; a full batch is followed at once by another, and
 * `kick()` (after enqueueing) starts a run without waiting for the interval. Errors are
 * logged and the next poll tries again.
 */
export function startOutboxWorker(
  db: DB,
  options: { intervalMs?: number; mailer?: Mailer; batchSize?: number } = {},
): OutboxWorker {
  const intervalMs = options.intervalMs ?? getEnv().OUTBOX_POLL_MS;
  const batchSize = options.batchSize ?? 10;
  const mailer = options.mailer ?? getMailer(db);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let kicked = false;
  let stopped = false;

  const schedule = (delayMs: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, delayMs);
    timer.unref();
  };

  const runOnce = async () => {
    try {
      let again = true;
      while (again && !stopped) {
        kicked = false;
        const result = await drainOutbox(db, { mailer, batchSize });
        again =
          kicked ||
          result.sent + result.retried + result.failed + (result.skipped ?? 0) + (result.superseded ?? 0) >= batchSize;
      }
    } catch (error) {
      logger.error(
        { err: error instanceof Error ? { message: redactEmails(error.message) } : undefined },
        "outbox worker run failed",
      );
    }
  };

  function run() {
    timer = undefined;
    running = runOnce().finally(() => {
      running = undefined;
      schedule(intervalMs);
    });
  }

  schedule(0);

  return {
    kick() {
      if (stopped) return;
      if (running) kicked = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
