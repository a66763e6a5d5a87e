import os from "node:os";
import { parentPort, Worker } from "node:worker_threads";
import { connect, disconnect } from "@db/client.server";
import { getEnv } from "~/env.server";
import { describeError, logger } from "~/log.server";
import { applyKeptDelivery } from "./webhook.server";
import { Turns, type Applier, type HandedDelivery } from "./webhook-inbox.server";

/*
 * The applier thread (ADR 055). With WEBHOOK_ANSWER=kept the server's main thread only verifies
 * a delivery, keeps it in the inbox and answers; this thread, with a pool of its own, applies
 * what it is handed. Applying is most of a delivery's CPU: on one event loop, a burst being
 * applied made every answer wait its turn behind it. The two threads share nothing but the
 * database; a delivery handed over and lost with the thread (or the process) is still in the
 * inbox, and the inbox worker applies it once its lease has run out.
 */

/** The applier thread's nice value: 10 of 19, below the answering thread's 0. */
export const APPLIER_NICENESS = 10;

type ToApplier = ({ type: "apply" } & HandedDelivery) | { type: "stop" };
type FromApplier = { type: "done"; n: number } | { type: "stopped" };

export type ApplierThread = Applier & {
  /** Stops taking deliveries; resolves true once those handed over are done with, false after `ms`. */
  stop(ms: number): Promise<boolean>;
};

/** Starts the applier thread: `file` loads the build and calls runApplier (applier.mjs beside server.mjs). */
export function startApplierThread(file: string, { appUrl }: { appUrl: string }): ApplierThread {
  let unapplied = 0;
  let stopping = false;
  let worker = start();

  function start(): Worker {
    const thread = new Worker(file, { workerData: { appUrl } });
    thread.on("message", (message: FromApplier) => {
      if (message.type === "done") unapplied -= message.n;
    });
    thread.on("error", (error) => logger.error({ err: describeError(error) }, "webhook applier thread failed"));
    thread.on("exit", (code) => {
      if (stopping) return;
      // What it held is kept in the inbox: the inbox worker applies it once its lease runs out.
      logger.error({ code, unapplied }, "webhook applier thread ended: starting another");
      unapplied = 0;
      worker = start();
    });
    return thread;
  }

  return {
    unapplied: () => unapplied,
    hand(delivery) {
      unapplied++;
      worker.postMessage({ type: "apply", ...delivery } satisfies ToApplier);
    },
    async stop(ms) {
      stopping = true;
      const stopped = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        worker.on("message", (message: FromApplier) => {
          if (message.type !== "stopped") return;
          clearTimeout(timer);
          resolve(true);
        });
      });
      worker.postMessage({ type: "stop" } satisfies ToApplier);
      const done = await stopped;
      await worker.terminate();
      return done;
    },
  };
}

/** The thread's side: its own pool, at most twice a pool's worth of deliveries at once. */
export async function runApplier({ appUrl }: { appUrl: string }): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("runApplier runs in a worker thread");
  // Below the answering thread (Linux: nice applies to the calling thread alone): when both want
  // the CPU, answering Stripe and serving pages come first, and applying takes what is left.
  try {
    os.setPriority(APPLIER_NICENESS);
  } catch (error) {
    logger.warn({ err: describeError(error) }, "webhook applier thread: priority not lowered");
  }
  const env = getEnv();
  env.appUrl = appUrl;
  const { db } = await connect({
    url: env.DATABASE_URL,
    dataDir: env.PGLITE_DATA_DIR,
    poolSize: env.DATABASE_POOL_SIZE,
  });
  // Its pool is its own (the pages have the main thread's): twice as many deliveries as connections
  // are under way, so that a connection freed finds the next transaction ready rather than idling
  // while Node prepares it.
  const turns = new Turns(2 * env.DATABASE_POOL_SIZE);
  let running = 0;
  let finished = 0;
  let stopRequested = false;
  // Finished deliveries are reported in one message per turn of the event loop, not one each.
  let reporting = false;
  const report = () => {
    if (reporting) return;
    reporting = true;
    setImmediate(() => {
      reporting = false;
      if (finished > 0) port.postMessage({ type: "done", n: finished } satisfies FromApplier);
      finished = 0;
      if (stopRequested && running === 0) void stop();
    });
  };
  const stop = async () => {
    await disconnect();
    port.postMessage({ type: "stopped" } satisfies FromApplier);
  };
  port.on("message", (message: ToApplier) => {
    if (message.type === "stop") {
      stopRequested = true;
      if (running === 0) void stop();
      return;
    }
    running++;
    void turns
      .run(() => applyKeptDelivery(db, message))
      .catch((error: unknown) => {
        // The row stays; its lease runs out and the inbox worker applies it.
        logger.error({ eventId: message.eventId, err: describeError(error) }, "kept stripe event: left for the worker");
      })
      .finally(() => {
        running--;
        finished++;
        report();
      });
  });
}
