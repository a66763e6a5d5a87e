import { and, asc, eq } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkouts, outbox, payments, subscriptions, supporters } from "@db/schema";
import type { Mailer } from "~/email/mailer.server";
import { MailerError } from "~/email/mailer.server";
import { drainOutbox } from "~/email/worker.server";
import { completeSimulatedCheckout, getSimulatedCheckout } from "~/payments/simulated.server";
import { action, loader } from "~/routes/account.subscriptions.$id";
import { createCheckout, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";
import { signInAs } from "../support/supporter-session";
import { getAccountOverview } from "~/supporters/account.server";

/** supporters can trust every change they make. */
const { t, fixtures } = useSeededDatabase();

type Browser = Awaited<ReturnType<typeof signInAs>>;

async function supporterWith(
  options: { kind: "monthly"; amountMinor: number } | { kind: "tier_monthly"; plan: string },
) {
  const plan = options.kind === "tier_monthly" ? fixtures.plan(options.plan) : null;
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    kind: options.kind,
    planId: plan?.id ?? null,
    amountMinor: plan?.amountMinor ?? (options.kind === "monthly" ? options.amountMinor : 0),
    email: uniqueEmail(),
    provider: "simulated",
  });
  await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay" });
  const [sub] = await t.db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.providerSubscriptionId, `sim_sub_${checkout.id}`));
  const browser = await signInAs(t.db, sub.supporterId);
  return { sub, browser, supporterId: sub.supporterId };
}

const post = (subscriptionId: number, browser: Browser, fields: Record<string, string>) =>
  postForm(
    action,
    `/account/subscriptions/${subscriptionId}`,
    { csrf: browser.csrf, ...fields },
    { params: { id: String(subscriptionId) }, cookie: browser.cookie },
  );
const page = async (subscriptionId: number, browser: Browser) =>
  (
    await (
      await callLoader(loader, `/account/subscriptions/${subscriptionId}`, {
        params: { id: String(subscriptionId) },
        cookie: browser.cookie,
      })
    ).json()
  ).subscription;
const subscriptionRow = async (id: number) =>
  (await t.db.select().from(subscriptions).where(eq(subscriptions.id, id)))[0];
async function changeEmails(supporterId: number) {
  const [supporter] = await t.db.select().from(supporters).where(eq(supporters.id, supporterId));
  return t.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, supporter.email!), eq(outbox.template, "subscription-changed")))
    .orderBy(asc(outbox.createdAt));
}
const checkoutIdFrom = (response: Response) => response.headers.get("Location")!.replace("/simulated-checkout/", "");
const plusMonths = (date: Date, months: number) => {
  const d = new Date(date);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
};

