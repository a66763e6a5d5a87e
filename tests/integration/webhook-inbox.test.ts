import { count, eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connect, disconnect, getInboxDb, rowsOf, type DB } from "@db/client.server";
import { outbox, payments, webhookFailures, webhookInbox } from "@db/schema";
import { receiveStripeDelivery } from "~/payments/webhook.server";
import { deliveriesApplied } from "~/payments/webhook-inbox.server";
import { applyKeptDeliveries } from "~/payments/webhook.server";
import { createCheckout, seeded } from "../factories";
import { checkoutMetadata, checkoutSessionObject, signedWebhookRequest, stripeEvent } from "../mocks/stripe";
import { createScratchDatabase, type ScratchDatabase } from "../support/scratch-database";
import { useStripeMode } from "../support/stripe-mode";

/*
 * The webhook inbox (ADR 055): a delivery slow to apply is kept and answered before it is
 * applied, and what was answered is applied even when applying fails or the process is gone.
 * It needs PostgreSQL (the inbox has connections of its own; the embedded database has one):
 * DATABASE_URL's server, or the usual one at 127.0.0.1:5432, in a database of its own.
 */

const ADMIN_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECRET = "whsec_webhook_inbox_tests";
useStripeMode(SECRET);

let unreachable: string | null = null;
let scratch: ScratchDatabase | undefined;
/** A connection of the test's own, to hold locks the app's deliveries wait for. */
let holder: postgres.Sql | undefined;
let db: DB;
let inbox: DB;
let campaignId: number;

beforeAll(async () => {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin`select 1`;
  } catch (error) {
    if (process.env.DATABASE_URL) throw error;
    unreachable = `webhook inbox tests skipped: PostgreSQL at ${new URL(ADMIN_URL).host} is not reachable (${(error as Error).message})`;
    console.warn(unreachable);
    return;
  } finally {
    await admin.end();
  }
  scratch = await createScratchDatabase(ADMIN_URL, "ff_test_inbox");
  db = (await connect({ url: scratch.url })).db;
  inbox = getInboxDb()!;
  campaignId = (await seeded(db)).campaign.id;
  holder = postgres(scratch.url, { max: 1, onnotice: () => {} });
}, 60_000);

afterAll(async () => {
  await holder?.end();
  await disconnect();
  await scratch?.drop();
});

async function paidGift(amountMinor: number) {
  const checkout = await createCheckout(db, { campaignId, kind: "one_off", amountMinor, feeCoverMinor: 0 });
  const session = checkoutSessionObject({
    metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId, kind: "one_off" }),
    amountTotal: amountMinor,
    email: checkout.email,
  });
  const event = stripeEvent("checkout.session.completed", session);
  return { checkout, event, request: signedWebhookRequest(event, SECRET) };
}

/** Holds the checkout's row lock (as a slow delivery of the same checkout would) until released. */
async function holdCheckout(checkoutId: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const transaction = holder!.begin(async (sql) => {
    await sql`select id from checkouts where id = ${checkoutId} for update`;
    locked();
    await released;
  });
  await isLocked;
  return {
    release: async () => {
      release();
      await transaction;
    },
  };
}

const paymentsOf = (checkoutId: string) => db.select().from(payments).where(eq(payments.checkoutId, checkoutId));
const kept = () => db.select().from(webhookInbox);

describe("a delivery slow to apply", () => {
  it("is kept and answered `queued` before it is applied, then applied once and its row deleted", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const gift = await paidGift(1234);
    const lock = await holdCheckout(gift.checkout.id);
    const answer = await receiveStripeDelivery(db, gift.request, { inbox, concurrency: 10 });
    // Answered while the checkout was still locked: nothing applied yet, the delivery kept whole.
    expect(answer).toEqual({ ok: true, outcome: "queued" });
    expect(await paymentsOf(gift.checkout.id)).toEqual([]);
    expect(await kept()).toEqual([
      expect.objectContaining({ eventId: gift.event.id, body: gift.request.rawBody, attempts: 0 }),
    ]);
    await lock.release();
    expect(await deliveriesApplied(30_000)).toBe(true);
    const [payment] = await paymentsOf(gift.checkout.id);
    expect(payment).toMatchObject({ amountMinor: 1234 });
    expect(await kept()).toEqual([]);
    const [{ n: receiptMail }] = await db
      .select({ n: count() })
      .from(outbox)
      .where(eq(outbox.idempotencyKey, `receipt:${payment.id}`));
    expect(receiptMail).toBe(1);
  });

  it("is answered with its result, and nothing kept, where the answer waits for it (WEBHOOK_ANSWER=applied)", async ({
    skip,
  }) => {
    if (unreachable) skip(unreachable);
    const gift = await paidGift(2345);
    const answer = await receiveStripeDelivery(db, gift.request);
    expect(answer).toEqual({ ok: true, outcome: "applied", ignored: false });
    expect(await paymentsOf(gift.checkout.id)).toHaveLength(1);
    expect(await kept()).toEqual([]);
  });

  it("leaves no row once it turns out a duplicate, or a session that is not ours", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const gift = await paidGift(2468);
    expect(await receiveStripeDelivery(db, gift.request, { inbox, concurrency: 10 })).toEqual({
      ok: true,
      outcome: "queued",
    });
    expect(await receiveStripeDelivery(db, gift.request, { inbox, concurrency: 10 })).toEqual({
      ok: true,
      outcome: "queued",
    });
    // Not the amount its checkout asked for: kept for staff among the failed events, never applied.
    const checkout = await createCheckout(db, { campaignId, kind: "one_off", amountMinor: 1000, feeCoverMinor: 0 });
    const wrong = stripeEvent(
      "checkout.session.completed",
      checkoutSessionObject({
        metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId, kind: "one_off" }),
        amountTotal: 999_999,
        email: checkout.email,
      }),
    );
    expect(await receiveStripeDelivery(db, signedWebhookRequest(wrong, SECRET), { inbox, concurrency: 10 })).toEqual({
      ok: true,
      outcome: "queued",
    });
    expect(await deliveriesApplied(30_000)).toBe(true);
    expect(await paymentsOf(gift.checkout.id)).toHaveLength(1);
    expect(await paymentsOf(checkout.id)).toEqual([]);
    expect((await db.select().from(webhookFailures).where(eq(webhookFailures.eventId, wrong.id))).length).toBe(1);
    expect(await kept()).toEqual([]);
  });
});

