import { eq, sql } from "drizzle-orm";
import { rowsOf, type DB } from "@db/client.server";
import { webhookInbox } from "@db/schema";
import { describeError, logger } from "~/log.server";
import type { ProviderDelivery } from "./events";

/*
 * The webhook inbox (ADR 055). Stripe asks for a quick 2xx and retries what gets none; a delivery
 * that is slow to apply (a burst of renewals queued on the pool, the receipt counter's lock) is
 * kept here, verified and exactly as sent, and Stripe is answered at once. The process goes on
 * applying it, then deletes the row. Should that process die first, or applying fail, the row's
 * lease runs out and the inbox worker applies it: answered means kept, never lost. Applying twice
 * is harmless (the event id is recorded with the payment), so the worker and a late Stripe retry
 * may meet.
 */

/** How long the answering process has to apply a kept delivery before the worker may take it. */
export const INBOX_LEASE_MS = 60_000;
/** A delivery that failed again waits longer each time, up to an hour. */
const MAX_RETRY_MS = 60 * 60_000;
/** Deliveries a process may hold answered but not applied; past this it answers after applying, as before. */
export const MAX_UNAPPLIED = 10_000;

type Waiting = { eventId: string; body: string; settle: (error?: unknown) => void };

/**
 * Keeps deliveries, leased to this process, in as few statements as there are connections:
 * deliveries that arrive while a write is under way go together in the next one (one commit,
 * one flush of the WAL, for all of them). A row already there (a retry) is left as it is.
 */
class Keeper {
  private waiting: Waiting[] = [];
  private writing = 0;
  constructor(
    private readonly inbox: DB,
    private readonly connections: number,
  ) {}

  keep(eventId: string, body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ eventId, body, settle: (error) => (error ? reject(error) : resolve()) });
      if (this.writing < this.connections) void this.write();
    });
  }

  private async write(): Promise<void> {
    const batch = this.waiting.splice(0, 500);
    if (batch.length === 0) return;
    this.writing++;
    try {
      await this.inbox
        .insert(webhookInbox)
        .values(
          batch.map(({ eventId, body }) => ({
            eventId,
            body,
            leaseUntil: sql`now() + make_interval(secs => ${INBOX_LEASE_MS / 1000})`,
          })),
        )
        .onConflictDoNothing();
      for (const waiting of batch) waiting.settle();
    } catch (error) {
      for (const waiting of batch) waiting.settle(error);
    } finally {
      this.writing--;
    }
    if (this.waiting.length > 0 && this.writing < this.connections) void this.write();
  }
}

const keepers = new WeakMap<DB, Keeper>();

/** Keeps a verified delivery in the inbox, leased to this process; resolves once it is committed. */
export function keepDelivery(inbox: DB, { eventId, body }: { eventId: string; body: string }): Promise<void> {
  let keeper = keepers.get(inbox);
  if (!keeper) keepers.set(inbox, (keeper = new Keeper(inbox, 2)));
  return keeper.keep(eventId, body);
}

/** The delivery is applied (or kept as a failure for staff): its row goes. */
export async function forgetDelivery(db: DB, eventId: string): Promise<void> {
  await db.delete(webhookInbox).where(eq(webhookInbox.eventId, eventId));
}

export type KeptDelivery = { eventId: string; body: string; attempts: number };

/**
 * Takes up to `limit` kept deliveries whose lease has run out, oldest first, and leases them to
 * the caller: each later attempt waits longer (1, 2, 4 … minutes, at most an hour). Several
 * processes may ask at once; each row goes to one of them.
 */
export async function takeKeptDeliveries(db: DB, { limit = 50 }: { limit?: number } = {}): Promise<KeptDelivery[]> {
  const rows = rowsOf<{ event_id: string; body: string; attempts: number }>(
    await db.execute(sql`
      update webhook_inbox set
        attempts = attempts + 1,
        lease_until = now() + make_interval(secs => least(${INBOX_LEASE_MS / 1000} * power(2, attempts), ${MAX_RETRY_MS / 1000}))
      where event_id in (
        select event_id from webhook_inbox where lease_until <= now()
        order by received_at limit ${limit} for update skip locked
      )
      returning event_id, body, attempts`),
  );
  return rows.map((row) => ({ eventId: row.event_id, body: row.body, attempts: Number(row.attempts) }));
}

