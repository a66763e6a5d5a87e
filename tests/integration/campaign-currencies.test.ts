import { count, eq } from "drizzle-orm";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { campaignCurrencies, campaigns, checkouts, payments, planPrices } from "@db/schema";
import { getCampaignProgress, type Campaign } from "~/campaigns/campaigns.server";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { getDashboard } from "~/reports/dashboard.server";
import { action as campaignAction, loader as campaignLoader } from "~/routes/c.$slug";
import { ProgressBar } from "~/ui/ProgressBar";
import { syncActivePlans } from "../../scripts/stripe-sync";
import { createCheckout, uniqueEmail } from "../factories";
import { chargeObject, checkoutSessionObject, signedWebhookRequest, stripeEvent, stripeId } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

const SECRET = "whsec_fighting_fund_currency_tests";
const { stripe, server } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();
afterEach(() => {
  server.resetHandlers();
  stripe.clearRequests();
});

const SLUG = "exile-usd";
let campaign: Campaign;

beforeAll(async () => {
  // A USD-home campaign that also takes EUR, with presets of its own in each.
  [campaign] = await t.db
    .insert(campaigns)
    .values({
      slug: SLUG,
      name: "Exile desk",
      headline: "Keep the desk open",
      currency: "USD",
      targetMinor: 1_000_000,
      presetAmountsMinor: [1000, 2000],
      startsAt: new Date("2026-01-01T00:00:00Z"),
    })
    .returning();
  await t.db
    .insert(campaignCurrencies)
    .values({ campaignId: campaign.id, currency: "EUR", presetAmountsMinor: [1500, 3000] });
});

const deliver = (event: unknown) => handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
const checkoutCount = async () => (await t.db.select({ n: count() }).from(checkouts))[0].n;

async function donate(fields: Record<string, string>) {
  const path = `/c/${SLUG}`;
  const { cookie, token } = await csrfFor(campaignLoader, path, { slug: SLUG });
  return postForm(
    campaignAction,
    path,
    { csrf: token, frequency: "once", email: uniqueEmail(), name: "Vera", ...fields },
    { cookie, params: { slug: SLUG }, clientAddress: "198.51.100.77" },
  );
}

/** A one-off EUR gift Stripe has been paid for (checkout.session.completed delivered). */
async function paidEuroGift(amountMinor: number) {
  const checkout = await createCheckout(t.db, { campaignId: campaign.id, currency: "EUR", amountMinor });
  const paymentIntent = stripeId("pi");
  const completed = await deliver(
    stripeEvent(
      "checkout.session.completed",
      checkoutSessionObject({ checkoutId: checkout.id, amountTotal: amountMinor, currency: "eur", paymentIntent }),
    ),
  );
  expect(completed.status).toBe(200);
  return { checkout, paymentIntent };
}

function chargeUpdated(input: { paymentIntent: string; checkoutId: string; amount: number; txn: string }) {
  return stripeEvent("charge.updated", {
    ...chargeObject({
      paymentIntent: input.paymentIntent,
      amount: input.amount,
      amountRefunded: 0,
      currency: "eur",
      metadata: { checkout_id: input.checkoutId },
    }),
    balance_transaction: input.txn,
  });
}

