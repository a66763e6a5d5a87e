import { writeFileSync } from "node:fs";
import { eq, inArray } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plans, subscriptions, webhookFailures } from "@db/schema";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { signedWebhookRequest, type StripeEventEnvelope } from "../mocks/stripe";
import { countAllRows } from "../support/row-counts";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";
import {
  buildHistory,
  ledgerSnapshot,
  resetToSeed,
  snapshotInvariants,
  worldScript,
  writeCheckouts,
  type History,
  type WorldScript,
} from "../support/stripe-histories";

/**
 * Exactly-once money, as a property. A history of Stripe events for a few supporters, delivered
 * once and in order to an empty ledger, is the oracle. The same history delivered with every
 * event repeated up to five times, shuffled (Stripe promises no order) and several at once must
 * leave the same ledger, subscriptions, entitlements, campaign total and mail; Stripe sending the
 * whole day again afterwards must change nothing. Every history gets every check.
 *
 * FF_PROPERTY_RUNS histories (50 by default, as CI runs it); FF_SEED picks the histories (fixed by
 * default, `random` for new ones) and reproduces a run;
 * FF_FIGURES_FILE receives the figures printed at the end. `npm run test:long` runs thousands of
 * histories in seeded chunks (scripts/test-long.mjs).
 */

const SECRET = "whsec_fighting_fund_exactly_once";
const { stripe } = useStripeMode(SECRET);
// Commits not waited onto disk (PostgreSQL only): each delivery's transaction is as atomic and as
// visible to the next one, and the file takes a fraction of the time (docs/reliability.md).
const { t, fixtures } = useSeededDatabase({ sessionSettings: { synchronous_commit: "off" } });

const DEFAULT_SEED = 20261203;

const RUNS = (() => {
  const configured = Number(process.env.FF_PROPERTY_RUNS);
  return Number.isInteger(configured) && configured > 0 ? configured : 50;
})();

// A bound for a slow shared machine, not a performance claim: a long-run chunk of 100 histories
// took 11.5 s per history beside other work (docs/reliability.md), so a minute each.
const PROPERTY_TIMEOUT_MS = Math.max(15 * 60_000, RUNS * 60_000);

const startedAt = Date.now();
const figures = {
  /** Histories fast-check was asked for, and how many it generated and how many passed every check. */
  runs: RUNS,
  histories: 0,
  historiesPassed: 0,
  eventsInHistories: 0,
  inOrderDeliveries: 0,
  chaoticDeliveries: 0,
  duplicateDeliveries: 0,
  shuffles: 0,
  /** Shuffles whose first copies reached us in another order than Stripe created the events. */
  reorderedShuffles: 0,
  /** Pairs of events whose first copies arrived in the opposite order to their creation. */
  inversions: 0,
  concurrentBatches: 0,
  largestBatch: 0,
  retriedAfter500: 0,
  /** Why those deliveries failed, as the webhook recorded it for staff (last reason per event). */
  failureReasons: {} as Record<string, number>,
  replayedDeliveries: 0,
  /** Property failures: the seed that reproduces each, and fast-check's counterexample. */
  failures: [] as { seed: number; message: string }[],
  seed: 0,
};

afterAll(() => {
  const report = JSON.stringify(
    {
      ...figures,
      database: process.env.DATABASE_URL ? "postgresql" : "pglite",
      durationMs: Date.now() - startedAt,
      finishedAt: new Date().toISOString(),
    },
    null,
    2,
  );
  process.stdout.write(`\nexactly-once figures: ${report}\n`);
  if (process.env.FF_FIGURES_FILE) writeFileSync(process.env.FF_FIGURES_FILE, `${report}\n`);
});

/** A seeded generator, so a failing order is reproduced by fast-check's seed. */
function mulberry32(seed: number) {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let r = Math.imul(state ^ (state >>> 15), 1 | state);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const deliver = (event: StripeEventEnvelope) => handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));

/** A fresh ledger with the history's checkouts, and Stripe knowing which PaymentIntent paid which invoice. */
async function freshWorld(history: History) {
  await resetToSeed(t.db);
  await writeCheckouts(t.db, history);
}

