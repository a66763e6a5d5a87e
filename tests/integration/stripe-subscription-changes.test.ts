import { and, count, eq } from "drizzle-orm";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  auditLog,
  checkouts,
  outbox,
  payments,
  planPrices,
  providerEvents,
  subscriptions,
  supporters,
} from "@db/schema";
import { withRequestLocale } from "~/i18n/request-locale.server";
import { resetEnvCache } from "~/env.server";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { action as cardAction } from "~/routes/account.card";
import { action, loader } from "~/routes/account.subscriptions.$id";
import { createCheckout, seeded, uniqueEmail } from "../factories";
import {
  checkoutMetadata,
  checkoutSessionObject,
  createStripeMock,
  customerObject,
  paymentMethodObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
  type MockPrice,
  type MockSubscription,
} from "../mocks/stripe";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";
import { signInAs } from "../support/supporter-session";

const SECRET = "whsec_fighting_fund_subscription_changes";
const stripe = createStripeMock();
const server = setupServer(...stripe.handlers);

let t: TestDatabase;
let fixtures: Awaited<ReturnType<typeof seeded>>;
let prices: Record<"digital" | "print", MockPrice>;

beforeAll(async () => {
  process.env.STRIPE_SECRET_KEY = "sk_test_51FightingFundSubscriptionChanges";
  process.env.STRIPE_WEBHOOK_SECRET = SECRET;
  resetEnvCache();
  server.listen({ onUnhandledRequest: "error" });
  t = await createTestDatabase();
  fixtures = await seeded(t.db);
  // As `npm run stripe:sync` leaves them.
  prices = {
    digital: stripe.addPrice({
      lookupKey: fixtures.plan("digital-monthly").lookupKey,
      unitAmount: 500,
      currency: "aud",
      interval: "month",
    }),
    print: stripe.addPrice({
      lookupKey: fixtures.plan("print-monthly").lookupKey,
      unitAmount: 1000,
      currency: "aud",
      interval: "month",
    }),
  };
});
afterAll(async () => {
  server.close();
  delete process.env.STRIPE_SECRET_KEY;
  delete process.env.STRIPE_WEBHOOK_SECRET;
  resetEnvCache();
  await t.close();
});
beforeEach(() => stripe.clearRequests());

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function deliverOk(event: unknown) {
  const result = await handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result;
}

/** A supporter whose monthly support Stripe Checkout set up an hour ago, signed in. */
async function stripeSupporter(
  options:
    | { kind: "monthly"; amountMinor: number }
    | { kind: "tier_monthly"; tier: "digital" | "print"; paid?: { currency: "EUR"; amountMinor: number } },
) {
  const plan = options.kind === "tier_monthly" ? fixtures.plan(`${options.tier}-monthly`) : null;
  const paid = options.kind === "tier_monthly" ? options.paid : undefined;
  const amount = paid?.amountMinor ?? plan?.amountMinor ?? (options.kind === "monthly" ? options.amountMinor : 0);
  const email = uniqueEmail();
  const customer = stripe.addCustomer({ email });
  const card = stripe.addCard({ customer: customer.id, brand: "visa", last4: "1111", expMonth: 3, expYear: 2027 });
  const checkout = await createCheckout(t.db, {
    campaignId: fixtures.campaign.id,
    kind: options.kind,
    planId: plan?.id ?? null,
    amountMinor: amount,
    ...(paid ? { currency: paid.currency } : {}),
    email,
    provider: "stripe",
  });
  const metadata = checkoutMetadata({
    checkoutId: checkout.id,
    campaignId: fixtures.campaign.id,
    planId: plan?.id ?? null,
    kind: options.kind,
  });
  const subscription = stripe.addSubscription({
    id: stripeId("sub"),
    metadata,
    customer: customer.id,
    status: "active",
    unitAmount: amount,
    // In euros on the catalogue Price (in dollars): Stripe reports the Price as it is, in its own currency.
    ...(paid ? { currency: paid.currency.toLowerCase() } : {}),
    currentPeriodEnd: nowSeconds() + 20 * 86_400,
    priceId: plan ? prices[plan.tier].id : undefined,
    defaultPaymentMethod: card.id,
  });
  const session = checkoutSessionObject({
    metadata,
    mode: "subscription",
    amountTotal: amount,
    ...(paid ? { currency: paid.currency.toLowerCase() } : {}),
    email,
    subscription: subscription.id,
    customer: customer.id,
  });
  await deliverOk(stripeEvent("checkout.session.completed", session, { created: nowSeconds() - 3600 }));
  await deliverOk(stripeEvent("customer.subscription.created", subscription, { created: nowSeconds() - 3600 }));
  const [row] = await t.db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.providerSubscriptionId, subscription.id));
  const browser = await signInAs(t.db, row.supporterId);
  stripe.clearRequests();
  return { row, browser, customer, card, subscription, supporterId: row.supporterId };
}

