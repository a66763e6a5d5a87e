import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { counters, outbox } from "@db/schema";
import { getDb } from "@db/client.server";
import { PreviewProps as donationReceipt } from "@emails/donation-receipt";
import { enqueueEmail } from "~/email/outbox.server";
import { resetEnvCache } from "~/env.server";
import { startApp } from "~/startup.server";
import { useProcessEnv } from "../support/process-env";

/**
 * BACKGROUND_JOBS=false: a server that only answers requests. Several servers behind one proxy
 * leave the sending to one of them, and the benchmarks' servers do nothing but what is measured.
 * The same start with the variable unset sends the mail and runs the jobs, so what the first
 * start does not do is down to the variable.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), "ff-background-jobs-"));
// Polled every 100 ms, and the jobs' first run at once: either would show within a second.
useProcessEnv({
  cleared: ["DATABASE_URL", "BACKGROUND_JOBS"],
  set: { PGLITE_DATA_DIR: dataDir, SEED_DEMO: "false", OUTBOX_POLL_MS: "100" },
  dataDir,
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the background would have done: mail sent, and the scheduled jobs' period claims. */
async function backgroundWork() {
  const db = getDb();
  const rows = await db.select({ sentAt: outbox.sentAt }).from(outbox);
  const jobRuns = await db.select().from(counters).where(like(counters.name, "job:%"));
  return { queued: rows.length, sent: rows.filter((row) => row.sentAt !== null).length, jobRuns: jobRuns.length };
}

describe("BACKGROUND_JOBS", () => {
  it("off: the server sends no mail and runs no scheduled job", async () => {
    process.env.BACKGROUND_JOBS = "false";
    resetEnvCache();
    const app = await startApp({ jobsFirstRunAfterMs: 0 });
    try {
      expect(app.env.BACKGROUND_JOBS).toBe(false);
      await enqueueEmail(getDb(), {
        template: "donation-receipt",
        to: "reader@example.org",
        locale: "en",
        props: donationReceipt,
        idempotencyKey: "background-jobs:receipt",
      });
      // Twenty polls' worth of waiting.
      await pause(2000);
      expect(await backgroundWork()).toEqual({ queued: 1, sent: 0, jobRuns: 0 });
    } finally {
      await app.stop();
    }
  });

  it("on (the default): the same start sends the queued mail and runs the jobs", async () => {
    delete process.env.BACKGROUND_JOBS;
    resetEnvCache();
    const app = await startApp({ jobsFirstRunAfterMs: 0 });
    try {
      expect(app.env.BACKGROUND_JOBS).toBe(true);
      let work = await backgroundWork();
      while (work.sent === 0 || work.jobRuns === 0) {
        await pause(100);
        work = await backgroundWork();
      }
      expect(work).toMatchObject({ queued: 1, sent: 1 });
    } finally {
      await app.stop();
    }
  });
});
