import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { devMailbox, outbox } from "@db/schema";
import { PreviewProps as donationReceipt, subject as donationReceiptSubject } from "@emails/donation-receipt";
import { getMailboxMessage, listMailbox } from "~/email/mailbox.server";
import { getMailer } from "~/email/mailer.server";
import { enqueueEmail } from "~/email/outbox.server";
import { drainOutbox, MAX_ATTEMPTS, startOutboxWorker } from "~/email/worker.server";
import { resetEnvCache } from "~/env.server";
import { recentServiceFailure } from "~/health.server";
import { uniqueEmail } from "../factories";
import { resendAccepts, resendFails, resendHandlers, resendRequests, resetResendRequests } from "../mocks/resend";
import { createTestDatabase, type TestDatabase } from "../support/database";

const server = setupServer(...resendHandlers);
let t: TestDatabase;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  t = await createTestDatabase();
});
beforeEach(async () => {
  await t.db.delete(outbox);
  await t.db.delete(devMailbox);
});
afterEach(() => {
  server.resetHandlers();
  resetResendRequests();
  delete process.env.RESEND_API_KEY;
  delete process.env.MAIL_FROM;
  resetEnvCache();
});
afterAll(async () => {
  server.close();
  await t?.close();
});

const MAIL_FROM = "Fighting Fund <receipts@example.org>";
function useResend() {
  process.env.RESEND_API_KEY = "re_test_123456789";
  process.env.MAIL_FROM = MAIL_FROM;
  resetEnvCache();
  return getMailer(t.db);
}

async function queueReceipts(count = 1) {
  const keys = Array.from({ length: count }, () => `test:${randomUUID()}`);
  await t.db.transaction(async (tx) => {
    for (const idempotencyKey of keys) {
      await enqueueEmail(tx, {
        template: "donation-receipt",
        to: uniqueEmail(),
        locale: "en",
        props: donationReceipt,
        idempotencyKey,
      });
    }
  });
  return t.db.select().from(outbox).where(inArray(outbox.idempotencyKey, keys));
}

async function reload(id: string) {
  const [row] = await t.db.select().from(outbox).where(eq(outbox.id, id));
  return row;
}

const later = (from: Date, ms: number) => new Date(from.getTime() + ms);
const HOURS = 60 * 60_000;