type Supporter = Awaited<ReturnType<typeof stripeSupporter>>;

const post = (who: Supporter, fields: Record<string, string>) =>
  postForm(
    action,
    `/account/subscriptions/${who.row.id}`,
    { csrf: who.browser.csrf, ...fields },
    { params: { id: String(who.row.id) }, cookie: who.browser.cookie },
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
const stripeWrites = () =>
  stripe
    .writes()
    .map((r) => ({ method: r.method, path: r.path, idempotencyKey: r.idempotencyKey, params: r.params, form: r.form }));
/** What Stripe would now send: customer.subscription.updated with the subscription as it is. */
const updatedEvent = (subscription: MockSubscription, created = nowSeconds()) =>
  stripeEvent("customer.subscription.updated", structuredClone(subscription), { created });

/** Asks for a change, checks nothing local moved, then lets the webhook confirm it. */
async function changeAndConfirm(who: Supporter, fields: Record<string, string>) {
  const before = await subscriptionRow(who.row.id);
  const emailsBefore = (await changeEmails(who.supporterId)).length;
  const response = await post(who, fields);
  expect(response.status, JSON.stringify(await response.clone().text())).toBe(303);
  const pending = await subscriptionRow(who.row.id);
  // Until Stripe confirms, only the pending mark differs, and the page says "updating".
  expect({ ...pending, pendingChange: null }).toEqual({ ...before, pendingChange: null });
  expect(pending.pendingChange).toMatchObject({ kind: expect.any(String), id: expect.any(String) });
  const page = await callLoader(loader, `/account/subscriptions/${who.row.id}`, {
    params: { id: String(who.row.id) },
    cookie: who.browser.cookie,
  });
  expect((await page.json()).subscription.updating).toBe(true);
  expect(await changeEmails(who.supporterId)).toHaveLength(emailsBefore);
  const writes = stripeWrites();
  const event = updatedEvent(stripe.store.subscriptions.get(who.subscription.id)!);
  await deliverOk(event);
  return { pendingChange: pending.pendingChange!, writes, event, after: await subscriptionRow(who.row.id) };
}

describe("subscription changes through Stripe", () => {
  it("a new amount: an inline price on the same product, no proration, keyed by the change; applied when the webhook confirms", async () => {
    const who = await stripeSupporter({ kind: "monthly", amountMinor: 2500 });
    const item = who.subscription.items.data[0];
    const { pendingChange, writes, event, after } = await changeAndConfirm(who, {
      intent: "amount",
      monthlyAmount: "30",
    });
    expect(stripe.requestsTo("GET", `/v1/subscriptions/${who.subscription.id}`)).toHaveLength(1);
    expect(writes).toEqual([
      {
        method: "POST",
        path: `/v1/subscriptions/${who.subscription.id}`,
        idempotencyKey: `sub-change:${pendingChange.id}`,
        params: {
          items: [
            {
              id: item.id,
              price_data: {
                currency: "aud",
                unit_amount: "3000",
                recurring: { interval: "month" },
                product: item.price.product,
              },
            },
          ],
          proration_behavior: "none",
        },
        form: expect.any(Object),
      },
    ]);
    expect(after).toMatchObject({ amountMinor: 3000, pendingChange: null });
    const mail = await changeEmails(who.supporterId);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      idempotencyKey: `subscription-changed:${pendingChange.id}`,
      props: expect.objectContaining({ summary: "from your next payment you give $30 a month (was $25)." }),
    });

    // The same event again, the same state in a new event, and an older event: one email, no going back.
    expect((await deliverOk(event)).body.outcome).toBe("duplicate");
    await deliverOk(updatedEvent(stripe.store.subscriptions.get(who.subscription.id)!));
    await deliverOk(stripeEvent("customer.subscription.updated", who.subscription, { created: nowSeconds() - 1800 }));
    expect(await subscriptionRow(who.row.id)).toMatchObject({ amountMinor: 3000, pendingChange: null });
    expect(await changeEmails(who.supporterId)).toHaveLength(1);
  });

  it("digital → print: the print Price by lookup key, prorated; the plan changes when Stripe confirms", async () => {
    const who = await stripeSupporter({ kind: "tier_monthly", tier: "digital" });
    await t.db
      .update(supporters)
      .set({ addressLine1: "1 Printers Lane", addressCity: "Fitzroy", addressPostalCode: "3065", addressCountry: "AU" })
      .where(eq(supporters.id, who.supporterId));
    const { pendingChange, writes, after } = await changeAndConfirm(who, { intent: "tier", plan: "print-monthly" });
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      idempotencyKey: `sub-change:${pendingChange.id}`,
      params: {
        items: [{ id: who.subscription.items.data[0].id, price: prices.print.id }],
        proration_behavior: "create_prorations",
      },
    });
    expect(after).toMatchObject({ planId: fixtures.plan("print-monthly").id, amountMinor: 1000, pendingChange: null });
    expect((await changeEmails(who.supporterId))[0].props.summary).toMatch(/^you are now a Print supporter/);
  });

  it("a subscription in euros on the catalogue Price switches at the euro price and stays in euros (ADR 050)", async () => {
    const euro = [fixtures.plan("digital-monthly"), fixtures.plan("print-monthly")];
    const seededEuro = await t.db.select().from(planPrices).where(eq(planPrices.currency, "EUR"));
    await t.db.delete(planPrices).where(eq(planPrices.currency, "EUR"));
    await t.db.insert(planPrices).values([
      { planId: euro[0]!.id, currency: "EUR", amountMinor: 300 },
      { planId: euro[1]!.id, currency: "EUR", amountMinor: 700 },
    ]);
    try {
      const who = await stripeSupporter({
        kind: "tier_monthly",
        tier: "digital",
        paid: { currency: "EUR", amountMinor: 300 },
      });
      // Stripe said "500 aud" for the Price; the subscription is in euros, at the plan's euro price.
      expect(who.row).toMatchObject({ currency: "EUR", amountMinor: 300 });
      await t.db
        .update(supporters)
        .set({ addressLine1: "1 Rue Haute", addressCity: "Riga", addressPostalCode: "1050", addressCountry: "LV" })
        .where(eq(supporters.id, who.supporterId));
      const { pendingChange, writes, after } = await changeAndConfirm(who, { intent: "tier", plan: "print-monthly" });
      expect(pendingChange).toMatchObject({ kind: "tier", to: { amountMinor: 700 } });
      expect(writes[0]?.params).toMatchObject({ items: [{ price: prices.print.id }] });
      expect(after).toMatchObject({
        planId: fixtures.plan("print-monthly").id,
        currency: "EUR",
        amountMinor: 700,
        pendingChange: null,
      });
      expect((await changeEmails(who.supporterId))[0]?.props.summary).toMatch(
        /at €7 a month \(was Digital supporter, €3/,
      );
    } finally {
      await t.db.delete(planPrices).where(eq(planPrices.currency, "EUR"));
      if (seededEuro.length > 0) await t.db.insert(planPrices).values(seededEuro);
    }
  });

  it("pause sends pause_collection void with resumes_at; resume clears it; each confirmed once", async () => {
    const who = await stripeSupporter({ kind: "monthly", amountMinor: 2500 });
    const paused = await changeAndConfirm(who, { intent: "pause", months: "2" });
    const resumesAt = Math.floor(Date.parse((paused.pendingChange.to as { pausedUntil: string }).pausedUntil) / 1000);
    expect(paused.writes[0].params).toEqual({ pause_collection: { behavior: "void", resumes_at: String(resumesAt) } });
    expect(paused.after.pausedUntil?.getTime()).toBe(resumesAt * 1000);

    stripe.clearRequests();
    const resumed = await changeAndConfirm(who, { intent: "resume" });
    expect(resumed.writes[0].form).toEqual({ pause_collection: "" });
    expect(resumed.after).toMatchObject({ pausedUntil: null, pendingChange: null });
    expect(await changeEmails(who.supporterId)).toHaveLength(2);
  });

  it("cancel sets cancel_at_period_end; the reason is stored once Stripe confirms", async () => {
    const who = await stripeSupporter({ kind: "tier_monthly", tier: "print" });
    const { writes, after } = await changeAndConfirm(who, { intent: "cancel", reason: "Moving overseas" });
    expect(writes[0].form).toEqual({ cancel_at_period_end: "true" });
    expect(after).toMatchObject({
      cancelAtPeriodEnd: true,
      cancelReason: "Moving overseas",
      status: "active",
      pendingChange: null,
    });
    expect((await changeEmails(who.supporterId))[0].props.summary).toMatch(/^cancelled: your support ends on/);
  });

  it.each([
    ["Stripe unreachable", "network" as const],
    ["Stripe answering 500", { status: 500 }],
    ["Stripe refusing the request", { status: 400 }],
  ])("%s: a plain message, the pending mark taken off, nothing changed on either side", async (_, failure) => {
    const who = await stripeSupporter({ kind: "monthly", amountMinor: 2500 });
    const before = await subscriptionRow(who.row.id);
    const stripeBefore = structuredClone(stripe.store.subscriptions.get(who.subscription.id));
    stripe.failNextRequest(failure);
    const response = await post(who, { intent: "amount", monthlyAmount: "30" });
    expect(response.status).toBe(503);
    expect((await response.json()).formError).toMatch(/nothing has changed/);
    expect(await subscriptionRow(who.row.id)).toEqual(before);
    expect(stripe.store.subscriptions.get(who.subscription.id)).toEqual(stripeBefore);
    expect(await changeEmails(who.supporterId)).toHaveLength(0);
    const audit = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, "subscription"), eq(auditLog.targetId, String(who.row.id))));
    expect(audit.map((a) => a.action)).toEqual(["subscription.amount", "subscription.change_failed"]);
    // …and the supporter can simply try again.
    expect((await post(who, { intent: "amount", monthlyAmount: "30" })).status).toBe(303);
  });

  it("a tier Stripe has no Price for is refused before anything changes", async () => {
    const who = await stripeSupporter({ kind: "tier_monthly", tier: "print" });
    const lookupKey = prices.digital.lookup_key;
    prices.digital.lookup_key = null;
    try {
      const before = await subscriptionRow(who.row.id);
      const response = await post(who, { intent: "tier", plan: "digital-monthly" });
      expect(response.status).toBe(503);
      expect(await subscriptionRow(who.row.id)).toEqual(before);
      expect(stripe.writes()).toEqual([]);
    } finally {
      prices.digital.lookup_key = lookupKey;
    }
  });

  it("update card opens a Customer Portal session for the payment-method flow", async () => {
    const who = await stripeSupporter({ kind: "monthly", amountMinor: 2500 });
    const response = await postForm(
      cardAction,
      "/account/card",
      { csrf: who.browser.csrf },
      { cookie: who.browser.cookie },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//);
    const [request] = stripe.requestsTo("POST", "/v1/billing_portal/sessions");
    expect(request.params).toEqual({
      customer: who.customer.id,
      return_url: "http://localhost:3000/account/card?returned=1",
      flow_data: { type: "payment_method_update" },
      locale: "en",
    });
    // In Russian, the portal opens in Russian (ADR 049).
    stripe.clearRequests();
    await withRequestLocale("ru", () =>
      postForm(cardAction, "/account/card", { csrf: who.browser.csrf }, { cookie: who.browser.cookie }),
    );
    expect(stripe.requestsTo("POST", "/v1/billing_portal/sessions")[0]?.params).toMatchObject({ locale: "ru" });
    expect(request.idempotencyKey).toMatch(new RegExp(`^card-update:${who.supporterId}:`));

    stripe.failNextRequest("network");
    const failed = await postForm(
      cardAction,
      "/account/card",
      { csrf: who.browser.csrf },
      { cookie: who.browser.cookie },
    );
    expect(failed.status).toBe(503);
    expect((await failed.json()).formError).toMatch(/card has not changed/);
  });
});

