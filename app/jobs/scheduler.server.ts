import type { DB } from "@db/client.server";
import { describeError, logger } from "~/log.server";
import { sendCardExpiryReminders } from "./card-expiry-reminders.server";
import { JOB_KEYS, runExclusive } from "./job-lock.server";
import { pruneOutboxPayloads, type OutboxPruningReport } from "./outbox-pruning.server";
import { processPledgeLinks } from "./pledge-links.server";
import { foldSubscriptionFigures } from "~/reports/dashboard.server";
import { sendRenewalReminders } from "./renewal-reminders.server";
import { applyRetention, type RetentionReport } from "./retention.server";

/** "busy": another app process was running that job at the time. */
export type JobOutcome<T> = ({ status: "done" } & T) | { status: "busy" } | { status: "failed" };
export type JobsReport = {
  renewalReminders: JobOutcome<{ queued: number }>;
  cardExpiryReminders: JobOutcome<{ queued: number }>;
  retention: JobOutcome<RetentionReport>;
  pledgeLinks: JobOutcome<{ reminded: number; expired: number }>;
  subscriptionFigures: JobOutcome<{ folded: number }>;
  outboxPruning: JobOutcome<OutboxPruningReport>;
};

/** Every job is idempotent (outbox idempotency keys, erasure of the not-yet-erased), so running often is safe. */
export const DEFAULT_JOBS_INTERVAL_MS = 60 * 60_000;

async function runJob<T extends object>(db: DB, name: keyof typeof JOB_KEYS, now: Date, job: (tx: DB, now: Date) => Promise<T>): Promise<JobOutcome<T>> {
  try {
    const result = await runExclusive(db, JOB_KEYS[name], (tx) => job(tx, now));
    return result === null ? { status: "busy" } : { status: "done", ...result };
  } catch (error) {
    // One job failing leaves the others to run; the next run tries again.
    logger.error({ job: name, err: describeError(error) }, "scheduled job failed");
    return { status: "failed" };
  }
}

/** One pass of every scheduled job, each in its own transaction. */
export async function runJobsOnce(db: DB, now = new Date()): Promise<JobsReport> {
  const report: JobsReport = {
    renewalReminders: await runJob(db, "renewalReminders", now, sendRenewalReminders),
    cardExpiryReminders: await runJob(db, "cardExpiryReminders", now, sendCardExpiryReminders),
    retention: await runJob(db, "retention", now, applyRetention),
    pledgeLinks: await runJob(db, "pledgeLinks", now, processPledgeLinks),
    subscriptionFigures: await runJob(db, "subscriptionFigures", now, foldSubscriptionFigures),
    outboxPruning: await runJob(db, "outboxPruning", now, pruneOutboxPayloads),
  };
  logger.info({ report }, "scheduled jobs ran");
  return report;
}

export type ScheduledJobs = { stop(): Promise<void> };

/**
 * Runs the jobs soon after start and then every `intervalMs`. Runs never overlap in one process;
 * across processes the advisory locks let one of them do each job.
 */
export function startScheduledJobs(db: DB, { intervalMs = DEFAULT_JOBS_INTERVAL_MS, firstRunAfterMs = 10_000 }: { intervalMs?: number; firstRunAfterMs?: number } = {}): ScheduledJobs {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runJobsOnce(db)
        .catch((error) => logger.error({ err: describeError(error) }, "scheduled jobs run failed"))
        .finally(() => {
          running = undefined;
          schedule(intervalMs);
        });
    }, delayMs);
    timer.unref();
  };

  schedule(firstRunAfterMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
