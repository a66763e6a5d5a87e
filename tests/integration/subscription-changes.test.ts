import { and, count, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, checkouts, outbox, planPrices, subscriptions, supporters } from "@db/schema";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { action as cardAction } from "~/routes/account.card";
import { action as simulatedCardAction, loader as simulatedCardLoader } from "~/routes/account.card_.simulated";
import { action, loader } from "~/routes/account.subscriptions.$id";
import { createCheckout, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";
import { signInAs } from "../support/supporter-session";
import { openLinks } from "~/auth/link-seal.server";

const { t, fixtures } = useSeededDatabase();

type Browser = Awaited<ReturnType<typeof signInAs>>;

/** A supporter who gave through the simulated checkout, signed in. */
async function supporterWith(
  options:
    | { kind: "monthly"; amountMinor: number }
    | { kind: "tier_monthly"; plan: string; address?: boolean; paid?: { currency: "EUR"; amountMinor: number } },
) {
  const plan = options.kind === "tier_monthly" ? fixtures.plan(options.plan) : null;
  const paid = options.kind === "tier_monthly" ? options.paid : undefined;
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    kind: options.kind,
    planId: plan?.id ?? null,
    ...(paid ? { currency: paid.currency } : {}),
    amountMinor: paid?.amountMinor ?? plan?.amountMinor ?? (options.kind === "monthly" ? options.amountMinor : 0),
    email: uniqueEmail(),
    provider: "simulated",
  });
  const address =
    options.kind === "tier_monthly" && options.address
      ? { line1: "1 Printers Lane", city: "Fitzroy", postalCode: "3065", country: "AU" }
      : null;
  await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay", address });
  const [sub] = await t.db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.providerSubscriptionId, `sim_sub_${checkout.id}`));
  const browser = await signInAs(t.db, sub.supporterId);
  return { sub, browser, supporterId: sub.supporterId, checkout };
}

/** Runs `body` with exactly these euro plan prices (the seed's are put back after). */
async function withEuroPrices(prices: Record<string, number>, body: () => Promise<void>) {
  const seeded = await t.db.select().from(planPrices).where(eq(planPrices.currency, "EUR"));
  await t.db.delete(planPrices).where(eq(planPrices.currency, "EUR"));
  const rows = Object.entries(prices).map(([code, amountMinor]) => ({
    planId: fixtures.plan(code).id,
    currency: "EUR" as const,
    amountMinor,
  }));
  if (rows.length > 0) await t.db.insert(planPrices).values(rows);
  try {
    await body();
  } finally {
    await t.db.delete(planPrices).where(eq(planPrices.currency, "EUR"));
    if (seeded.length > 0) await t.db.insert(planPrices).values(seeded);
  }
}

const post = (subscriptionId: number, browser: Browser, fields: Record<string, string>) =>
  postForm(
    action,
    `/account/subscriptions/${subscriptionId}`,
    { csrf: browser.csrf, ...fields },
    { params: { id: String(subscriptionId) }, cookie: browser.cookie },
  );

const subscriptionRow = async (id: number) =>
  (await t.db.select().from(subscriptions).where(eq(subscriptions.id, id)))[0];
const changeEmails = async (supporterId: number) => {
  const [supporter] = await t.db.select().from(supporters).where(eq(supporters.id, supporterId));
  return t.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, supporter.email!), eq(outbox.template, "subscription-changed")));
};
const auditFor = (subscriptionId: number) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.targetType, "subscription"), eq(auditLog.targetId, String(subscriptionId))));

/** Everything a refused request must leave alone. */
async function snapshot(subscriptionId: number) {
  const n = async (table: typeof auditLog | typeof outbox | typeof checkouts) =>
    (await t.db.select({ n: count() }).from(table))[0].n;
  return {
    row: await subscriptionRow(subscriptionId),
    audit: await n(auditLog),
    outbox: await n(outbox),
    checkouts: await n(checkouts),
  };
}

function expectRedirectTo(response: Response, location: string | RegExp) {
  expect(response.status).toBe(303);
  if (typeof location === "string") expect(response.headers.get("Location")).toBe(location);
  else expect(response.headers.get("Location")).toMatch(location);
}

