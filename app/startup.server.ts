import { connect, disconnect } from "@db/client.server";
import { seedDemoData } from "@db/seed";
import { DEMO_ADMIN, demoAdminHasDemoPassword, seedDemoAdmin } from "~/auth/staff-accounts.server";
import { getEnv } from "~/env.server";
import { getMailer } from "~/email/mailer.server";
import { startOutboxWorker } from "~/email/worker.server";
import { startScheduledJobs } from "~/jobs/scheduler.server";
import { logger } from "~/log.server";
import { settleCustomerSyncKicks } from "~/supporters/customer-sync.server";

export type RunningApp = {
  env: ReturnType<typeof getEnv>;
  databaseDriver: "postgres" | "pglite";
  seeded: boolean;
  /** Shown on the console: only with the embedded database, which is never a production store. */
  demoAdmin: { email: string; password: string } | null;
  stop(): Promise<void>;
};

/**
 * Everything the server does before it listens: validate the environment, open and migrate
 * the database, seed a demo on an empty one, start the outbox worker and the scheduled jobs
 * (unless BACKGROUND_JOBS is off).
 * No call to Stripe or Resend happens here, so the app starts while they are unreachable.
 */
export async function startApp({ jobsFirstRunAfterMs }: { jobsFirstRunAfterMs?: number } = {}): Promise<RunningApp> {
  const env = getEnv();
  const handle = await connect({
    url: env.DATABASE_URL,
    dataDir: env.PGLITE_DATA_DIR,
    poolSize: env.DATABASE_POOL_SIZE,
  });
  const seeded = env.SEED_DEMO ? await seedDemoData(handle.db) : false;
  // Never in production, demo or not: a published password on a public server would open every
  // supporter record that visitors typed into the demo.
  const embeddedDemo = env.SEED_DEMO && handle.driver === "pglite" && env.NODE_ENV !== "production";
  const demoAdminCreated = embeddedDemo && (await seedDemoAdmin(handle.db));
  // Staff who were there first, or a demo password since changed: then there is nothing to print.
  // Just created, it has the demo password: no second Argon2 run on the first start.
  const showDemoAdmin = demoAdminCreated || (embeddedDemo && (await demoAdminHasDemoPassword(handle.db)));
  // BACKGROUND_JOBS=false: requests only. Mail queued here waits for a server that sends it.
  const worker = env.BACKGROUND_JOBS ? startOutboxWorker(handle.db, { intervalMs: env.OUTBOX_POLL_MS }) : null;
  const jobs = env.BACKGROUND_JOBS ? startScheduledJobs(handle.db, { firstRunAfterMs: jobsFirstRunAfterMs }) : null;
  logger.info(
    {
      driver: handle.driver,
      payments: env.paymentsMode,
      emailMode: env.emailMode,
      mailer: getMailer(handle.db).name,
      seeded,
      backgroundJobs: env.BACKGROUND_JOBS,
    },
    "started",
  );
  return {
    env,
    databaseDriver: handle.driver,
    seeded,
    demoAdmin: showDemoAdmin ? { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password } : null,
    async stop() {
      await jobs?.stop();
      await worker?.stop();
      // A Stripe customer push started by a save finishes before the pool closes (ADR 036).
      await settleCustomerSyncKicks();
      await disconnect();
    },
  };
}
