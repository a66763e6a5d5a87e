import { and, asc, count, eq, isNull, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openDatabase, type DB } from "@db/client.server";
import { campaigns, counters, devMailbox, outbox, payments, providerEvents, receipts } from "@db/schema";
import { createCheckout } from "../factories";
import { checkoutMetadata, checkoutSessionObject, signedWebhookRequest, stripeEvent } from "../mocks/stripe";
import { scratchOnServer, type ScratchDatabase } from "../support/scratch-database";
import { spawnServer, type ServerProcess } from "../support/server-process";

/*
 * The app is killed (SIGKILL: no shutdown code runs) while it applies a burst of Stripe
 * deliveries and sends their receipts. After a restart, and Stripe delivering again, every
 * payment is there once, every receipt went out once, receipt numbers have no gap and no
 * outbox row stays claimed.
 *
 * It needs a real PostgreSQL server (an embedded database belongs to one process): DATABASE_URL's,
 * or the usual one at 127.0.0.1:5432. It makes its own database there and drops it after.
 */

const WEBHOOK_SECRET = "whsec_crash_recovery_tests";
const DELIVERIES = 60;
/** The worker's claim: a row claimed by a process that died is free again after this (worker.server.ts). */
const LEASE_MS = 5 * 60_000;
const BOUND = { timeout: 60_000, interval: 250 };
const SERVER_ENV = {
  STRIPE_SECRET_KEY: "sk_test_51CrashRecovery",
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  OUTBOX_POLL_MS: "100",
};

type Delivery = { checkoutId: string; eventId: string; rawBody: string; signature: string };

let unreachable: string | null = null;
let scratch: ScratchDatabase | null = null;
let databaseUrl = "";
let handle: Awaited<ReturnType<typeof openDatabase>> | undefined;
let server: ServerProcess | undefined;
const db = (): DB => handle!.db;

beforeAll(async () => {
  ({ scratch, unreachable } = await scratchOnServer("ff_test_crash", "crash-recovery test"));
  if (scratch) databaseUrl = scratch.url;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await handle?.close();
  await scratch?.drop();
});

async function deliver(origin: string, delivery: Delivery) {
  const response = await fetch(`${origin}/webhooks/stripe`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Stripe-Signature": delivery.signature },
    body: delivery.rawBody,
  });
  return { status: response.status, body: await response.text() };
}

/** One paid one-off Checkout Session per checkout: each makes a payment, a receipt and a receipt email. */
async function paidCheckoutDeliveries(n: number): Promise<Delivery[]> {
  const [campaign] = await db().select().from(campaigns).where(eq(campaigns.isDefault, true));
  const deliveries: Delivery[] = [];
  for (let i = 0; i < n; i++) {
    const checkout = await createCheckout(db(), {
      campaignId: campaign.id,
      kind: "one_off",
      amountMinor: 1000 + i,
      feeCoverMinor: 0,
    });
    const session = checkoutSessionObject({
      metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: campaign.id, kind: "one_off" }),
      amountTotal: checkout.amountMinor,
      email: checkout.email,
    });
    const event = stripeEvent("checkout.session.completed", session);
    deliveries.push({ checkoutId: checkout.id, eventId: event.id, ...signedWebhookRequest(event, WEBHOOK_SECRET) });
  }
  return deliveries;
}

/** The invariants that must hold at any moment, crash or not: one transaction per payment. */
async function expectConsistentLedger() {
  const [{ n: paymentCount }] = await db().select({ n: count() }).from(payments);
  const [{ n: receiptCount }] = await db().select({ n: count() }).from(receipts);
  const [{ n: receiptMail }] = await db()
    .select({ n: count() })
    .from(outbox)
    .where(like(outbox.idempotencyKey, "receipt:%"));
  const [{ n: applied }] = await db().select({ n: count() }).from(providerEvents);
  expect({ receipts: receiptCount, receiptMail, events: applied }).toEqual({
    receipts: paymentCount,
    receiptMail: paymentCount,
    events: paymentCount,
  });
  return paymentCount;
}

