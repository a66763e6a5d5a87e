import { sql } from "drizzle-orm";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { databasePool, getDb, rowsOf } from "@db/client.server";
import { describeError, logger } from "~/log.server";

/**
 * This process's metrics, in Prometheus's text format at /metrics (observe-requests.server.ts).
 * Every label takes a bounded set of values (route ids, fixed names, status classes, job
 * names): never a URL, an id or anything a person typed (ADR 029).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpRequestDuration = new Histogram({
  name: "ff_http_request_duration_seconds",
  help: "Time from a request's arrival to the end of its response, by Remix route id (or a fixed name for what answers in front of Remix), method and status class.",
  labelNames: ["route", "method", "status_class"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export type WebhookOutcome =
  | "applied"
  | "duplicate"
  | "failed"
  | "rejected_signature"
  | "rejected_malformed"
  | "rejected_too_large"
  | "rejected_mismatch"
  | "other";

const webhookDeliveries = new Counter({
  name: "ff_webhook_deliveries_total",
  help: "Stripe webhook deliveries by outcome: applied, duplicate, failed (answered 5xx; Stripe retries), rejected_signature, rejected_malformed, rejected_too_large, rejected_mismatch (a signed session that does not match our checkout; kept for staff); other: a 200 answer with any other outcome.",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export function countWebhookDelivery(outcome: WebhookOutcome) {
  webhookDeliveries.inc({ outcome });
}

const jobRuns = new Counter({
  name: "ff_job_runs_total",
  help: "Scheduled job runs in this process by job and outcome, the status the scheduler reported: done, failed, busy (another process held the job's lock).",
  labelNames: ["job", "outcome"] as const,
  registers: [registry],
});

const jobLastSuccess = new Gauge({
  name: "ff_job_last_success_timestamp_seconds",
  help: "When this process last completed each scheduled job (Unix time); take the max across processes.",
  labelNames: ["job"] as const,
  registers: [registry],
});

/** One pass of the scheduler, counted from its report (job name → outcome status). */
export function countJobRuns(report: Record<string, { status: string }>) {
  for (const [job, { status }] of Object.entries(report)) {
    jobRuns.inc({ job, outcome: status });
    if (status === "done") jobLastSuccess.set({ job }, Date.now() / 1000);
  }
}

const outboxUnsent = new Gauge({
  name: "ff_outbox_unsent",
  help: "Emails in the outbox not yet sent (nor given up on), read when scraped.",
  registers: [registry],
});
const outboxOldestAge = new Gauge({
  name: "ff_outbox_oldest_unsent_age_seconds",
  help: "Age of the oldest email not yet sent (0 when none), read when scraped.",
  registers: [registry],
});
const poolSize = new Gauge({
  name: "ff_db_pool_size",
  help: "Database connections this process may open (PGlite: its one in-process connection).",
  labelNames: ["driver"] as const,
  registers: [registry],
});
const poolConnections = new Gauge({
  name: "ff_db_pool_connections",
  help: "PostgreSQL only: this process's open connections by pg_stat_activity state (active = in use; its LISTEN connection included).",
  labelNames: ["state"] as const,
  registers: [registry],
});
const databaseReadable = new Gauge({
  name: "ff_metrics_database_up",
  help: "1 when the database figures of this scrape could be read, 0 when the database did not answer.",
  registers: [registry],
});

/** The figures read from the database, once per scrape: the outbox (its partial index of pending mail) and the pool. */
async function readDatabaseFigures() {
  try {
    const [outbox] = rowsOf<{ unsent: number; oldest_age: number | null }>(
      await getDb().execute(
        sql`select count(*)::int as unsent, extract(epoch from now() - min(created_at))::float8 as oldest_age from outbox where sent_at is null and failed_at is null`,
      ),
    );
    outboxUnsent.set(Number(outbox?.unsent ?? 0));
    outboxOldestAge.set(Math.max(0, Number(outbox?.oldest_age ?? 0)));
    const pool = await databasePool();
    poolSize.reset();
    poolConnections.reset();
    if (pool) {
      poolSize.set({ driver: pool.driver }, pool.size);
      for (const [state, n] of Object.entries(pool.connections ?? {})) poolConnections.set({ state }, n);
    }
    databaseReadable.set(1);
  } catch (error) {
    // A scrape during an outage still answers: the process figures, and this gauge at 0.
    logger.warn({ err: describeError(error) }, "metrics: database figures not read");
    databaseReadable.set(0);
  }
}

/** The text Prometheus scrapes. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  await readDatabaseFigures();
  return { contentType: registry.contentType, body: await registry.metrics() };
}
