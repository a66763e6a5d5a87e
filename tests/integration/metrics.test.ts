import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outbox } from "@db/schema";
import { runJobsOnce } from "~/jobs/scheduler.server";
import { EnvError, parseEnv, resetEnvCache } from "~/env.server";
import { renderMetrics } from "~/observability/metrics.server";
import { observeRequests } from "~/observability/observe-requests.server";
import { useSeededDatabase } from "../support/database";

const { t } = useSeededDatabase();

const HOUR = 60 * 60_000;

/** The value of one sample in Prometheus's text format, or undefined when absent. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const escaped = labels.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const value = new RegExp(`^${name}${labels ? `\\{${escaped}\\}` : ""} (\\S+)$`, "m").exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

describe("metrics read when scraped", () => {
  it("count the mail waiting in the outbox and the age of the oldest, not what was sent or given up on", async () => {
    await t.db.delete(outbox);
    const row = (ageMs: number, more: Partial<typeof outbox.$inferInsert> = {}) => ({
      template: "receipt",
      toEmail: "reader@example.net",
      props: {},
      idempotencyKey: `metrics:${randomUUID()}`,
      createdAt: new Date(Date.now() - ageMs),
      ...more,
    });
    expect(sample((await renderMetrics()).body, "ff_outbox_unsent")).toBe(0);
    await t.db
      .insert(outbox)
      .values([row(2 * HOUR, { sentAt: new Date() }), row(3 * HOUR, { failedAt: new Date() }), row(HOUR), row(60_000)]);
    const text = (await renderMetrics()).body;
    expect(sample(text, "ff_outbox_unsent")).toBe(2);
    expect(sample(text, "ff_outbox_oldest_unsent_age_seconds")).toBeGreaterThanOrEqual(3600);
    expect(sample(text, "ff_outbox_oldest_unsent_age_seconds")).toBeLessThan(3660);
    expect(sample(text, "ff_metrics_database_up")).toBe(1);
    expect(text).not.toContain("reader@example.net");
  });

  it("count the scheduled jobs this process ran, by job and outcome", async () => {
    const before = (await renderMetrics()).body;
    await runJobsOnce(t.db);
    await runJobsOnce(t.db);
    const after = (await renderMetrics()).body;
    for (const job of ["renewalReminders", "cardExpiryReminders", "retention", "pledgeLinks", "subscriptionFigures"]) {
      const labels = `job="${job}",outcome="done"`;
      expect(
        (sample(after, "ff_job_runs_total", labels) ?? 0) - (sample(before, "ff_job_runs_total", labels) ?? 0),
        job,
      ).toBe(2);
      expect(sample(after, "ff_job_last_success_timestamp_seconds", `job="${job}"`)).toBeGreaterThan(
        Date.now() / 1000 - 60,
      );
    }
  });

  it("count a job that failed under its own name, the others as done", async () => {
    const before = (await renderMetrics()).body;
    // The pledge-links job cannot find its table: it fails, the others run.
    await t.db.execute(sql`alter table pledges rename to pledges_away`);
    try {
      expect((await runJobsOnce(t.db)).pledgeLinks).toEqual({ status: "failed" });
    } finally {
      await t.db.execute(sql`alter table pledges_away rename to pledges`);
    }
    const after = (await renderMetrics()).body;
    const delta = (labels: string) =>
      (sample(after, "ff_job_runs_total", labels) ?? 0) - (sample(before, "ff_job_runs_total", labels) ?? 0);
    expect(delta('job="pledgeLinks",outcome="failed"')).toBe(1);
    expect(delta('job="pledgeLinks",outcome="done"')).toBe(0);
    expect(delta('job="retention",outcome="done"')).toBe(1);
  });
});

describe("/metrics without METRICS_TOKEN", () => {
  it("does not exist: the path goes on to the app, which has no such page", async () => {
    delete process.env.METRICS_TOKEN;
    resetEnvCache();
    const app = (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.statusCode = 404;
      res.end("the app's own not-found page");
    };
    const server = http.createServer(observeRequests(app, { routes: {} }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const authorization of [undefined, "Bearer ", "Bearer undefined"]) {
        const response = await fetch(`${origin}/metrics`, {
          headers: authorization ? { Authorization: authorization } : {},
        });
        expect(response.status).toBe(404);
        expect(await response.text()).toBe("the app's own not-found page");
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("METRICS_TOKEN", () => {
  it("is a 16+ character token without spaces; empty means unset", () => {
    const lines = (value: string) => {
      try {
        parseEnv({ METRICS_TOKEN: value });
        return [];
      } catch (error) {
        if (error instanceof EnvError) return error.lines;
        throw error;
      }
    };
    expect(lines("short")).toEqual(["METRICS_TOKEN: must be at least 16 characters"]);
    expect(lines("sixteen chars or more with spaces")).toEqual(["METRICS_TOKEN: must not contain spaces"]);
    expect(parseEnv({ METRICS_TOKEN: "0123456789abcdef0123" }).METRICS_TOKEN).toBe("0123456789abcdef0123");
    expect(parseEnv({ METRICS_TOKEN: "  " }).METRICS_TOKEN).toBeUndefined();
  });
});