async function newHistory(world: WorldScript) {
  const allPlans = await t.db.select().from(plans);
  const plan = (code: string) => {
    const found = allPlans.find((p) => p.code === code);
    if (!found) throw new Error(`no plan ${code}`);
    return found;
  };
  const start = Math.floor(Date.now() / 1000) - 250 * 86_400;
  const history = buildHistory(world, { campaignId: fixtures.campaign.id, plan, start });
  for (const paid of history.invoicePayments) stripe.addInvoicePayment(paid);
  figures.histories += 1;
  figures.eventsInHistories += history.events.length;
  return history;
}

/** The oracle: each event once, in the order Stripe created them. Every one must be taken. */
async function deliverInOrder(history: History) {
  await freshWorld(history);
  for (const event of history.events) {
    const result = await deliver(event);
    expect(result.status, `${event.type} in order: ${JSON.stringify(result.body)}`).toBe(200);
    expect(result.body.outcome).toBe("applied");
  }
  figures.inOrderDeliveries += history.events.length;
  return ledgerSnapshot(t.db, history);
}

/** How often each event has answered 500 since a delivery in the chaos last applied something. */
function failuresSinceProgress() {
  const counts = new Map<string, number>();
  return {
    progress: () => counts.clear(),
    failedSinceProgress: (id: string) => {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      return counts.get(id)!;
    },
  };
}

/**
 * The same events the way Stripe may really send them: each one 1–5 times, in any order, in
 * batches of up to six at once. A 500 is Stripe's cue to deliver again later, so such an event
 * goes back into the queue. After every batch, no subscription whose deletion was taken may be
 * live again.
 */
async function deliverChaotically(
  history: History,
  { seed, maxCopies = 5, maxBatch = 6 }: { seed: number; maxCopies?: number; maxBatch?: number },
) {
  await freshWorld(history);
  const random = mulberry32(seed);
  const copies = history.events.flatMap((event) =>
    Array.from({ length: 1 + Math.floor(random() * maxCopies) }, () => event),
  );
  const queue = shuffle(copies, random);
  figures.shuffles += 1;
  countReordering(history, queue);
  figures.duplicateDeliveries += copies.length - history.events.length;
  const deleted = new Set<string>();
  const attempts = new Map<string, number>();
  const unanswered = failuresSinceProgress();
  let pendingGiveUp: StripeEventEnvelope | null = null;
  while (queue.length > 0) {
    const batch = queue.splice(0, 1 + Math.floor(random() * maxBatch));
    figures.concurrentBatches += 1;
    figures.largestBatch = Math.max(figures.largestBatch, batch.length);
    const results = await Promise.all(batch.map((event) => deliver(event)));
    figures.chaoticDeliveries += batch.length;
    if (results.some((result) => result.status === 200 && result.body.outcome === "applied")) unanswered.progress();
    results.forEach((result, i) => {
      const event = batch[i];
      if (result.status === 500) {
        const tries = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, tries);
        figures.retriedAfter500 += 1;
        queue.splice(Math.floor(random() * (queue.length + 1)), 0, event);
        // Stripe retries for days, so a 500 only counts against an event while nothing else is
        // applied: counted from the first try, a refund whose payment's only copy comes last in
        // the queue was given up before that payment was ever delivered (seed 20261206, path 95).
        if (unanswered.failedSinceProgress(event.id) > 25) pendingGiveUp = event;
        return;
      }
      expect(result.status, `${event.type}: ${JSON.stringify(result.body)}`).toBe(200);
      if (event.type === "customer.subscription.deleted") deleted.add((event.data.object as { id: string }).id);
    });
    if (pendingGiveUp) {
      const stuck: StripeEventEnvelope = pendingGiveUp;
      const [failure] = await t.db.select().from(webhookFailures).where(eq(webhookFailures.eventId, stuck.id));
      throw new Error(
        `${stuck.type} ${stuck.id} still answered 500 after ${attempts.get(stuck.id)} deliveries: ${failure?.error ?? "no failure recorded"}`,
      );
    }
    if (deleted.size > 0) {
      const rows = await t.db
        .select({ id: subscriptions.providerSubscriptionId, status: subscriptions.status })
        .from(subscriptions)
        .where(inArray(subscriptions.providerSubscriptionId, [...deleted]));
      for (const row of rows)
        expect(row.status, `subscription ${row.id} came back to life after its deletion was applied`).toBe("canceled");
    }
  }
  for (const failure of await t.db.select().from(webhookFailures)) {
    expect(failure.resolvedAt, `${failure.type} ${failure.eventId} was never applied`).not.toBeNull();
    const reason = failure.error.replace(/\s*\(.*$/, "");
    figures.failureReasons[reason] = (figures.failureReasons[reason] ?? 0) + failure.attempts;
    // The only reason to fail is a refund ahead of its payment; a deadlock would show here too.
    expect(reason, `${failure.type} ${failure.eventId}`).toMatch(/^PaymentNotRecordedYetError/);
  }
  return ledgerSnapshot(t.db, history);
}