describe("monthly → 12 months ends the monthly subscription only once the year is paid", () => {
  it("starting the move changes nothing; a declined or abandoned payment changes nothing and sends nothing", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "tier_monthly", plan: "print-monthly" });
    const response = await post(sub.id, browser, { intent: "year" });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toMatch(/^\/simulated-checkout\//);
    // No flash: nothing has been done yet.
    expect(response.headers.get("Set-Cookie") ?? "").not.toMatch(/ff_flash=/);
    const checkoutId = checkoutIdFrom(response);
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId));
    expect(checkout).toMatchObject({
      kind: "tier_one_time",
      replacesSubscriptionId: sub.id,
      planId: fixtures.plan("print-year").id,
      supporterId,
    });

    const untouched = {
      status: "active",
      cancelAtPeriodEnd: false,
      pendingChange: null,
      currentPeriodEnd: sub.currentPeriodEnd,
    };
    expect(await subscriptionRow(sub.id)).toMatchObject(untouched);
    await completeSimulatedCheckout(t.db, { checkoutId, outcome: "decline" });
    expect(await subscriptionRow(sub.id)).toMatchObject(untouched);
    expect(await changeEmails(supporterId)).toEqual([]);
    expect(await page(sub.id, browser)).toMatchObject({
      endsAt: null,
      canChange: true,
      nextPaymentAt: sub.currentPeriodEnd!.toISOString(),
    });
  });

  it("the year's payment ends the monthly at its period end, the 12 months start there, and one email says so", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "tier_monthly", plan: "digital-monthly" });
    const checkoutId = checkoutIdFrom(await post(sub.id, browser, { intent: "year" }));
    await completeSimulatedCheckout(t.db, { checkoutId, outcome: "pay" });
    // Paying twice (a redelivered event) changes nothing more.
    await completeSimulatedCheckout(t.db, { checkoutId, outcome: "pay" });

    expect(await subscriptionRow(sub.id)).toMatchObject({
      status: "active",
      cancelAtPeriodEnd: true,
      pendingChange: null,
      currentPeriodEnd: sub.currentPeriodEnd,
    });
    const yearPayments = await t.db.select().from(payments).where(eq(payments.checkoutId, checkoutId));
    expect(yearPayments).toHaveLength(1);
    // No gap and no overlap: the 12 months start where the month already paid ends.
    expect(yearPayments[0].coversUntil).toEqual(plusMonths(sub.currentPeriodEnd!, 12));
    const mail = await changeEmails(supporterId);
    expect(mail).toHaveLength(1);
    expect(mail[0].props.summary).toMatch(
      /^your 12-month payment is received\. Your monthly payments end on .+, the end of the month you have already paid for/,
    );

    const shown = await page(sub.id, browser);
    expect(shown).toMatchObject({
      endsAt: sub.currentPeriodEnd!.toISOString(),
      canKeep: false,
      replacedByYearUntil: plusMonths(sub.currentPeriodEnd!, 12).toISOString(),
    });
    // Keeping the monthly would charge twice for the same weeks.
    expect((await post(sub.id, browser, { intent: "keep" })).status).toBe(409);
  });
});

describe("pause N months skips exactly N payments", () => {
  it.each([1, 2, 3, 6])(
    "%i month(s): the page lists the payments skipped and the one that starts them again, before and after",
    async (months) => {
      const { sub, browser } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
      const next = sub.currentPeriodEnd!;
      const before = await page(sub.id, browser);
      const option = before.pauseOptions.find((o: { months: number }) => o.months === months);
      const expectedSkipped = Array.from({ length: months }, (_, k) => plusMonths(next, k).toISOString());
      expect(option).toEqual({ months, skipped: expectedSkipped, resumesOn: plusMonths(next, months).toISOString() });

      const response = await post(sub.id, browser, { intent: "pause", months: String(months) });
      expect(response.status).toBe(303);
      const row = await subscriptionRow(sub.id);
      // Stripe voids every invoice made before resumes_at: the Nth renewal falls before it, the next one after.
      // Hours away from both, never right on a renewal (where Stripe's clock decides).
      const HOURS_12 = 12 * 60 * 60_000;
      expect(row.pausedUntil!.getTime()).toBeGreaterThan(plusMonths(next, months - 1).getTime() + HOURS_12);
      expect(row.pausedUntil!.getTime()).toBeLessThan(plusMonths(next, months).getTime() - HOURS_12);
      const after = await page(sub.id, browser);
      expect(after.paused).toEqual({ skipped: expectedSkipped, resumesOn: plusMonths(next, months).toISOString() });
      expect(response.headers.get("Set-Cookie")).toMatch(/ff_flash=/);
    },
  );
});

