import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { outbox } from "@db/schema";
import { PreviewProps as donationReceipt } from "@emails/donation-receipt";
import { resendMailer } from "~/email/mailer.server";
import { enqueueEmail } from "~/email/outbox.server";
import { drainOutbox, MAX_ATTEMPTS, retryDelayMs, startOutboxWorker } from "~/email/worker.server";
import { uniqueEmail } from "../factories";
import { resendRequests, resendService, resetResendRequests, type ResendAnswer } from "../mocks/resend";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Mail through Resend outages: rate limits, server errors, requests that time out, messages it
 * refuses. Mail stays queued and is retried with growing, jittered back-off (read from
 * next_attempt_at, never from the wall clock), reaches each reader once when Resend is back —
 * every request carries the outbox id as its Idempotency-Key — and is given up after a bounded
 * number of attempts. Two workers at once never send a message twice.
 */

const server = setupServer();
let t: TestDatabase;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  t = await createTestDatabase();
});
beforeEach(async () => {
  await t.db.delete(outbox);
});
afterEach(() => {
  server.resetHandlers();
  resetResendRequests();
});
afterAll(async () => {
  server.close();
  await t?.close();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Short, so a request that hangs costs the test a moment; production waits 15 s. */
const CLIENT_TIMEOUT_MS = 150;
const mailer = resendMailer({
  apiKey: "re_test_outages",
  from: "Fighting Fund <receipts@example.org>",
  timeoutMs: CLIENT_TIMEOUT_MS,
});

function useResend(answer: (request: { key: string | null; attempt: number }) => ResendAnswer) {
  const resend = resendService(answer);
  server.use(resend.handler);
  return resend;
}

async function queueReceipts(count = 1) {
  const keys = Array.from({ length: count }, () => `outage-test:${randomUUID()}`);
  await t.db.transaction(async (tx) => {
    for (const idempotencyKey of keys)
      await enqueueEmail(tx, {
        template: "donation-receipt",
        to: uniqueEmail(),
        locale: "en",
        props: donationReceipt,
        idempotencyKey,
      });
  });
  return t.db.select().from(outbox).where(inArray(outbox.idempotencyKey, keys));
}

const reload = async (id: string) => (await t.db.select().from(outbox).where(eq(outbox.id, id)))[0];
const later = (from: Date, ms: number) => new Date(from.getTime() + ms);

/**
 * Drains whenever the row is next due (the worker's clock is passed in), until it is sent or
 * given up. Returns the delay before each retry, as the row recorded it.
 */
async function drainUntilSettled(id: string, start = later(new Date(), 1000)) {
  const delays: number[] = [];
  let now = start;
  for (let pass = 0; pass < MAX_ATTEMPTS + 2; pass++) {
    const result = await drainOutbox(t.db, { mailer, now });
    const row = await reload(id);
    if (row.sentAt || row.failedAt) return { row, delays, result };
    expect(result).toEqual({ sent: 0, retried: 1, failed: 0 });
    delays.push(row.nextAttemptAt.getTime() - now.getTime());
    // Just before it is due, nothing is sent.
    expect(await drainOutbox(t.db, { mailer, now: later(row.nextAttemptAt, -1) })).toEqual({
      sent: 0,
      retried: 0,
      failed: 0,
    });
    now = row.nextAttemptAt;
  }
  throw new Error("the message never settled");
}

const requestsFor = (id: string) => resendRequests.filter((r) => r.idempotencyKey === id);

describe("mail through a Resend outage", () => {
  it.each([
    ["rate limiting (429)", 429],
    ["a server error (500)", 500],
    ["an unavailable service (503)", 503],
  ])(
    "%s: the message stays queued, backs off further each time, and is sent once when Resend is back",
    async (_, status) => {
      const resend = useResend(({ attempt }) => (attempt <= 3 ? { status } : "accept"));
      const [row] = await queueReceipts();

      const { row: settled, delays } = await drainUntilSettled(row.id);
      expect(settled.sentAt).not.toBeNull();
      expect(settled.failedAt).toBeNull();
      expect(settled.attempts).toBe(4);
      // 2^n × 30 s, ± 20 %: each wait longer than the one before.
      expect(delays).toHaveLength(3);
      delays.forEach((delay, i) => {
        const base = 2 ** (i + 1) * 30_000;
        expect(delay).toBeGreaterThanOrEqual(base * 0.8);
        expect(delay).toBeLessThanOrEqual(base * 1.2);
        if (i > 0) expect(delay).toBeGreaterThan(delays[i - 1]);
      });
      expect(requestsFor(row.id)).toHaveLength(4);
      expect(resendRequests.every((r) => r.idempotencyKey === row.id)).toBe(true);
      expect(resend.sends.get(row.id)).toBe(1);
      // Sent is sent: later runs ask Resend nothing.
      expect(await drainOutbox(t.db, { mailer, now: later(settled.sentAt!, 48 * HOUR) })).toEqual({
        sent: 0,
        retried: 0,
        failed: 0,
      });
      expect(requestsFor(row.id)).toHaveLength(4);
    },
  );

  it("a Retry-After longer than the back-off is waited out", async () => {
    useResend(({ attempt }) => (attempt === 1 ? { status: 429, retryAfterSeconds: 600 } : "accept"));
    const [row] = await queueReceipts();
    const { row: settled, delays } = await drainUntilSettled(row.id);
    expect(delays[0]).toBeGreaterThanOrEqual(600_000);
    expect(settled.sentAt).not.toBeNull();
  });

  it("a request that times out after Resend took the message is retried with the same key, and the reader gets one email", async () => {
    const resend = useResend(({ attempt }) =>
      attempt === 1 ? { hangMs: CLIENT_TIMEOUT_MS * 20, delivered: true } : "accept",
    );
    const [row] = await queueReceipts();

    const { row: settled, delays } = await drainUntilSettled(row.id);
    expect(delays).toHaveLength(1);
    expect((await reload(row.id)).lastError).toBeNull();
    expect(settled.sentAt).not.toBeNull();
    expect(requestsFor(row.id).map((r) => r.idempotencyKey)).toEqual([row.id, row.id]);
    // The retry was answered from Resend's idempotency store: nothing sent twice.
    expect(resend.replays).toEqual([row.id]);
    expect(resend.sends.get(row.id)).toBe(1);
  });

  it("a request that times out before Resend took the message is sent on the retry", async () => {
    const resend = useResend(({ attempt }) =>
      attempt === 1 ? { hangMs: CLIENT_TIMEOUT_MS * 20, delivered: false } : "accept",
    );
    const [row] = await queueReceipts();
    const first = later(new Date(), 1000);
    expect(await drainOutbox(t.db, { mailer, now: first })).toEqual({ sent: 0, retried: 1, failed: 0 });
    const waiting = await reload(row.id);
    expect(waiting).toMatchObject({ sentAt: null, failedAt: null, attempts: 1 });
    expect(waiting.lastError).toMatch(/Resend/);

    const { row: settled } = await drainUntilSettled(row.id, waiting.nextAttemptAt);
    expect(settled.sentAt).not.toBeNull();
    expect(resend.replays).toEqual([]);
    expect(resend.sends.get(row.id)).toBe(1);
  });

  it("a message Resend refuses (422) is marked failed at once: sending it again cannot help", async () => {
    const resend = useResend(() => ({ status: 422 }));
    const [row] = await queueReceipts();
    const { row: settled, delays } = await drainUntilSettled(row.id);
    expect(delays).toEqual([]);
    expect(settled).toMatchObject({ sentAt: null, attempts: 1 });
    expect(settled.failedAt).not.toBeNull();
    expect(settled.lastError).toContain("validation_error");
    expect(requestsFor(row.id)).toHaveLength(1);
    expect(resend.sends.size).toBe(0);
  });

  it(`an outage that does not end: ${MAX_ATTEMPTS} attempts, each after a longer wait, then the message is marked failed`, async () => {
    const resend = useResend(() => ({ status: 500 }));
    const [row] = await queueReceipts();
    const { row: settled, delays } = await drainUntilSettled(row.id);
    expect(settled.sentAt).toBeNull();
    expect(settled.failedAt).not.toBeNull();
    expect(settled.attempts).toBe(MAX_ATTEMPTS);
    expect(settled.lastError).toContain(`gave up after ${MAX_ATTEMPTS} attempts`);
    expect(delays).toHaveLength(MAX_ATTEMPTS - 1);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1.2 * HOUR);
    expect(requestsFor(row.id)).toHaveLength(MAX_ATTEMPTS);
    expect(resend.sends.size).toBe(0);
  });

  it("messages failing together do not all retry at the same moment (jitter)", async () => {
    useResend(() => ({ status: 503 }));
    const rows = await queueReceipts(12);
    const now = later(new Date(), 1000);
    expect(await drainOutbox(t.db, { mailer, now, batchSize: 12 })).toEqual({ sent: 0, retried: 12, failed: 0 });
    const delays = (
      await t.db
        .select()
        .from(outbox)
        .where(
          inArray(
            outbox.id,
            rows.map((r) => r.id),
          ),
        )
    ).map((r) => r.nextAttemptAt.getTime() - now.getTime());
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(retryDelayMs(1, () => 0));
      expect(delay).toBeLessThanOrEqual(retryDelayMs(1, () => 1));
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
  });
});

describe("two workers at once", () => {
  it("two polling workers draining one outbox send every message exactly once", async () => {
    const resend = useResend(() => "accept");
    const rows = await queueReceipts(24);
    const workers = [
      startOutboxWorker(t.db, { intervalMs: 5, mailer, batchSize: 3 }),
      startOutboxWorker(t.db, { intervalMs: 5, mailer, batchSize: 3 }),
    ];
    try {
      const deadline = Date.now() + 30_000;
      const unsent = async () =>
        (await t.db.select({ id: outbox.id, sentAt: outbox.sentAt }).from(outbox)).filter((r) => !r.sentAt).length;
      while ((await unsent()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    expect(resendRequests).toHaveLength(rows.length);
    for (const row of rows) {
      expect(requestsFor(row.id)).toHaveLength(1);
      expect(resend.sends.get(row.id)).toBe(1);
    }
    const after = await t.db.select().from(outbox);
    expect(after.every((r) => r.sentAt !== null && r.attempts === 1)).toBe(true);
  });

  it("two worker loops through an outage: every message retried and sent once, none twice", async () => {
    const resend = useResend(({ attempt }) => (attempt === 1 ? { status: 500 } : "accept"));
    const rows = await queueReceipts(16);
    let now = later(new Date(), 1000);
    const loop = async () => {
      for (;;) {
        const result = await drainOutbox(t.db, { mailer, now, batchSize: 2 });
        if (result.sent + result.retried + result.failed === 0) return;
      }
    };
    for (let round = 0; round < 4; round++) {
      await Promise.all([loop(), loop()]);
      now = later(now, 2 * HOUR);
    }
    const after = await t.db
      .select()
      .from(outbox)
      .where(
        inArray(
          outbox.id,
          rows.map((r) => r.id),
        ),
      );
    expect(after.every((r) => r.sentAt !== null && r.attempts === 2)).toBe(true);
    for (const row of rows) {
      expect(requestsFor(row.id)).toHaveLength(2);
      expect(resend.sends.get(row.id)).toBe(1);
    }
    expect(resend.replays).toEqual([]);
  });

  it("a worker stalled past its lease: the second worker's send reuses the key, so the reader still gets one email", async () => {
    const resend = useResend(({ attempt }) => (attempt === 1 ? { hangMs: 300, delivered: true } : "accept"));
    const slowMailer = resendMailer({ apiKey: "re_test_outages", from: "Fighting Fund <receipts@example.org>" });
    const [row] = await queueReceipts();
    const now = later(new Date(), 1000);

    const stalled = drainOutbox(t.db, { mailer: slowMailer, now });
    // Wait until the first worker's request is in flight, then let its lease run out.
    while (resendRequests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await drainOutbox(t.db, { mailer: slowMailer, now: later(now, 6 * MINUTE) });
    expect(second).toEqual({ sent: 1, retried: 0, failed: 0 });
    await stalled;

    expect(requestsFor(row.id)).toHaveLength(2);
    expect(resend.replays).toEqual([row.id]);
    expect(resend.sends.get(row.id)).toBe(1);
    const settled = await reload(row.id);
    expect(settled.sentAt).not.toBeNull();
    expect(settled.attempts).toBe(2);
  });
});