/** How far the first copies of a shuffled queue are from the order Stripe created the events in. */
function countReordering(history: History, queue: StripeEventEnvelope[]) {
  const created = new Map(history.events.map((event, i) => [event.id, i]));
  const firstArrivals: number[] = [];
  const seen = new Set<string>();
  for (const event of queue) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    firstArrivals.push(created.get(event.id) ?? -1);
  }
  let inversions = 0;
  for (let i = 0; i < firstArrivals.length; i += 1)
    for (let j = i + 1; j < firstArrivals.length; j += 1) if (firstArrivals[i] > firstArrivals[j]) inversions += 1;
  figures.inversions += inversions;
  if (inversions > 0) figures.reorderedShuffles += 1;
}

const describeHistory = (history: History) => history.events.map((e) => e.type).join(", ");

describe("exactly-once money: any delivery of a history ends where one ordered delivery ends", () => {
  beforeAll(() => {
    expect(t.db).toBeDefined();
  });

  it(
    `duplicated, shuffled and concurrent deliveries leave the same ledger, subscriptions, entitlements, totals and mail, and replaying the whole day changes nothing (${RUNS} histories)`,
    async () => {
      // A fixed seed by default, so that `npm test` checks the same 50 histories on every run and a
      // failure in CI is a change's doing; FF_SEED=random (or any number) explores others, as
      // `npm run test:long` does with its own seeds. The long run's open finding (docs/reliability.md)
      // is why CI must not draw new histories on its own.
      const seed =
        process.env.FF_SEED === "random" ? Date.now() % 2_147_483_647 : Number(process.env.FF_SEED) || DEFAULT_SEED;
      figures.seed = seed;
      try {
        await fc.assert(
          fc.asyncProperty(worldScript, fc.integer(), async (world, orderSeed) => {
            const history = await newHistory(world);
            const expected = await deliverInOrder(history);
            expect(snapshotInvariants(expected), describeHistory(history)).toEqual([]);
            const actual = await deliverChaotically(history, { seed: orderSeed });
            expect(snapshotInvariants(actual)).toEqual([]);
            expect(actual).toEqual(expected);

            // Stripe (or an operator with `stripe events resend`) sends the whole day again, all at once.
            const rowsBefore = await countAllRows(t.db);
            stripe.clearRequests();
            const again = shuffle(history.events, mulberry32(orderSeed ^ 0x5bd1e995));
            const results = await Promise.all(again.map((event) => deliver(event)));
            figures.replayedDeliveries += again.length;
            expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
            expect(results.filter((r) => r.body.outcome !== "duplicate")).toEqual([]);
            expect(await countAllRows(t.db)).toEqual(rowsBefore);
            expect(await ledgerSnapshot(t.db, history)).toEqual(actual);
            // Nothing is asked of Stripe for events already applied.
            expect(stripe.requests).toEqual([]);
            figures.historiesPassed += 1;
          }),
          // FF_PATH (fast-check's printed path) replays just the failing history of a seed.
          { numRuns: RUNS, seed, endOnFailure: true, ...(process.env.FF_PATH ? { path: process.env.FF_PATH } : {}) },
        );
        // The count CI claims: every history asked for was generated and passed every check.
        expect({ histories: figures.histories, passed: figures.historiesPassed }).toEqual({
          histories: RUNS,
          passed: RUNS,
        });
      } catch (error) {
        // fast-check's message names the seed and the counterexample; its cause, the check that failed.
        const cause =
          error instanceof Error && error.cause instanceof Error ? `\nCaused by: ${error.cause.message}` : "";
        figures.failures.push({
          seed,
          message: `${error instanceof Error ? error.message : String(error)}${cause}`.slice(0, 12_000),
        });
        throw error;
      }
    },
    PROPERTY_TIMEOUT_MS,
  );
});