describe("the default card, for every subscription", () => {
  /** A supporter with two live subscriptions (one already on the new card) and a cancelled one. */
  async function twoSubscriptions() {
    const who = await stripeSupporter({ kind: "monthly", amountMinor: 2500 });
    const newCard = stripe.addCard({
      customer: who.customer.id,
      brand: "mastercard",
      last4: "4444",
      expMonth: 8,
      expYear: 2031,
      makeDefault: true,
    });
    const onNewCard = stripe.addSubscription({
      id: stripeId("sub"),
      customer: who.customer.id,
      status: "active",
      unitAmount: 1000,
      currentPeriodEnd: nowSeconds() + 86_400,
      defaultPaymentMethod: newCard.id,
      metadata: {},
    });
    const cancelled = stripe.addSubscription({
      id: stripeId("sub"),
      customer: who.customer.id,
      status: "canceled",
      unitAmount: 1000,
      currentPeriodEnd: nowSeconds(),
      defaultPaymentMethod: who.card.id,
      metadata: {},
    });
    const customerUpdated = (defaultPaymentMethod: string, created = nowSeconds()) =>
      stripeEvent("customer.updated", customerObject({ id: who.customer.id, email: null, defaultPaymentMethod }), {
        created,
      });
    return { who, newCard, onNewCard, cancelled, customerUpdated };
  }
  const cardOf = async (supporterId: number) => {
    const [s] = await t.db.select().from(supporters).where(eq(supporters.id, supporterId));
    return { brand: s.cardBrand, last4: s.cardLast4, expMonth: s.cardExpMonth, expYear: s.cardExpYear };
  };

  it("customer.updated moves every live subscription that uses another card, and records brand, last 4 and expiry", async () => {
    const { who, newCard, onNewCard, cancelled, customerUpdated } = await twoSubscriptions();
    const event = customerUpdated(newCard.id);
    await deliverOk(event);
    expect(stripeWrites()).toEqual([
      {
        method: "POST",
        path: `/v1/subscriptions/${who.subscription.id}`,
        idempotencyKey: `default-card:${event.id}:${who.subscription.id}`,
        params: { default_payment_method: newCard.id },
        form: expect.any(Object),
      },
    ]);
    expect(stripe.store.subscriptions.get(who.subscription.id)?.default_payment_method).toBe(newCard.id);
    expect(stripe.store.subscriptions.get(onNewCard.id)?.default_payment_method).toBe(newCard.id);
    expect(stripe.store.subscriptions.get(cancelled.id)?.default_payment_method).toBe(who.card.id);
    expect(await cardOf(who.supporterId)).toEqual({ brand: "mastercard", last4: "4444", expMonth: 8, expYear: 2031 });

    // A duplicate delivery asks Stripe nothing; an older customer.updated naming the old card changes nothing.
    stripe.clearRequests();
    expect((await deliverOk(event)).body.outcome).toBe("duplicate");
    expect(stripe.requests).toEqual([]);
    await deliverOk(customerUpdated(who.card.id, event.created - 600));
    expect(stripe.writes()).toEqual([]);
    expect(await cardOf(who.supporterId)).toEqual({ brand: "mastercard", last4: "4444", expMonth: 8, expYear: 2031 });
  });

  it("Stripe unreachable while moving the subscriptions: 500 and nothing recorded, so Stripe delivers again", async () => {
    const { who, newCard, customerUpdated } = await twoSubscriptions();
    const event = customerUpdated(newCard.id);
    stripe.failNextRequest("network");
    const result = await handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
    expect(result.status).toBe(500);
    expect(await t.db.select({ n: count() }).from(providerEvents).where(eq(providerEvents.id, event.id))).toEqual([
      { n: 0 },
    ]);
    expect(await cardOf(who.supporterId)).toEqual({ brand: null, last4: null, expMonth: null, expYear: null });

    await deliverOk(event);
    expect(stripe.store.subscriptions.get(who.subscription.id)?.default_payment_method).toBe(newCard.id);
    expect((await cardOf(who.supporterId)).last4).toBe("4444");
  });

  it("payment_method events record the card that pays: the event's card without a default, the default's once there is one", async () => {
    const who = await stripeSupporter({ kind: "monthly", amountMinor: 2500 });
    // Checkout puts the card on the subscription only: the attached card is the one that pays.
    await deliverOk(stripeEvent("payment_method.attached", who.card));
    expect(await cardOf(who.supporterId)).toEqual({ brand: "visa", last4: "1111", expMonth: 3, expYear: 2027 });

    // The card updater extends the default card's expiry.
    const renewed = stripe.addCard({
      customer: who.customer.id,
      brand: "visa",
      last4: "1111",
      expMonth: 3,
      expYear: 2030,
      makeDefault: true,
    });
    await deliverOk(stripeEvent("payment_method.updated", renewed));
    expect(await cardOf(who.supporterId)).toEqual({ brand: "visa", last4: "1111", expMonth: 3, expYear: 2030 });
    // An older card's event, delivered late, does not replace the default.
    await deliverOk(stripeEvent("payment_method.updated", who.card));
    expect((await cardOf(who.supporterId)).expYear).toBe(2030);
    expect(stripe.writes()).toEqual([]);
  });

  it("card events for a customer made outside the app are acknowledged and ignored", async () => {
    const before = await t.db.select({ n: count() }).from(supporters);
    const foreign = paymentMethodObject({
      customer: stripeId("cus", 14),
      brand: "visa",
      last4: "9999",
      expMonth: 1,
      expYear: 2030,
    });
    await deliverOk(stripeEvent("payment_method.attached", foreign));
    await deliverOk(
      stripeEvent(
        "customer.updated",
        customerObject({ id: foreign.customer!, email: null, defaultPaymentMethod: foreign.id }),
      ),
    );
    expect(stripe.requests).toEqual([]);
    expect(await t.db.select({ n: count() }).from(supporters)).toEqual(before);
  });
});