describe("supporter subscription changes (simulated provider)", () => {
  it("a new monthly amount is applied, confirmed by one email and audit-logged", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    expectRedirectTo(
      await post(sub.id, browser, { intent: "amount", monthlyAmount: "30" }),
      `/account/subscriptions/${sub.id}`,
    );

    expect(await subscriptionRow(sub.id)).toMatchObject({ amountMinor: 3000, pendingChange: null, status: "active" });
    const mail = await changeEmails(supporterId);
    expect(mail).toHaveLength(1);
    expect(mail[0].props).toMatchObject({
      summary: "from your next payment you give $30 a month (was $25).",
      description: "Monthly gift to Fighting Fund 2026",
    });
    expect(openLinks(mail[0].props).manageUrl).toMatch(/^http:\/\/localhost:3000\/account\/auth\//);
    const audit = await auditFor(sub.id);
    expect(audit).toEqual([
      expect.objectContaining({ actorType: "supporter", actorId: supporterId, action: "subscription.amount" }),
    ]);
    expect(audit[0].details).toMatchObject({ from: { amountMinor: 2500 }, to: { amountMinor: 3000 } });

    const page = await callLoader(loader, `/account/subscriptions/${sub.id}`, {
      params: { id: String(sub.id) },
      cookie: browser.cookie,
    });
    expect(await page.json()).toMatchObject({
      subscription: { amountMinor: 3000, updating: false, canChange: true, what: "Monthly gift to Fighting Fund 2026" },
    });
  });

  it("print needs a postal address: without one the switch is refused with a field error", async () => {
    const { sub, browser } = await supporterWith({ kind: "tier_monthly", plan: "digital-monthly" });
    const before = await snapshot(sub.id);
    const response = await post(sub.id, browser, { intent: "tier", plan: "print-monthly" });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toMatchObject({ needsAddress: true, errors: { plan: expect.stringMatching(/postal address/) } });
    expect(await snapshot(sub.id)).toEqual(before);
  });

  it("digital → print with an address on file is applied and confirmed once", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "tier_monthly", plan: "digital-monthly" });
    await t.db
      .update(supporters)
      .set({ addressLine1: "1 Printers Lane", addressCity: "Fitzroy", addressPostalCode: "3065", addressCountry: "AU" })
      .where(eq(supporters.id, supporterId));
    expectRedirectTo(
      await post(sub.id, browser, { intent: "tier", plan: "print-monthly" }),
      `/account/subscriptions/${sub.id}`,
    );
    expect(await subscriptionRow(sub.id)).toMatchObject({
      planId: fixtures.plan("print-monthly").id,
      amountMinor: 1000,
      pendingChange: null,
    });
    const mail = await changeEmails(supporterId);
    expect(mail).toHaveLength(1);
    expect(String(mail[0].props.summary)).toMatch(
      /^you are now a Print supporter, at \$10 a month \(was Digital supporter, \$5 a month\)/,
    );
    expect((await auditFor(sub.id)).map((a) => a.action)).toEqual(["subscription.tier"]);
  });

  it("a subscription paid in euros switches tier and goes to 12 months at the euro prices (ADR 050)", async () => {
    await withEuroPrices({ "digital-monthly": 300, "print-monthly": 700, "digital-year": 3300 }, async () => {
      const paid = { currency: "EUR", amountMinor: 300 } as const;
      const { sub, browser, supporterId } = await supporterWith({
        kind: "tier_monthly",
        plan: "digital-monthly",
        paid,
      });
      expect(sub).toMatchObject({ currency: "EUR", amountMinor: 300 });
      const page = await callLoader(loader, `/account/subscriptions/${sub.id}`, {
        params: { id: String(sub.id) },
        cookie: browser.cookie,
      });
      expect((await page.json()).subscription).toMatchObject({
        otherTier: { code: "print-monthly", amountMinor: 700 },
        yearPlan: { code: "digital-year", amountMinor: 3300 },
      });

      const year = await post(sub.id, browser, { intent: "year" });
      expectRedirectTo(year, /^\/simulated-checkout\/[0-9a-f-]{36}$/);
      const [checkout] = await t.db
        .select()
        .from(checkouts)
        .where(eq(checkouts.id, year.headers.get("Location")!.split("/").pop()!));
      expect(checkout).toMatchObject({ planId: fixtures.plan("digital-year").id, currency: "EUR", amountMinor: 3300 });

      await t.db
        .update(supporters)
        .set({ addressLine1: "1 Rue Haute", addressCity: "Riga" })
        .where(eq(supporters.id, supporterId));
      expectRedirectTo(
        await post(sub.id, browser, { intent: "tier", plan: "print-monthly" }),
        `/account/subscriptions/${sub.id}`,
      );
      expect(await subscriptionRow(sub.id)).toMatchObject({
        planId: fixtures.plan("print-monthly").id,
        currency: "EUR",
        amountMinor: 700,
        pendingChange: null,
      });
      const [audit] = (await auditFor(sub.id)).filter((a) => a.action === "subscription.tier");
      expect(audit?.details).toMatchObject({ from: { amountMinor: 300 }, to: { amountMinor: 700 } });
      expect(String((await changeEmails(supporterId))[0]?.props.summary)).toMatch(
        /at €7 a month \(was Digital supporter, €3 a month\)/,
      );
    });
  });

  it("support in euros that ended starts again in euros, at the plan's euro price (ADR 050)", async () => {
    await withEuroPrices({ "digital-monthly": 300 }, async () => {
      const paid = { currency: "EUR", amountMinor: 300 } as const;
      const { sub, browser } = await supporterWith({ kind: "tier_monthly", plan: "digital-monthly", paid });
      await t.db.update(subscriptions).set({ status: "canceled" }).where(eq(subscriptions.id, sub.id));
      const response = await post(sub.id, browser, { intent: "restart" });
      expectRedirectTo(response, /^\/simulated-checkout\/[0-9a-f-]{36}$/);
      const [checkout] = await t.db
        .select()
        .from(checkouts)
        .where(eq(checkouts.id, response.headers.get("Location")!.split("/").pop()!));
      expect(checkout).toMatchObject({
        kind: "tier_monthly",
        planId: fixtures.plan("digital-monthly").id,
        currency: "EUR",
        amountMinor: 300,
      });
    });
  });

  it("a tier not priced in the subscription's currency is refused, saying so, and nothing changes", async () => {
    await withEuroPrices({ "digital-monthly": 300 }, async () => {
      const paid = { currency: "EUR", amountMinor: 300 } as const;
      const { sub, browser, supporterId } = await supporterWith({
        kind: "tier_monthly",
        plan: "digital-monthly",
        paid,
      });
      await t.db
        .update(supporters)
        .set({ addressLine1: "1 Rue Haute", addressCity: "Riga" })
        .where(eq(supporters.id, supporterId));
      const before = await snapshot(sub.id);
      const response = await post(sub.id, browser, { intent: "tier", plan: "print-monthly" });
      expect(response.status).toBe(400);
      expect((await response.json()).errors.plan).toBe(
        "That isn't offered in EUR, the currency you pay in. Nothing has changed; please write to us if you need it.",
      );
      const year = await post(sub.id, browser, { intent: "year" });
      expect(year.status).toBe(409);
      expect((await year.json()).formError).toMatch(/isn't offered in EUR/);
      expect(await snapshot(sub.id)).toEqual(before);
    });
  });

  it("pause for three months, then resume early: each applied and confirmed by its own email", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    expectRedirectTo(await post(sub.id, browser, { intent: "pause", months: "3" }), `/account/subscriptions/${sub.id}`);
    const paused = await subscriptionRow(sub.id);
    // Three payments skipped from the next one on: the pause ends the day before the fourth (ADR 035).
    const fourth = new Date(sub.currentPeriodEnd!);
    fourth.setUTCMonth(fourth.getUTCMonth() + 3);
    expect(fourth.getTime() - paused.pausedUntil!.getTime()).toBe(24 * 60 * 60_000 + (fourth.getTime() % 1000));
    expect(paused.pendingChange).toBeNull();
    expect((await changeEmails(supporterId))[0].props.summary).toMatch(
      /^paused: the 3 payments of .+ are skipped, and payments start again on \d{1,2} \w+ \d{4}\./,
    );

    expect((await post(sub.id, browser, { intent: "pause", months: "2" })).status).toBe(409);
    expectRedirectTo(await post(sub.id, browser, { intent: "resume" }), `/account/subscriptions/${sub.id}`);
    expect(await subscriptionRow(sub.id)).toMatchObject({ pausedUntil: null, pendingChange: null });
    const mail = await changeEmails(supporterId);
    expect(mail).toHaveLength(2);
    expect(mail.map((m) => m.props.summary)).toContainEqual(expect.stringMatching(/^payments have resumed/));
    expect((await auditFor(sub.id)).map((a) => a.action).sort()).toEqual(["subscription.pause", "subscription.resume"]);
  });

  it("cancel at the end of the paid period keeps the reason for staff, confirms once, and ends further changes", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    const confirm = await callLoader(loader, `/account/subscriptions/${sub.id}?confirm=cancel`, {
      params: { id: String(sub.id) },
      cookie: browser.cookie,
    });
    expect(await confirm.json()).toMatchObject({ confirmCancel: true });

    expectRedirectTo(
      await post(sub.id, browser, { intent: "cancel", reason: "  Money is tight this year.  " }),
      `/account/subscriptions/${sub.id}`,
    );
    const row = await subscriptionRow(sub.id);
    expect(row).toMatchObject({
      cancelAtPeriodEnd: true,
      cancelReason: "Money is tight this year.",
      status: "active",
      pendingChange: null,
    });
    const mail = await changeEmails(supporterId);
    expect(mail).toHaveLength(1);
    expect(mail[0].props.summary).toMatch(
      /^cancelled: your support ends on \d{1,2} \w+ \d{4}, and no further payments will be taken\.$/,
    );
    // The reason is free text: it stays out of the audit log.
    expect(JSON.stringify((await auditFor(sub.id))[0].details)).not.toMatch(/Money/);

    const before = await snapshot(sub.id);
    const again = await post(sub.id, browser, { intent: "amount", monthlyAmount: "10" });
    expect(again.status).toBe(409);
    expect(await snapshot(sub.id)).toEqual(before);
  });

  it("a cancelled subscription cannot be changed", async () => {
    const { sub, browser } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    await t.db.update(subscriptions).set({ status: "canceled" }).where(eq(subscriptions.id, sub.id));
    const before = await snapshot(sub.id);
    const attempts: Record<string, string>[] = [
      { intent: "amount", monthlyAmount: "10" },
      { intent: "pause", months: "1" },
      { intent: "cancel" },
    ];
    for (const fields of attempts) {
      const response = await post(sub.id, browser, fields);
      expect(response.status).toBe(409);
      expect((await response.json()).formError).toMatch(/has ended/);
    }
    expect(await snapshot(sub.id)).toEqual(before);
  });

  it("acting on someone else's subscription is refused with 404 and changes nothing", async () => {
    const mine = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    const theirs = await supporterWith({ kind: "tier_monthly", plan: "print-monthly", address: true });
    const before = await snapshot(theirs.sub.id);
    const attempts: Record<string, string>[] = [
      { intent: "amount", monthlyAmount: "30" },
      { intent: "tier", plan: "digital-monthly" },
      { intent: "pause", months: "2" },
      { intent: "cancel", reason: "not mine" },
      { intent: "year" },
    ];
    for (const fields of attempts) {
      expect((await post(theirs.sub.id, mine.browser, fields)).status).toBe(404);
    }
    expect(
      (
        await callLoader(loader, `/account/subscriptions/${theirs.sub.id}`, {
          params: { id: String(theirs.sub.id) },
          cookie: mine.browser.cookie,
        })
      ).status,
    ).toBe(404);
    expect(await snapshot(theirs.sub.id)).toEqual(before);
  });

  it.each([
    [{ intent: "amount", monthlyAmount: "abc" }, "monthlyAmount"],
    [{ intent: "amount", monthlyAmount: "0" }, "monthlyAmount"],
    [{ intent: "amount", monthlyAmount: "1" }, "monthlyAmount"],
    [{ intent: "amount", monthlyAmount: "99999999" }, "monthlyAmount"],
    [{ intent: "amount", monthlyAmount: "25" }, "monthlyAmount"],
    [{ intent: "pause", months: "7" }, "months"],
    [{ intent: "pause", months: "0" }, "months"],
    [{ intent: "pause", months: "two" }, "months"],
    [{ intent: "cancel", reason: "x".repeat(501) }, "reason"],
  ])(
    "bad input %j is answered 400 with a message at %s, keeps what was typed, and changes nothing",
    async (fields, field) => {
      const { sub, browser } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
      const before = await snapshot(sub.id);
      const response = await post(sub.id, browser, fields);
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.errors[field]).toEqual(expect.any(String));
      expect(body.intent).toBe(fields.intent);
      expect(body.values[field]).toBe(fields[field as keyof typeof fields]);
      expect(await snapshot(sub.id)).toEqual(before);
    },
  );

  it("an unknown intent, a tier change on a gift, a made-up plan and a missing CSRF token change nothing", async () => {
    const gift = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    const tier = await supporterWith({ kind: "tier_monthly", plan: "digital-monthly" });
    const before = [await snapshot(gift.sub.id), await snapshot(tier.sub.id)];
    expect((await post(gift.sub.id, gift.browser, { intent: "delete-everything" })).status).toBe(400);
    expect((await post(gift.sub.id, gift.browser, { intent: "tier", plan: "print-monthly" })).status).toBe(400);
    const madeUp = await post(tier.sub.id, tier.browser, { intent: "tier", plan: "gold-forever" });
    expect(madeUp.status).toBe(400);
    expect((await madeUp.json()).errors.plan).toMatch(/Choose digital or print/);
    // The current tier is not a switch.
    expect((await post(tier.sub.id, tier.browser, { intent: "tier", plan: "digital-monthly" })).status).toBe(400);
    const noToken = await postForm(
      action,
      `/account/subscriptions/${gift.sub.id}`,
      { intent: "amount", monthlyAmount: "30" },
      { params: { id: String(gift.sub.id) }, cookie: gift.browser.cookie },
    );
    expect(noToken.status).toBe(403);
    expect([await snapshot(gift.sub.id), await snapshot(tier.sub.id)]).toEqual(before);
  });

  it("signed out, the page and its actions send the reader to sign in", async () => {
    const { sub } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    expectRedirectTo(
      await callLoader(loader, `/account/subscriptions/${sub.id}`, { params: { id: String(sub.id) } }),
      "/account/sign-in",
    );
    expectRedirectTo(
      await postForm(
        action,
        `/account/subscriptions/${sub.id}`,
        { intent: "resume" },
        { params: { id: String(sub.id) } },
      ),
      "/account/sign-in",
    );
  });

  it("while the provider has not confirmed, the page says updating and a second change waits", async () => {
    const { sub, browser } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    await t.db
      .update(subscriptions)
      .set({
        pendingChange: {
          id: "c0ffee00-0000-4000-8000-000000000000",
          kind: "amount",
          requestedAt: new Date().toISOString(),
          from: { amountMinor: 2500 },
          to: { amountMinor: 4000 },
        },
      })
      .where(eq(subscriptions.id, sub.id));
    const page = await callLoader(loader, `/account/subscriptions/${sub.id}`, {
      params: { id: String(sub.id) },
      cookie: browser.cookie,
    });
    expect(await page.json()).toMatchObject({
      subscription: { updating: true, pendingKind: "amount", canChange: false },
    });
    const before = await snapshot(sub.id);
    const response = await post(sub.id, browser, { intent: "amount", monthlyAmount: "30" });
    expect(response.status).toBe(409);
    expect((await response.json()).formError).toMatch(/still making your last change/);
    expect(await snapshot(sub.id)).toEqual(before);
  });

  it("monthly → one payment for 12 months: the reader goes to pay and nothing changes before they have (ADR 035)", async () => {
    const { sub, browser, supporterId } = await supporterWith({ kind: "tier_monthly", plan: "digital-monthly" });
    const response = await post(sub.id, browser, { intent: "year" });
    expectRedirectTo(response, /^\/simulated-checkout\/[0-9a-f-]{36}$/);
    const checkoutId = response.headers.get("Location")!.split("/").pop()!;
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId));
    expect(checkout).toMatchObject({
      kind: "tier_one_time",
      planId: fixtures.plan("digital-year").id,
      amountMinor: 5500,
      status: "open",
    });
    expect(await subscriptionRow(sub.id)).toMatchObject({
      cancelAtPeriodEnd: false,
      pendingChange: null,
      status: "active",
    });
    expect(await changeEmails(supporterId)).toHaveLength(0);
  });

  it("the simulated card page saves a test card: brand, last 4 and expiry only", async () => {
    const { browser, supporterId } = await supporterWith({ kind: "monthly", amountMinor: 2500 });
    expectRedirectTo(
      await postForm(cardAction, "/account/card", { csrf: browser.csrf }, { cookie: browser.cookie }),
      "/account/card/simulated",
    );
    const page = await callLoader(simulatedCardLoader, "/account/card/simulated", { cookie: browser.cookie });
    expect(page.status).toBe(200);
    expectRedirectTo(
      await postForm(
        simulatedCardAction,
        "/account/card/simulated",
        { csrf: browser.csrf },
        { cookie: browser.cookie },
      ),
      "/account",
    );
    const [supporter] = await t.db.select().from(supporters).where(eq(supporters.id, supporterId));
    expect(supporter).toMatchObject({
      cardBrand: "Test",
      cardLast4: "4242",
      cardExpMonth: 12,
      cardExpYear: new Date().getUTCFullYear() + 3,
    });
    expect(
      (await postForm(simulatedCardAction, "/account/card/simulated", {}, { cookie: browser.cookie })).status,
    ).toBe(403);
  });
});