describe("undo", () => {
  it("keep my support takes a pending cancellation back in one step, confirmed on the page and by email", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    await post(sub.id, browser, { intent: "cancel" });
    expect(await page(sub.id, browser)).toMatchObject({ canKeep: true, canChange: false });
    const kept = await post(sub.id, browser, { intent: "keep" });
    expect(kept.status).toBe(303);
    expect(kept.headers.get("Set-Cookie")).toMatch(/ff_flash=/);
    expect(await subscriptionRow(sub.id)).toMatchObject({
      cancelAtPeriodEnd: false,
      pendingChange: null,
      status: "active",
    });
    expect(await page(sub.id, browser)).toMatchObject({ canKeep: false, canChange: true, endsAt: null });
    const summaries = (await changeEmails(supporterId)).map((m) => m.props.summary);
    expect(summaries.at(-1)).toMatch(/^your support carries on/);
  });

  it("after support ended, starting again makes a new checkout for the same tier and amount", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "tier_monthly", plan: "print-monthly" });
    await t.db.update(subscriptions).set({ status: "canceled" }).where(eq(subscriptions.id, sub.id));
    expect(await page(sub.id, browser)).toMatchObject({
      restart: { amountMinor: fixtures.plan("print-monthly").amountMinor },
    });
    const response = await post(sub.id, browser, { intent: "restart" });
    expect(response.status).toBe(303);
    const [checkout] = await t.db
      .select()
      .from(checkouts)
      .where(eq(checkouts.id, checkoutIdFrom(response)));
    const [supporter] = await t.db.select().from(supporters).where(eq(supporters.id, supporterId));
    expect(checkout).toMatchObject({
      kind: "tier_monthly",
      planId: fixtures.plan("print-monthly").id,
      amountMinor: fixtures.plan("print-monthly").amountMinor,
      email: supporter.email,
      supporterId,
      replacesSubscriptionId: null,
    });
  });

  it("the payment page for starting a print edition again opens with the supporter's postal address filled in", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "tier_monthly", plan: "print-monthly" });
    const address = {
      line1: "12 Quay Street",
      line2: null,
      city: "Geelong",
      state: "VIC",
      postalCode: "3220",
      country: "AU",
    };
    await t.db
      .update(supporters)
      .set({
        addressLine1: address.line1,
        addressCity: address.city,
        addressState: address.state,
        addressPostalCode: address.postalCode,
        addressCountry: address.country,
      })
      .where(eq(supporters.id, supporterId));
    await t.db.update(subscriptions).set({ status: "canceled" }).where(eq(subscriptions.id, sub.id));
    const checkoutId = checkoutIdFrom(await post(sub.id, browser, { intent: "restart" }));
    expect(await getSimulatedCheckout(t.db, { checkoutId })).toMatchObject({
      needsAddress: true,
      prefillAddress: address,
    });
    // A reader's own checkout (nobody signed in) is never filled in from a stored record.
    const stranger = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "tier_monthly",
      planId: fixtures.plan("print-monthly").id,
      amountMinor: 1000,
      email: uniqueEmail(),
      provider: "simulated",
    });
    expect(await getSimulatedCheckout(t.db, { checkoutId: stranger.id })).toMatchObject({
      needsAddress: true,
      prefillAddress: null,
    });
  });

  it("once started again and paid, the ended subscription is not offered again (a second would charge twice)", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "tier_monthly", plan: "digital-monthly" });
    await t.db.update(subscriptions).set({ status: "canceled" }).where(eq(subscriptions.id, sub.id));
    expect(await getAccountOverview(t.db, { supporterId })).toMatchObject({
      subscriptions: [expect.objectContaining({ id: sub.id, canStartAgain: true })],
    });
    await completeSimulatedCheckout(t.db, {
      checkoutId: checkoutIdFrom(await post(sub.id, browser, { intent: "restart" })),
      outcome: "pay",
    });
    const [again] = await t.db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.supporterId, supporterId), eq(subscriptions.status, "active")));
    expect(await page(sub.id, browser)).toMatchObject({ restart: null, runningAgainId: again.id });
    const refused = await post(sub.id, browser, { intent: "restart" });
    expect(refused.status).toBe(409);
    const overview = await getAccountOverview(t.db, { supporterId });
    expect(overview!.subscriptions.find((s) => s.id === sub.id)).toMatchObject({ canStartAgain: false });
  });

  it("a running subscription cannot be started again", async () => {
    const { sub, browser } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    expect((await post(sub.id, browser, { intent: "restart" })).status).toBe(409);
  });
});

/** A mailer that records what reached the inbox, in order, and can fail on demand. */
function recordingMailer(failing: () => boolean): Mailer & { inbox: { outboxId: string; text: string }[] } {
  const inbox: { outboxId: string; text: string }[] = [];
  return {
    name: "mailbox",
    inbox,
    async send(message) {
      if (failing()) throw new MailerError("provider down", { retryable: true });
      inbox.push({ outboxId: message.outboxId, text: message.text });
      return { providerMessageId: null };
    },
  } as Mailer & { inbox: { outboxId: string; text: string }[] };
}