describe("a campaign that takes several currencies", () => {
  it("offers the chosen currency's presets, and a Checkout in EUR for the EUR preset", async () => {
    const page = await (await callLoader(campaignLoader, `/c/${SLUG}?currency=EUR`, { params: { slug: SLUG } })).json();
    expect(page.campaign.currency).toBe("EUR");
    expect(page.campaign.currencies).toEqual(["USD", "EUR"]);
    expect(page.campaign.presets.map((p: { amountMinor: number }) => p.amountMinor)).toEqual([1500, 3000]);

    const response = await donate({ currency: "EUR", amount: "1500" });
    expect(response.status).toBe(303);
    const [sent] = stripe.requestsTo("POST", "/v1/checkout/sessions");
    expect(sent?.params).toMatchObject({ currency: "eur", mode: "payment" });
    expect(sent?.form["line_items[0][price_data][currency]"]).toBe("eur");
    expect(sent?.form["line_items[0][price_data][unit_amount]"]).toBe("1500");
    const [row] = await t.db
      .select()
      .from(checkouts)
      .where(eq(checkouts.campaignId, campaign.id))
      .orderBy(checkouts.createdAt);
    expect(row).toMatchObject({ currency: "EUR", amountMinor: 1500 });
  });

  it("takes the home currency's presets only in the home currency", async () => {
    const before = await checkoutCount();
    const response = await donate({ currency: "USD", amount: "1500" });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.amount).toBe("Choose an amount.");
    expect(await checkoutCount()).toBe(before);
  });

  it("refuses a currency the campaign does not take, saying which it does, and changes nothing", async () => {
    const before = await checkoutCount();
    const response = await donate({ currency: "GBP", amount: "1500" });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors.currency).toBe("This campaign doesn't take GBP. Choose one of: USD, EUR.");
    expect(await checkoutCount()).toBe(before);
    expect(stripe.requestsTo("POST", "/v1/checkout/sessions")).toHaveLength(0);
  });

  it("counts a EUR gift at Stripe's settled USD amount, labelled as an estimate or pending until then, and once", async () => {
    const start = await getCampaignProgress(t.db, campaign);
    // No rate seen yet for EUR → USD: the gift is pending and not counted.
    const first = await paidEuroGift(2000);
    const pending = await getCampaignProgress(t.db, campaign);
    expect(pending.raisedMinor).toBe(start.raisedMinor);
    expect(pending.unconverted).toMatchObject({ pendingGifts: start.unconverted.pendingGifts + 1, estimatedGifts: 0 });

    // Stripe settles it: 2000 EUR cents became 2170 USD cents at 1.085.
    const txn = stripe.addBalanceTransaction({ amount: 2170, currency: "usd", exchangeRate: 1.085 });
    const event = chargeUpdated({ ...first, checkoutId: first.checkout.id, amount: 2000, txn: txn.id });
    expect((await deliver(event)).status).toBe(200);
    const settled = await getCampaignProgress(t.db, campaign);
    expect(settled.raisedMinor).toBe(start.raisedMinor + 2170);
    expect(settled.unconverted).toEqual({ estimatedGifts: 0, estimatedMinor: 0, pendingGifts: 0 });
    const [payment] = await t.db.select().from(payments).where(eq(payments.checkoutId, first.checkout.id));
    expect(payment).toMatchObject({
      currency: "EUR",
      amountMinor: 2000,
      settledAmountMinor: 2170,
      settledCurrency: "USD",
    });
    expect(payment?.settledExchangeRate).toBe("1.085");

    // The same settlement again: redelivered, as another event id, and as charge.succeeded: no change.
    expect((await deliver(event)).status).toBe(200);
    expect(
      (await deliver(chargeUpdated({ ...first, checkoutId: first.checkout.id, amount: 2000, txn: txn.id }))).status,
    ).toBe(200);
    expect(
      (
        await deliver(
          stripeEvent("charge.succeeded", {
            ...chargeObject({ paymentIntent: first.paymentIntent, amount: 2000, amountRefunded: 0, currency: "eur" }),
            balance_transaction: txn.id,
          }),
        )
      ).status,
    ).toBe(200);
    expect((await getCampaignProgress(t.db, campaign)).raisedMinor).toBe(start.raisedMinor + 2170);

    // A second gift before its settlement: estimated at Stripe's latest EUR → USD rate, and said so.
    const second = await paidEuroGift(1000);
    const estimated = await getCampaignProgress(t.db, campaign);
    expect(estimated.unconverted).toEqual({ estimatedGifts: 1, estimatedMinor: 1085, pendingGifts: 0 });
    expect(estimated.raisedMinor).toBe(start.raisedMinor + 2170 + 1085);
    // The page says so beside the figure.
    expect(renderToStaticMarkup(createElement(ProgressBar, estimated))).toContain(
      "Includes an estimate for 1 gift in other currencies",
    );
    expect(renderToStaticMarkup(createElement(ProgressBar, pending))).toContain(
      "1 gift in other currencies is not counted yet",
    );

    // Its settlement arrives at a different rate: the estimate gives way to the settled amount.
    const txn2 = stripe.addBalanceTransaction({ amount: 1079, currency: "usd", exchangeRate: 1.079 });
    expect(
      (await deliver(chargeUpdated({ ...second, checkoutId: second.checkout.id, amount: 1000, txn: txn2.id }))).status,
    ).toBe(200);
    const after = await getCampaignProgress(t.db, campaign);
    expect(after.raisedMinor).toBe(start.raisedMinor + 2170 + 1079);
    expect(after.unconverted.estimatedGifts).toBe(0);
  });

  it("retries a settlement that arrives before its payment, then counts it once", async () => {
    const start = (await getCampaignProgress(t.db, campaign)).raisedMinor;
    const checkout = await createCheckout(t.db, { campaignId: campaign.id, currency: "EUR", amountMinor: 3000 });
    const paymentIntent = stripeId("pi");
    const txn = stripe.addBalanceTransaction({ amount: 3240, currency: "usd", exchangeRate: 1.08 });
    const early = chargeUpdated({ paymentIntent, checkoutId: checkout.id, amount: 3000, txn: txn.id });
    expect((await deliver(early)).status).toBe(500);
    await deliver(
      stripeEvent(
        "checkout.session.completed",
        checkoutSessionObject({ checkoutId: checkout.id, amountTotal: 3000, currency: "eur", paymentIntent }),
      ),
    );
    expect((await deliver(early)).status).toBe(200);
    expect((await deliver(early)).status).toBe(200);
    expect((await getCampaignProgress(t.db, campaign)).raisedMinor).toBe(start + 3240);
  });

  it("shows staff the income per currency as paid and the settled total in the home currency", async () => {
    const dashboard = await getDashboard(t.db, { campaignSlug: SLUG });
    const byCurrency = dashboard?.byCurrency ?? [];
    expect(byCurrency.map((c) => c.currency)).toEqual(["EUR"]);
    expect(byCurrency.find((c) => c.currency === "EUR")).toMatchObject({
      paidMinor: 2000 + 1000 + 3000,
      homeMinor: 2170 + 1079 + 3240,
      unconvertedPayments: 0,
    });
  });
});

describe("npm run stripe:sync", () => {
  it("gives each plan's Stripe Price its prices in other currencies as currency_options", async () => {
    const plan = fixtures.plan("digital-monthly");
    await t.db.delete(planPrices).where(eq(planPrices.planId, plan.id));
    await t.db.insert(planPrices).values([
      { planId: plan.id, currency: "EUR", amountMinor: 300 },
      { planId: plan.id, currency: "GBP", amountMinor: 275 },
    ]);
    await syncActivePlans(t.db, { log: () => {} });
    const created = stripe.requestsTo("POST", "/v1/prices").find((r) => r.form.lookup_key === plan.lookupKey);
    expect(created?.form).toMatchObject({
      currency: "aud",
      unit_amount: String(plan.amountMinor),
      "currency_options[eur][unit_amount]": "300",
      "currency_options[gbp][unit_amount]": "275",
    });
    // Run again: nothing changed, nothing created.
    stripe.clearRequests();
    await syncActivePlans(t.db, { log: () => {} });
    expect(stripe.requestsTo("POST", "/v1/prices").filter((r) => r.form.lookup_key === plan.lookupKey)).toHaveLength(0);
  });
});
