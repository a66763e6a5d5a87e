import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, checkouts, outbox, payments, settings, subscriptions, supporters } from "@db/schema";
import { startSupporterSession } from "~/auth/supporter-auth.server";
import { jobPeriodStart, jobsIntervalMs, runJobsOnce, startScheduledJobs } from "~/jobs/scheduler.server";
import { JOB_KEYS } from "~/jobs/job-lock.server";
import { eraseSupporterRecords } from "~/supporters/privacy.server";
import { giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { openLinks } from "~/auth/link-seal.server";

const { t, fixtures } = useSeededDatabase();

const DAY = 24 * 60 * 60_000;
const mailsTo = (email: string, template: string) =>
  t.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, email), eq(outbox.template, template)));

describe("renewal reminders for one-time supporters", () => {
  const now = new Date();
  /** A 12-month supporter whose support ends `daysLeft` days from now. */
  async function oneTimeSupporter(daysLeft: number, email = uniqueEmail("yearly")) {
    const plan = fixtures.plan("digital-year");
    const gift = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "tier_one_time",
      planId: plan.id,
      amountMinor: plan.amountMinor,
      email,
      name: "Yara Yearly",
    });
    const coversUntil = new Date(now.getTime() + daysLeft * DAY);
    const paidAt = new Date(coversUntil);
    paidAt.setUTCMonth(paidAt.getUTCMonth() - 12);
    await t.db.update(payments).set({ coversUntil, paidAt }).where(eq(payments.id, gift.payment.id));
    return { ...gift, email, coversUntil };
  }

  it("reminds once, 30 days ahead, with a way to renew and a sign-in link", async () => {
    const due = await oneTimeSupporter(20);
    const notYet = await oneTimeSupporter(40);
    const ended = await oneTimeSupporter(-1);
    const first = await runJobsOnce(t.db, now);
    expect(first.renewalReminders).toMatchObject({ status: "done", queued: expect.any(Number) });
    const [mail] = await mailsTo(due.email, "renewal-reminder");
    expect(mail).toMatchObject({ idempotencyKey: `renewal-reminder:${due.payment.id}` });
    expect(openLinks(mail.props)).toMatchObject({
      donorName: "Yara Yearly",
      tierName: fixtures.plan("digital-year").name,
      coversUntil: due.coversUntil.toISOString(),
      renewUrl: "http://localhost:3000/support",
      manageUrl: expect.stringMatching(/\/account\/auth\/[\w-]+$/),
    });
    expect(await mailsTo(notYet.email, "renewal-reminder")).toHaveLength(0);
    expect(await mailsTo(ended.email, "renewal-reminder")).toHaveLength(0);

    const second = await runJobsOnce(t.db, now);
    expect(second.renewalReminders).toEqual({ status: "done", queued: 0 });
    expect(await mailsTo(due.email, "renewal-reminder")).toHaveLength(1);
  });

  it("skips refunded payments, erased supporters and those who already renewed", async () => {
    const refunded = await oneTimeSupporter(10);
    await t.db
      .update(payments)
      .set({ refundedMinor: refunded.payment.amountMinor })
      .where(eq(payments.id, refunded.payment.id));
    const erased = await oneTimeSupporter(10);
    await t.db.transaction((tx) =>
      eraseSupporterRecords(tx, {
        supporterId: erased.supporterId,
        actor: { type: "system", id: null },
        reason: "request",
      }),
    );
    const renewed = await oneTimeSupporter(10);
    const plan = fixtures.plan("print-year");
    await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "tier_one_time",
      planId: plan.id,
      amountMinor: plan.amountMinor,
      email: renewed.email,
    });

    const report = await runJobsOnce(t.db, now);
    expect(report.renewalReminders).toEqual({ status: "done", queued: 0 });
    const reminders = await t.db.select().from(outbox).where(eq(outbox.template, "renewal-reminder"));
    for (const skipped of [refunded, erased, renewed])
      expect(reminders.some((m) => m.idempotencyKey === `renewal-reminder:${skipped.payment.id}`)).toBe(false);
  });
});