describe("the inbox worker", () => {
  it("applies a kept delivery whose applying failed, once its lease has run out", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const gift = await paidGift(3456);
    const lock = await holdCheckout(gift.checkout.id);
    expect(await receiveStripeDelivery(db, gift.request, { inbox, concurrency: 10 })).toEqual({
      ok: true,
      outcome: "queued",
    });
    // Applying fails after the answer: its connection is ended while it waits for the lock.
    await vi.waitFor(
      async () => {
        const [{ ended }] = rowsOf<{ ended: number }>(
          await inbox.execute(sql`select count(pg_terminate_backend(pid))::int as ended from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query ilike '%checkouts%'`),
        );
        expect(ended).toBe(1);
      },
      { timeout: 30_000, interval: 20 },
    );
    expect(await deliveriesApplied(30_000)).toBe(true);
    await lock.release();
    expect(await paymentsOf(gift.checkout.id)).toEqual([]);
    // Kept, for staff among the failed events too; the lease still runs, so the worker waits.
    expect(await kept()).toHaveLength(1);
    expect((await db.select().from(webhookFailures).where(eq(webhookFailures.eventId, gift.event.id))).length).toBe(1);
    expect(await applyKeptDeliveries(db)).toEqual({ applied: 0, failed: 0 });
    // The lease runs out (moved, as the clock would move it).
    await db.update(webhookInbox).set({ leaseUntil: new Date(Date.now() - 1000) });
    expect(await applyKeptDeliveries(db)).toEqual({ applied: 1, failed: 0 });
    expect(await paymentsOf(gift.checkout.id)).toHaveLength(1);
    expect(await kept()).toEqual([]);
    const [failure] = await db.select().from(webhookFailures).where(eq(webhookFailures.eventId, gift.event.id));
    expect(failure.resolvedAt).not.toBeNull();
  });

  it("deletes a kept delivery already applied (its process died after applying it) without applying it again", async ({
    skip,
  }) => {
    if (unreachable) skip(unreachable);
    const gift = await paidGift(4567);
    expect(await receiveStripeDelivery(db, gift.request)).toMatchObject({ ok: true, outcome: "applied" });
    await db
      .insert(webhookInbox)
      .values({ eventId: gift.event.id, body: gift.request.rawBody, leaseUntil: new Date(Date.now() - 1000) });
    expect(await applyKeptDeliveries(db)).toEqual({ applied: 1, failed: 0 });
    expect(await paymentsOf(gift.checkout.id)).toHaveLength(1);
    expect(await kept()).toEqual([]);
  });

  it("takes each kept delivery once when two processes ask at the same moment", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    const gifts = await Promise.all([5001, 5002, 5003, 5004, 5005, 5006].map(paidGift));
    await db.insert(webhookInbox).values(
      gifts.map((gift) => ({
        eventId: gift.event.id,
        body: gift.request.rawBody,
        leaseUntil: new Date(Date.now() - 1000),
      })),
    );
    const [one, other] = await Promise.all([
      applyKeptDeliveries(db, { limit: 4 }),
      applyKeptDeliveries(inbox, { limit: 4 }),
    ]);
    expect(one.applied + other.applied).toBe(6);
    for (const gift of gifts) expect(await paymentsOf(gift.checkout.id)).toHaveLength(1);
    expect(await kept()).toEqual([]);
  });
});