describe("monthly → 12 months with Stripe: the monthly ends only when the year's payment arrives (ADR 035)", () => {
  it("asks nothing of the subscription until paid; the payment event ends it at the period end once; a mismatched session or a duplicate asks nothing", async () => {
    const yearPlan = fixtures.plan("digital-year");
    stripe.addPrice({ lookupKey: yearPlan.lookupKey, unitAmount: yearPlan.amountMinor, currency: "aud" });
    const who = await stripeSupporter({ kind: "tier_monthly", tier: "digital" });
    const response = await post(who, { intent: "year" });
    expect(response.status).toBe(303);
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.replacesSubscriptionId, who.row.id));
    expect(checkout).toMatchObject({ kind: "tier_one_time", provider: "stripe", supporterId: who.supporterId });
    // Only the payment page was made: the subscription is not touched.
    expect(stripeWrites().map((w) => w.path)).toEqual(["/v1/checkout/sessions"]);
    expect(await subscriptionRow(who.row.id)).toMatchObject({ cancelAtPeriodEnd: false, pendingChange: null });
    stripe.clearRequests();

    const metadata = checkoutMetadata({
      checkoutId: checkout.id,
      campaignId: fixtures.campaign.id,
      planId: yearPlan.id,
      kind: "tier_one_time",
    });
    const session = checkoutSessionObject({
      id: checkout.providerSessionId!,
      metadata,
      mode: "payment",
      amountTotal: yearPlan.amountMinor,
      email: checkout.email,
      customer: who.customer.id,
      paymentIntent: stripeId("pi"),
    });
    // A session that is not the one we made, or not for the year's price, ends nothing (ADR 032).
    await deliverOk(stripeEvent("checkout.session.completed", { ...session, amount_total: 100, amount_subtotal: 100 }));
    expect(stripeWrites()).toEqual([]);
    const paid = stripeEvent("checkout.session.completed", session);
    await deliverOk(paid);
    const ended = stripeWrites();
    expect(ended).toEqual([
      expect.objectContaining({
        method: "POST",
        path: `/v1/subscriptions/${who.subscription.id}`,
        idempotencyKey: `year-replaces:${checkout.id}`,
        params: expect.objectContaining({ cancel_at_period_end: "true" }),
      }),
    ]);
    // Paid, and waiting for Stripe's word: the page says "updating", no email yet.
    expect(await subscriptionRow(who.row.id)).toMatchObject({
      cancelAtPeriodEnd: false,
      pendingChange: expect.objectContaining({ kind: "switch_to_year" }),
    });
    expect(await changeEmails(who.supporterId)).toHaveLength(0);

    // The payment delivered again asks Stripe nothing and records nothing more.
    stripe.clearRequests();
    await deliverOk(stripeEvent("checkout.session.completed", session));
    expect(stripeWrites()).toEqual([]);

    await deliverOk(updatedEvent(stripe.store.subscriptions.get(who.subscription.id)!));
    const row = await subscriptionRow(who.row.id);
    expect(row).toMatchObject({ cancelAtPeriodEnd: true, pendingChange: null, status: "active" });
    const mail = await changeEmails(who.supporterId);
    expect(mail).toHaveLength(1);
    expect(mail[0].props.summary).toMatch(/^your 12-month payment is received/);
    const [year] = await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
    const expectedUntil = new Date(row.currentPeriodEnd!);
    expectedUntil.setUTCMonth(expectedUntil.getUTCMonth() + 12);
    expect(year.coversUntil).toEqual(expectedUntil);
  });

  it("an abandoned year checkout (the session expires) leaves the monthly alone", async () => {
    const who = await stripeSupporter({ kind: "tier_monthly", tier: "digital" });
    expect((await post(who, { intent: "year" })).status).toBe(303);
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.replacesSubscriptionId, who.row.id));
    stripe.clearRequests();
    const metadata = checkoutMetadata({
      checkoutId: checkout.id,
      campaignId: fixtures.campaign.id,
      planId: checkout.planId,
      kind: "tier_one_time",
    });
    await deliverOk(
      stripeEvent(
        "checkout.session.expired",
        checkoutSessionObject({
          metadata,
          mode: "payment",
          amountTotal: checkout.amountMinor,
          paymentStatus: "unpaid",
          email: checkout.email,
        }),
      ),
    );
    expect(stripeWrites()).toEqual([]);
    expect(await subscriptionRow(who.row.id)).toMatchObject({ cancelAtPeriodEnd: false, pendingChange: null });
    expect(await changeEmails(who.supporterId)).toHaveLength(0);
  });
});