describe("card expiry reminders", () => {
  // Mid-March 2030: a card that runs to the end of March expires in 17 days.
  const now = new Date("2030-03-15T00:00:00Z");
  async function monthlyWithCard(
    card: { expMonth: number; expYear: number },
    periodEnd: string,
    subscription: Partial<typeof subscriptions.$inferInsert> = {},
  ) {
    const email = uniqueEmail("monthly");
    const gift = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "monthly",
      amountMinor: 2000,
      email,
      name: "Mo Monthly",
    });
    await t.db
      .update(supporters)
      .set({ cardBrand: "Visa", cardLast4: "4242", cardExpMonth: card.expMonth, cardExpYear: card.expYear })
      .where(eq(supporters.id, gift.supporterId));
    await t.db
      .update(subscriptions)
      .set({ currentPeriodEnd: new Date(periodEnd), ...subscription })
      .where(eq(subscriptions.supporterId, gift.supporterId));
    return { ...gift, email };
  }

  it("warns once per card, a month ahead, when the card runs out before the next payment", async () => {
    const expiring = await monthlyWithCard({ expMonth: 3, expYear: 2030 }, "2030-04-10T00:00:00Z");
    const payingFirst = await monthlyWithCard({ expMonth: 3, expYear: 2030 }, "2030-03-25T00:00:00Z");
    const later = await monthlyWithCard({ expMonth: 5, expYear: 2030 }, "2030-06-10T00:00:00Z");
    const stopping = await monthlyWithCard({ expMonth: 3, expYear: 2030 }, "2030-04-10T00:00:00Z", {
      cancelAtPeriodEnd: true,
    });
    const cancelled = await monthlyWithCard({ expMonth: 3, expYear: 2030 }, "2030-04-10T00:00:00Z", {
      status: "canceled",
    });

    const first = await runJobsOnce(t.db, now);
    expect(first.cardExpiryReminders).toEqual({ status: "done", queued: 1 });
    const [mail] = await mailsTo(expiring.email, "card-expiring");
    expect(mail.idempotencyKey).toBe(`card-expiring:${expiring.supporterId}:2030-3:4242`);
    expect(openLinks(mail.props)).toMatchObject({
      donorName: "Mo Monthly",
      cardBrand: "Visa",
      cardLast4: "4242",
      expMonth: 3,
      expYear: 2030,
      fixUrl: expect.stringMatching(/\/account\/auth\/[\w-]+$/),
    });
    for (const skipped of [payingFirst, later, stopping, cancelled])
      expect(await mailsTo(skipped.email, "card-expiring")).toHaveLength(0);

    expect((await runJobsOnce(t.db, new Date(now.getTime() + DAY))).cardExpiryReminders).toEqual({
      status: "done",
      queued: 0,
    });
    expect(await mailsTo(expiring.email, "card-expiring")).toHaveLength(1);

    // A new card that also runs out is a new reminder.
    await t.db
      .update(supporters)
      .set({ cardLast4: "1881", cardExpMonth: 4, cardExpYear: 2030 })
      .where(eq(supporters.id, expiring.supporterId));
    await t.db
      .update(subscriptions)
      .set({ currentPeriodEnd: new Date("2030-05-10T00:00:00Z") })
      .where(eq(subscriptions.supporterId, expiring.supporterId));
    await runJobsOnce(t.db, new Date("2030-04-10T00:00:00Z"));
    expect((await mailsTo(expiring.email, "card-expiring")).map((m) => m.idempotencyKey).sort()).toEqual([
      `card-expiring:${expiring.supporterId}:2030-3:4242`,
      `card-expiring:${expiring.supporterId}:2030-4:1881`,
    ]);
  });
});

describe("retention", () => {
  const now = new Date();
  const yearsAgo = (years: number) => new Date(now.getTime() - years * 365 * DAY);

  /** A one-off donor whose record, checkout and gift all date from `paidAt`. */
  async function donor(paidAt: Date, extra: Partial<Parameters<typeof giveGift>[1]> = {}) {
    const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Old Donor", paidAt, ...extra });
    await t.db
      .update(supporters)
      .set({ createdAt: yearsAgo(3), updatedAt: yearsAgo(3) })
      .where(eq(supporters.id, gift.supporterId));
    await t.db.update(checkouts).set({ createdAt: paidAt }).where(eq(checkouts.id, gift.checkout.id));
    return gift;
  }

  it("is off by default: nothing is erased", async () => {
    await donor(yearsAgo(3));
    const report = await runJobsOnce(t.db, now);
    expect(report.retention).toEqual({ status: "done", retentionMonths: null, erased: 0 });
  });

  it("erases one-off donors with no activity for N months, keeps everyone else, and reports it", async () => {
    await t.db.update(settings).set({ retentionMonths: 24 });
    try {
      // The donor from the test before is stale too.
      const [{ stale }] = await t.db
        .select({ stale: sql<number>`count(*)::int` })
        .from(supporters)
        .where(
          sql`${supporters.erasedAt} is null and ${supporters.createdAt} < ${yearsAgo(2).toISOString()}::timestamptz`,
        );
      const old = await donor(yearsAgo(3));
      const recent = await donor(yearsAgo(1));
      const subscriber = await donor(yearsAgo(3), { kind: "monthly" });
      const signedInLately = await donor(yearsAgo(3));
      await startSupporterSession(t.db, signedInLately.supporterId);
      const stillCovered = await donor(yearsAgo(3));
      await t.db
        .update(payments)
        .set({ coversUntil: new Date(now.getTime() + 30 * DAY) })
        .where(eq(payments.id, stillCovered.payment.id));

      const report = await runJobsOnce(t.db, now);
      expect(report.retention).toEqual({ status: "done", retentionMonths: 24, erased: stale + 1 });
      const row = async (id: number) => (await t.db.select().from(supporters).where(eq(supporters.id, id)))[0];
      expect(await row(old.supporterId)).toMatchObject({
        email: `erased-${old.supporterId}@invalid`,
        name: "",
        erasedAt: now,
      });
      for (const kept of [recent, subscriber, signedInLately, stillCovered])
        expect((await row(kept.supporterId)).erasedAt).toBeNull();
      // The ledger keeps the gift.
      const [payment] = await t.db.select().from(payments).where(eq(payments.id, old.payment.id));
      expect(payment).toMatchObject({ amountMinor: old.payment.amountMinor, receiptNumber: old.payment.receiptNumber });
      const [audit] = await t.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "supporter.erase"), eq(auditLog.targetId, String(old.supporterId))));
      expect(audit).toMatchObject({ actorType: "system", actorId: null, details: { reason: "retention" } });

      expect((await runJobsOnce(t.db, now)).retention).toEqual({ status: "done", retentionMonths: 24, erased: 0 });
    } finally {
      await t.db.update(settings).set({ retentionMonths: null });
    }
  });
});

