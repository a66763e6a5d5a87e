import { z } from "zod";
import type { DB } from "@db/client.server";
import { describeError, logger } from "~/log.server";
import { countJobRuns } from "~/observability/metrics.server";
import { sendCardExpiryReminders } from "./card-expiry-reminders.server";
import { JOB_KEYS, runExclusive, runOncePerPeriod } from "./job-lock.server";
import { pruneOutboxPayloads, type OutboxPruningReport } from "./outbox-pruning.server";
import { processPledgeLinks } from "./pledge-links.server";
import { foldSubscriptionFigures } from "~/reports/dashboard.server";
import { sendRenewalReminders } from "./renewal-reminders.server";
import { applyRetention, type RetentionReport } from "./retention.server";
import { syncStripeCustomers } from "./stripe-customer-sync.server";

/**
 * "busy": another app process was running that job at the time. "already-done": a scheduled run
 * found this period's run done (by this or another app process).
 */
export type JobOutcome<T> =
  ({ status: "done" } & T) | { status: "busy" } | { status: "already-done" } | { status: "failed" };
export type JobsReport = {
  renewalReminders: JobOutcome<{ queued: number }>;
  cardExpiryReminders: JobOutcome<{ queued: number }>;
  retention: JobOutcome<RetentionReport>;
  pledgeLinks: JobOutcome<{ reminded: number; expired: number }>;
  subscriptionFigures: JobOutcome<{ folded: number }>;
  outboxPruning: JobOutcome<OutboxPruningReport>;
  stripeCustomerSync: JobOutcome<{ updated: number; failed: number; remaining: number }>;
};

/** Every job is idempotent (outbox idempotency keys, erasure of the not-yet-erased), so running often is safe. */
export const DEFAULT_JOBS_INTERVAL_MS = 60 * 60_000;

/**
 * JOBS_INTERVAL_MS shortens the period for the several-servers test (tests/fleet), which needs
 * many periods in a minute. Read here, not in env.server.ts, because no installation needs it:
 * the jobs are hourly. Malformed or out of range, the start fails with one clear line.
 */
export function jobsIntervalMs(source: Record<string, string | undefined> = process.env): number {
  const raw = source.JOBS_INTERVAL_MS?.trim();
  if (!raw) return DEFAULT_JOBS_INTERVAL_MS;
  const parsed = z.coerce
    .number()
    .int()
    .min(1000)
    .max(24 * 60 * 60_000)
    .safeParse(raw);
  if (!parsed.success)
    throw new Error("JOBS_INTERVAL_MS: must be a whole number of milliseconds from 1000 to 86400000");
  return parsed.data;
}

/** The start of the period `now` falls in: periods are aligned to the epoch, so every process agrees on them. */
export function jobPeriodStart(now: Date, intervalMs: number): Date {
  return new Date(Math.floor(now.getTime() / intervalMs) * intervalMs);
}

async function runJob<T extends object>(
  db: DB,
  name: keyof typeof JOB_KEYS,
  now: Date,
  job: (tx: DB, now: Date) => Promise<T>,
  period?: Date,
): Promise<JobOutcome<T>> {
  try {
    // A scheduled run first claims its period, in the job's own transaction: a failed job gives
    // the claim back, so another process (or the next attempt) runs it.
    const result = period
      ? await runOncePerPeriod(db, JOB_KEYS[name], period, (tx) => job(tx, now))
      : await runExclusive(db, JOB_KEYS[name], (tx) => job(tx, now));
    if (result === "already-done") return { status: "already-done" };
    return result === null ? { status: "busy" } : { status: "done", ...result };
  } catch (error) {
    // One job failing leaves the others to run; the next run tries again.
    logger.error({ job: name, err: describeError(error) }, "scheduled job failed");
    return { status: "failed" };
  }
}

/**
 * One pass of every scheduled job, each in its own transaction. With `period`, a job already run
 * for that period (by any app process) is not run again; without it (tests, one-off runs) every
 * job runs.
 */
export async function runJobsOnce(db: DB, now = new Date(), { period }: { period?: Date } = {}): Promise<JobsReport> {
  const report: JobsReport = {
    renewalReminders: await runJob(db, "renewalReminders", now, sendRenewalReminders, period),
    cardExpiryReminders: await runJob(db, "cardExpiryReminders", now, sendCardExpiryReminders, period),
    retention: await runJob(db, "retention", now, applyRetention, period),
    pledgeLinks: await runJob(db, "pledgeLinks", now, processPledgeLinks, period),
    subscriptionFigures: await runJob(db, "subscriptionFigures", now, foldSubscriptionFigures, period),
    outboxPruning: await runJob(db, "outboxPruning", now, pruneOutboxPayloads, period),
    stripeCustomerSync: await runJob(db, "stripeCustomerSync", now, syncStripeCustomers, period),
  };
  countJobRuns(report);
  logger.info({ report, period: period?.toISOString() }, "scheduled jobs ran");
  return report;
}

export type ScheduledJobs = { stop(): Promise<void> };

const BUSY_RETRIES = 5;
const BUSY_RETRY_MS = 1000;

/**
 * Runs the jobs soon after start (for the period under way, unless it was done already), then at
 * the start of every period of `intervalMs`, plus a random few percent so that several app
 * processes do not all ask at once. Every process asks every period; each job runs once per
 * period across all of them (the claim in `counters`, ADR 031), and never twice at once (the
 * advisory lock).
 */
export function startScheduledJobs(
  db: DB,
  { intervalMs = jobsIntervalMs(), firstRunAfterMs = 10_000 }: { intervalMs?: number; firstRunAfterMs?: number } = {},
): ScheduledJobs {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let lastPeriod: Date | undefined;
  // The start of the period after the last one run (however long that run took), plus a few percent.
  const untilNextPeriod = () => {
    const next = (lastPeriod ?? jobPeriodStart(new Date(), intervalMs)).getTime() + intervalMs;
    return Math.max(0, next - Date.now()) + Math.floor(Math.random() * intervalMs * 0.05);
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runPeriod()
        .catch((error) => logger.error({ err: describeError(error) }, "scheduled jobs run failed"))
        .finally(() => {
          running = undefined;
          schedule(untilNextPeriod());
        });
    }, delayMs);
    timer.unref();
  };

  /** "busy": a run without a period (a one-off) holds that job's lock; ask again shortly, within the period. */
  const runPeriod = async () => {
    const period = jobPeriodStart(new Date(), intervalMs);
    lastPeriod = period;
    for (let attempt = 0; attempt < BUSY_RETRIES; attempt++) {
      const report = await runJobsOnce(db, new Date(), { period });
      if (stopped || !Object.values(report).some((outcome) => outcome.status === "busy")) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(BUSY_RETRY_MS, intervalMs / 10)));
      if (jobPeriodStart(new Date(), intervalMs).getTime() !== period.getTime()) return;
    }
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