describe("outbox delivery", () => {
  it("without a Resend key, a receipt lands in the dev mailbox once, rendered", async () => {
    const mailer = getMailer(t.db);
    expect(mailer.name).toBe("mailbox");
    const [row] = await queueReceipts();
    const now = later(new Date(), 1000);

    expect(await drainOutbox(t.db, { mailer, now })).toEqual({ sent: 1, retried: 0, failed: 0 });
    // Delivered again (a worker whose lease ran out, say): still one message.
    await mailer.send({ outboxId: row.id, to: row.toEmail, subject: "again", html: "<p>again</p>", text: "again" });
    expect(await drainOutbox(t.db, { mailer, now: later(now, HOURS) })).toEqual({ sent: 0, retried: 0, failed: 0 });

    const stored = await t.db.select().from(devMailbox).where(eq(devMailbox.outboxId, row.id));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ toEmail: row.toEmail, subject: donationReceiptSubject(donationReceipt) });
    expect(stored[0].text).toMatch(/Receipt number\s+1042/);
    expect(stored[0].html).toContain("Fighting Fund Demo Press");

    const sent = await reload(row.id);
    expect(sent.sentAt).not.toBeNull();
    expect(sent.providerMessageId).toBe(`mailbox:${stored[0].id}`);
    expect(sent.attempts).toBe(1);

    const list = await listMailbox(t.db);
    expect(list.map((m) => m.id)).toEqual([stored[0].id]);
    expect(await getMailboxMessage(t.db, { id: stored[0].id })).toMatchObject({
      subject: stored[0].subject,
      html: stored[0].html,
    });
    expect(await getMailboxMessage(t.db, { id: stored[0].id + 1000 })).toBeNull();
    expect(resendRequests).toHaveLength(0);
  });

  it("with a Resend key, sends from MAIL_FROM to the reader with the outbox id as the idempotency key", async () => {
    const mailer = useResend();
    expect(mailer.name).toBe("resend");
    const [row] = await queueReceipts();

    expect(await drainOutbox(t.db, { mailer, now: later(new Date(), 1000) })).toEqual({
      sent: 1,
      retried: 0,
      failed: 0,
    });
    expect(resendRequests).toHaveLength(1);
    const [request] = resendRequests;
    expect(request.idempotencyKey).toBe(row.id);
    expect(request.authorization).toBe("Bearer re_test_123456789");
    expect(request.body).toMatchObject({
      from: MAIL_FROM,
      to: row.toEmail,
      subject: donationReceiptSubject(donationReceipt),
    });
    expect(request.body.text).toMatch(/Amount\s+\$25\.74 AUD/);
    expect(request.body.html).toContain("<html");

    const sent = await reload(row.id);
    expect(sent.sentAt).not.toBeNull();
    expect(sent.providerMessageId).toMatch(/^re_mock_/);
    expect(recentServiceFailure("resend")).toBeNull();
  });

  it("a rate-limited send waits at least as long as Resend asks, then is sent exactly once", async () => {
    const mailer = useResend();
    server.use(resendFails(429, { once: true, retryAfterSeconds: 120 }));
    const [row] = await queueReceipts();
    const now = later(new Date(), 1000);

    expect(await drainOutbox(t.db, { mailer, now })).toEqual({ sent: 0, retried: 1, failed: 0 });
    const waiting = await reload(row.id);
    expect(waiting).toMatchObject({ sentAt: null, failedAt: null, attempts: 1 });
    expect(waiting.lastError).toContain("429");
    expect(waiting.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(later(now, 120_000).getTime());

    // Not due yet: nothing is sent.
    expect(await drainOutbox(t.db, { mailer, now: later(now, 60_000) })).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(await drainOutbox(t.db, { mailer, now: later(now, 2 * HOURS) })).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(await drainOutbox(t.db, { mailer, now: later(now, 4 * HOURS) })).toEqual({ sent: 0, retried: 0, failed: 0 });

    expect(resendRequests.map((r) => r.idempotencyKey)).toEqual([row.id, row.id]);
    expect(await reload(row.id)).toMatchObject({ attempts: 2, lastError: null });
    expect((await reload(row.id)).sentAt).not.toBeNull();
  });

  it("a Resend outage is retried with growing back-off, not sent meanwhile, and shows on the health check", async () => {
    const mailer = useResend();
    server.use(resendFails(500));
    const [row] = await queueReceipts();
    const now = later(new Date(), 1000);

    expect(await drainOutbox(t.db, { mailer, now })).toEqual({ sent: 0, retried: 1, failed: 0 });
    const first = await reload(row.id);
    const firstDelay = first.nextAttemptAt.getTime() - now.getTime();
    // 2^1 × 30 s ± 20 %
    expect(firstDelay).toBeGreaterThanOrEqual(48_000);
    expect(firstDelay).toBeLessThanOrEqual(72_000);
    expect(first).toMatchObject({ sentAt: null, failedAt: null, attempts: 1 });
    expect(recentServiceFailure("resend")).toContain("500");

    const second = later(now, 2 * HOURS);
    expect(await drainOutbox(t.db, { mailer, now: second })).toEqual({ sent: 0, retried: 1, failed: 0 });
    const secondDelay = (await reload(row.id)).nextAttemptAt.getTime() - second.getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(96_000);
    expect(secondDelay).toBeLessThanOrEqual(144_000);
    expect(resendRequests).toHaveLength(2);
  });

  it("a message Resend rejects (422) is marked failed at once and never retried", async () => {
    const mailer = useResend();
    server.use(resendFails(422));
    const [row] = await queueReceipts();
    const now = later(new Date(), 1000);

    expect(await drainOutbox(t.db, { mailer, now })).toEqual({ sent: 0, retried: 0, failed: 1 });
    const failed = await reload(row.id);
    expect(failed.failedAt).not.toBeNull();
    expect(failed).toMatchObject({ sentAt: null, attempts: 1 });
    expect(failed.lastError).toContain("validation_error");
    expect(await drainOutbox(t.db, { mailer, now: later(now, 48 * HOURS) })).toEqual({
      sent: 0,
      retried: 0,
      failed: 0,
    });
    expect(resendRequests).toHaveLength(1);
  });

  it(`gives up after ${MAX_ATTEMPTS} failed attempts`, async () => {
    const mailer = useResend();
    server.use(resendFails(503));
    const [row] = await queueReceipts();
    const start = later(new Date(), 1000);

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await drainOutbox(t.db, { mailer, now: later(start, attempt * 2 * HOURS) });
      expect(result).toEqual(
        attempt < MAX_ATTEMPTS ? { sent: 0, retried: 1, failed: 0 } : { sent: 0, retried: 0, failed: 1 },
      );
    }
    const failed = await reload(row.id);
    expect(failed).toMatchObject({ attempts: MAX_ATTEMPTS, sentAt: null });
    expect(failed.failedAt).not.toBeNull();
    expect(failed.lastError).toContain(`gave up after ${MAX_ATTEMPTS} attempts`);
    expect(await drainOutbox(t.db, { mailer, now: later(start, 100 * HOURS) })).toEqual({
      sent: 0,
      retried: 0,
      failed: 0,
    });
    expect(resendRequests).toHaveLength(MAX_ATTEMPTS);
  });

  it("workers draining side by side send each message exactly once", async () => {
    const mailer = useResend();
    server.use(resendAccepts({ latencyMs: 20 }));
    const rows = await queueReceipts(10);
    const now = later(new Date(), 1000);

    const worker = async () => {
      let sent = 0;
      for (;;) {
        const result = await drainOutbox(t.db, { mailer, now, batchSize: 2 });
        if (result.sent + result.retried + result.failed === 0) return sent;
        sent += result.sent;
      }
    };
    const [twoAtOnceA, twoAtOnceB] = await Promise.all([
      drainOutbox(t.db, { mailer, now, batchSize: 3 }),
      drainOutbox(t.db, { mailer, now, batchSize: 3 }),
    ]);
    expect(twoAtOnceA.sent + twoAtOnceB.sent).toBe(6);
    const counts = await Promise.all([worker(), worker(), worker()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);

    expect(resendRequests).toHaveLength(10);
    expect(new Set(resendRequests.map((r) => r.idempotencyKey))).toEqual(new Set(rows.map((r) => r.id)));
    const after = await t.db
      .select()
      .from(outbox)
      .where(
        inArray(
          outbox.id,
          rows.map((r) => r.id),
        ),
      );
    expect(after.every((r) => r.sentAt !== null && r.attempts === 1)).toBe(true);
  });

  it("the polling worker delivers what is queued when kicked, and stops cleanly", async () => {
    const [row] = await queueReceipts();
    const worker = startOutboxWorker(t.db, { intervalMs: 60_000, mailer: getMailer(t.db) });
    try {
      worker.kick();
      const deadline = Date.now() + 10_000;
      while (!(await reload(row.id)).sentAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect((await reload(row.id)).sentAt).not.toBeNull();
    } finally {
      await worker.stop();
    }
  });
});