describe("running the jobs", () => {
  it.runIf(Boolean(process.env.DATABASE_URL))("leaves a job to the process already running it", async () => {
    let release!: () => void;
    let locked!: () => void;
    const haveLock = new Promise<void>((resolve) => (locked = resolve));
    const holder = t.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727002, 1)`);
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await haveLock;
    const report = await runJobsOnce(t.db);
    release();
    await holder;
    expect(report.renewalReminders).toEqual({ status: "busy" });
    expect(report.cardExpiryReminders.status).toBe("done");
  });

  it("runs soon after start-up and stops cleanly", async () => {
    const before = await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog);
    await t.db.update(settings).set({ retentionMonths: 1 });
    const stale = await giveGift(t.db, { campaignId: fixtures.campaign.id, paidAt: new Date(Date.now() - 400 * DAY) });
    await t.db
      .update(supporters)
      .set({ createdAt: new Date(Date.now() - 400 * DAY), updatedAt: new Date(Date.now() - 400 * DAY) })
      .where(eq(supporters.id, stale.supporterId));
    await t.db
      .update(checkouts)
      .set({ createdAt: new Date(Date.now() - 400 * DAY) })
      .where(eq(checkouts.id, stale.checkout.id));
    const jobs = startScheduledJobs(t.db, { intervalMs: 60_000, firstRunAfterMs: 0 });
    try {
      const deadline = Date.now() + 5000;
      while (
        !(await t.db.select().from(supporters).where(eq(supporters.id, stale.supporterId)))[0].erasedAt &&
        Date.now() < deadline
      )
        await new Promise((r) => setTimeout(r, 50));
    } finally {
      await jobs.stop();
      await t.db.update(settings).set({ retentionMonths: null });
    }
    expect(
      (await t.db.select().from(supporters).where(eq(supporters.id, stale.supporterId)))[0].erasedAt,
    ).not.toBeNull();
    expect((await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog))[0].n).toBeGreaterThan(before[0].n);
  });
});

describe("scheduled runs across several app processes", () => {
  it("runs each job once per period, however many processes ask at once, and again the next period", async () => {
    const intervalMs = 60 * 60_000;
    // A period of its own (years away), so no other test's scheduled run has claimed it.
    const now = new Date(Date.UTC(2031, 0, 1, 10, 30));
    const period = jobPeriodStart(now, intervalMs);
    expect(period.toISOString()).toBe("2031-01-01T10:00:00.000Z");
    const statuses = (reports: Awaited<ReturnType<typeof runJobsOnce>>[]) =>
      Object.fromEntries(
        (Object.keys(reports[0]!) as (keyof (typeof reports)[0])[]).map((job) => [
          job,
          reports.map((r) => r[job].status).sort(),
        ]),
      );

    const everyJob = (status: string) => Object.keys(JOB_KEYS).map(() => status);

    // Three processes wake for the same period at the same moment.
    const first = await Promise.all([1, 2, 3].map(() => runJobsOnce(t.db, now, { period })));
    for (const list of Object.values(statuses(first))) expect(list.filter((s) => s === "done")).toHaveLength(1);
    // One of them (or a restarted one) asks again later in the period: nothing runs.
    const again = await runJobsOnce(t.db, new Date(now.getTime() + 20 * 60_000), { period });
    expect(Object.values(again).map((o) => o.status)).toEqual(everyJob("already-done"));
    // The next period runs everything once more; a one-off run without a period always runs.
    const next = new Date(now.getTime() + intervalMs);
    expect(
      Object.values(await runJobsOnce(t.db, next, { period: jobPeriodStart(next, intervalMs) })).map((o) => o.status),
    ).toEqual(everyJob("done"));
    expect(Object.values(await runJobsOnce(t.db, next)).map((o) => o.status)).toEqual(everyJob("done"));
  });

  it("JOBS_INTERVAL_MS sets the period, and a bad value is refused with a clear line", () => {
    expect(jobsIntervalMs({})).toBe(60 * 60_000);
    expect(jobsIntervalMs({ JOBS_INTERVAL_MS: "3000" })).toBe(3000);
    expect(() => jobsIntervalMs({ JOBS_INTERVAL_MS: "soon" })).toThrow(
      "JOBS_INTERVAL_MS: must be a whole number of milliseconds from 1000 to 86400000",
    );
    expect(() => jobsIntervalMs({ JOBS_INTERVAL_MS: "10" })).toThrow("JOBS_INTERVAL_MS");
  });
});