describe("emails about one subscription never contradict its state", () => {
  it("resume then cancel in quick succession: only the cancellation reaches the inbox", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    await post(sub.id, browser, { intent: "pause", months: "2" });
    const mailer = recordingMailer(() => false);
    await drainOutbox(t.db, { mailer, now: new Date(Date.now() + 1000), batchSize: 50 });
    await post(sub.id, browser, { intent: "resume" });
    await post(sub.id, browser, { intent: "cancel" });
    await drainOutbox(t.db, { mailer, now: new Date(Date.now() + 2000), batchSize: 50 });
    const mine = new Set((await changeEmails(supporterId)).map((m) => m.id));
    const received = mailer.inbox.filter((m) => mine.has(m.outboxId));
    expect(received.at(-1)!.text).toMatch(/cancelled/);
    expect(received.some((m) => /payments have resumed/.test(m.text))).toBe(false);
  });

  it("a change made while the previous email is being sent waits for it: the newer email arrives last", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    await post(sub.id, browser, { intent: "pause", months: "1" });
    const inbox: string[] = [];
    let nested = false;
    const mailer = {
      name: "mailbox" as const,
      async send(message: { outboxId: string; text: string }) {
        if (!nested && /paused/.test(message.text)) {
          // A second worker runs while this one is still talking to the mail provider.
          nested = true;
          await post(sub.id, browser, { intent: "resume" });
          await drainOutbox(t.db, {
            mailer: mailer as unknown as Mailer,
            now: new Date(Date.now() + 1000),
            batchSize: 50,
          });
        }
        inbox.push(message.outboxId);
        return { providerMessageId: null };
      },
    };
    await drainOutbox(t.db, { mailer: mailer as unknown as Mailer, now: new Date(Date.now() + 1000), batchSize: 50 });
    await drainOutbox(t.db, { mailer: mailer as unknown as Mailer, now: new Date(Date.now() + 2000), batchSize: 50 });
    const queued = (await changeEmails(supporterId)).map((m) => m.id);
    expect(queued).toHaveLength(2);
    expect(inbox.filter((id) => queued.includes(id))).toEqual(queued);
  });

  it("property: whatever the order of changes, sends and mail outages, the last email in the inbox is the newest", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    let amount = 10;
    const steps = fc.array(
      fc.oneof(fc.constant("change" as const), fc.constant("drain" as const), fc.constant("outage" as const)),
      { minLength: 1, maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(steps, async (plan) => {
        let clock = Date.now() + 10_000;
        let down = false;
        const mailer = recordingMailer(() => down);
        for (const step of plan) {
          if (step === "change") {
            amount += 1;
            await t.db.update(subscriptions).set({ pendingChange: null }).where(eq(subscriptions.id, sub.id));
            expect((await post(sub.id, browser, { intent: "amount", monthlyAmount: String(amount) })).status).toBe(303);
          } else {
            down = step === "outage";
            // Far enough ahead that every retry is due.
            clock += 3 * 60 * 60_000;
            await drainOutbox(t.db, { mailer, now: new Date(clock), batchSize: 3 });
          }
        }
        down = false;
        for (let i = 0; i < 10; i++)
          await drainOutbox(t.db, { mailer, now: new Date((clock += 3 * 60 * 60_000)), batchSize: 50 });
        const queued = await changeEmails(supporterId);
        if (queued.length === 0) return;
        const newest = queued.at(-1)!;
        const mine = new Set(queued.map((m) => m.id));
        const received = mailer.inbox.filter((m) => mine.has(m.outboxId));
        // This run's last mail, if this run sent any, describes the newest state.
        if (received.length > 0) expect(received.at(-1)!.outboxId).toBe(newest.id);
        const [row] = await t.db.select().from(outbox).where(eq(outbox.id, newest.id));
        expect(row.sentAt).not.toBeNull();
      }),
      { numRuns: 15 },
    );
  });
});
