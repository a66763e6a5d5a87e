import type { DB } from "@db/client.server";
import { describeError, logger } from "~/log.server";
import { applyKeptDeliveries } from "./webhook.server";

/** How often the inbox worker looks for kept deliveries whose lease has run out. */
export const INBOX_POLL_MS = 15_000;
const BATCH = 50;

export type InboxWorker = { stop(): Promise<void> };

/**
 * Applies the webhook inbox's deliveries that their process did not (ADR 055): at start (a
 * process that died leaves rows whose leases run out within a minute) and every INBOX_POLL_MS;
 * a full batch is followed at once by another. Errors are logged and the next poll tries again.
 */
export function startInboxWorker(db: DB, { intervalMs = INBOX_POLL_MS }: { intervalMs?: number } = {}): InboxWorker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const runOnce = async () => {
    try {
      for (;;) {
        const report = await applyKeptDeliveries(db, { limit: BATCH });
        if (report.applied + report.failed > 0) logger.info({ report }, "webhook inbox: kept deliveries applied");
        if (stopped || report.applied + report.failed < BATCH) break;
      }
    } catch (error) {
      logger.error({ err: describeError(error) }, "webhook inbox worker run failed");
    }
  };
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().finally(() => {
        running = undefined;
        schedule(intervalMs);
      });
    }, delayMs);
    timer.unref();
  };
  schedule(0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