/** Deliveries this process has answered and is still applying. */
let unapplied = 0;
const settled = new Set<() => void>();

export function unappliedDeliveries(): number {
  return unapplied;
}

/** Resolves once this process has applied every delivery it answered early (for a graceful stop), or after `ms`. */
export function deliveriesApplied(ms: number): Promise<boolean> {
  if (unapplied === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      settled.delete(done);
      resolve(false);
    }, ms);
    settled.add(done);
  });
}

/**
 * At most `size` kept deliveries are applied at once, the rest wait their turn here rather than
 * in the pool's queue: a burst of thousands must not stand between a reader's checkout and a
 * connection.
 */
export class Turns {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
const turns = new WeakMap<DB, Turns>();

/**
 * The answer to a verified delivery (ADR 055): once it is kept in the inbox, `queued`, while
 * `apply` goes on (the statement that records the event deletes its row; `afterApplied` may
 * delete it for an outcome that did not get that far). If the inbox cannot be written, or this
 * process already holds MAX_UNAPPLIED, the answer waits for `apply`'s result as it always did.
 */
export async function answerOnceKeptHere<T>(
  apply: () => Promise<T>,
  {
    inbox,
    concurrency,
    eventId,
    body,
    afterApplied,
  }: {
    inbox: DB;
    /** Kept deliveries applied at once: the pool's size. */
    concurrency: number;
    eventId: string;
    body: string;
    afterApplied: (result: T) => Promise<void>;
  },
): Promise<T | "queued"> {
  if (unapplied >= MAX_UNAPPLIED) return apply();
  try {
    await keepDelivery(inbox, { eventId, body });
  } catch (error) {
    logger.warn({ eventId, err: describeError(error) }, "stripe event not kept in the inbox: answering once applied");
    return apply();
  }
  unapplied++;
  let queue = turns.get(inbox);
  if (!queue) turns.set(inbox, (queue = new Turns(concurrency)));
  void queue
    .run(apply)
    .then(afterApplied)
    .catch((error: unknown) => {
      // The row stays; its lease runs out and the worker applies it.
      logger.error({ eventId, err: describeError(error) }, "stripe event kept in the inbox: left for the worker");
    })
    .finally(() => {
      unapplied--;
      if (unapplied > 0) return;
      const waiting = [...settled];
      settled.clear();
      for (const done of waiting) done();
    });
  return "queued";
}

/** A kept delivery as it is handed over: its body, and its mapping (plain data, cloned across threads). */
export type HandedDelivery = { eventId: string; body: string; delivery: ProviderDelivery };

/** Whatever applies kept deliveries handed to it: the server's applier thread (applier.server.ts). */
export type Applier = {
  /** Kept deliveries handed over and not yet done with. */
  unapplied(): number;
  hand(delivery: HandedDelivery): void;
};

/**
 * The answer to a verified delivery when another thread applies (ADR 055): `queued` once it is
 * kept and handed over, so this thread's event loop only ever answers. When the inbox cannot be
 * written, or the applier already holds MAX_UNAPPLIED, `apply-here`: the caller applies it and
 * answers with the result, as it always did.
 */
export async function answerOnceKept(
  applier: Applier,
  { inbox, eventId, body, delivery }: { inbox: DB } & HandedDelivery,
): Promise<"queued" | "apply-here"> {
  if (applier.unapplied() >= MAX_UNAPPLIED) return "apply-here";
  try {
    await keepDelivery(inbox, { eventId, body });
  } catch (error) {
    logger.warn({ eventId, err: describeError(error) }, "stripe event not kept in the inbox: answering once applied");
    return "apply-here";
  }
  applier.hand({ eventId, body, delivery });
  return "queued";
}