describe("the app killed mid-way through a burst of payments", () => {
  it("loses nothing and doubles nothing once restarted and Stripe delivers again", async ({ skip }) => {
    if (unreachable) skip(unreachable);
    server = await spawnServer({ ...SERVER_ENV, DATABASE_URL: databaseUrl });
    handle = await openDatabase({ url: databaseUrl, poolSize: 2 });
    const deliveries = await paidCheckoutDeliveries(DELIVERIES);

    // Deliver them a few at a time, as Stripe does, and kill the app once a third have been
    // acknowledged and the outbox worker (polling every 100 ms) has begun sending their receipts:
    // deliveries are then in flight or queued on the receipt counter's lock, and mail is claimed.
    const acknowledged = new Set<string>();
    const unanswered = new Set<string>();
    const origin = server.origin;
    const queue = [...deliveries];
    const lane = async () => {
      for (let delivery = queue.shift(); delivery; delivery = queue.shift()) {
        const status = await deliver(origin, delivery).then(
          (response) => response.status,
          () => "no response",
        );
        (status === 200 ? acknowledged : unanswered).add(delivery.eventId);
      }
    };
    // Best of all while the worker holds a claim on mail it has not settled; failing that, kill
    // anyway before two thirds are through.
    const killWhenBusy = async (): Promise<"killed" | "too late"> => {
      while (unanswered.size === 0 && acknowledged.size < DELIVERIES) {
        const [{ sent, claimed }] = await db()
          .select({
            sent: count(devMailbox.id),
            claimed:
              sql<number>`count(*) filter (where ${outbox.sentAt} is null and ${outbox.nextAttemptAt} > now())`.mapWith(
                Number,
              ),
          })
          .from(outbox)
          .leftJoin(devMailbox, eq(devMailbox.outboxId, outbox.id));
        const busy = sent > 0 && (claimed > 0 || acknowledged.size >= (2 * DELIVERIES) / 3);
        if (acknowledged.size >= DELIVERIES / 3 && busy) {
          await server!.kill();
          return "killed";
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return "too late";
    };
    const [kill] = await Promise.all([killWhenBusy(), lane(), lane(), lane(), lane()]);
    // The premise: the app died by our hand (not by itself), with deliveries still unanswered,
    // which Stripe would therefore send again.
    expect(kill, server.output()).toBe("killed");
    expect(unanswered.size).toBeGreaterThan(0);

    // Every acknowledged delivery survived the kill, and nothing was half-written.
    const applied = await db().select({ id: providerEvents.id }).from(providerEvents);
    for (const eventId of acknowledged) expect(applied.map((row) => row.id)).toContain(eventId);
    await expectConsistentLedger();

    // A row the dead process had claimed stays claimed for one lease at most, never forever.
    const claimed = await db()
      .select({ id: outbox.id, nextAttemptAt: outbox.nextAttemptAt })
      .from(outbox)
      .where(and(isNull(outbox.sentAt), isNull(outbox.failedAt), sql`${outbox.nextAttemptAt} > now()`));
    const latestLeaseEnd = Date.now() + LEASE_MS + 60_000;
    for (const row of claimed) expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(latestLeaseEnd);
    // Waiting five minutes for those leases to run out proves nothing more: move them to now, as
    // the clock would.
    if (claimed.length > 0) {
      await db().execute(
        sql`update outbox set next_attempt_at = now() where sent_at is null and failed_at is null and next_attempt_at > now()`,
      );
    }

    // Restart on the same database; Stripe redelivers. It would only resend what got no 2xx:
    // sending everything again also proves that an acknowledged event is not applied twice.
    server = await spawnServer({ ...SERVER_ENV, DATABASE_URL: databaseUrl });
    const retried = await Promise.all(deliveries.map((delivery) => deliver(server!.origin, delivery)));
    expect(retried.map((response) => response.status)).toEqual(deliveries.map(() => 200));

    // The outbox drains: no mail left unsent or failed.
    await vi.waitFor(async () => {
      const [{ n: pending }] = await db()
        .select({ n: count() })
        .from(outbox)
        .where(and(isNull(outbox.sentAt), isNull(outbox.failedAt)));
      expect(pending).toBe(0);
    }, BOUND);
    const [{ n: failed }] = await db()
      .select({ n: count() })
      .from(outbox)
      .where(sql`${outbox.failedAt} is not null`);
    expect(failed).toBe(0);

    // Every payment once.
    expect(await expectConsistentLedger()).toBe(DELIVERIES);
    const perCheckout = await db()
      .select({ checkoutId: payments.checkoutId, n: count() })
      .from(payments)
      .groupBy(payments.checkoutId);
    expect(perCheckout).toHaveLength(DELIVERIES);
    expect(perCheckout.every((row) => row.n === 1)).toBe(true);
    expect(new Set(perCheckout.map((row) => row.checkoutId))).toEqual(
      new Set(deliveries.map((delivery) => delivery.checkoutId)),
    );

    // Receipt numbers 1…n with no gap and no number burnt by a transaction the kill rolled back.
    const numbers = (
      await db().select({ n: payments.receiptNumber }).from(payments).orderBy(asc(payments.receiptNumber))
    ).map((row) => row.n);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i));
    const [counter] = await db().select().from(counters).where(eq(counters.name, "receipt"));
    expect(counter.value).toBe(numbers.at(-1));

    // Every receipt in the mailbox exactly once.
    const mail = await db()
      .select({ key: outbox.idempotencyKey, copies: count(devMailbox.id) })
      .from(outbox)
      .leftJoin(devMailbox, eq(devMailbox.outboxId, outbox.id))
      .where(like(outbox.idempotencyKey, "receipt:%"))
      .groupBy(outbox.idempotencyKey);
    expect(mail).toHaveLength(DELIVERIES);
    expect(mail.filter((row) => row.copies !== 1)).toEqual([]);
    const [{ n: mailboxTotal }] = await db().select({ n: count() }).from(devMailbox);
    expect(mailboxTotal).toBe(DELIVERIES);

    expect(server.alive(), server.output()).toBe(true);
  });
});
