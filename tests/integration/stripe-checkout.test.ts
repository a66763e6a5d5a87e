import { count, eq } from "drizzle-orm";
import { recentServiceFailure } from "~/health.server";
import { afterEach, describe, expect, it } from "vitest";
import { checkouts } from "@db/schema";
import { startCheckout, startDonationCheckout, startTierCheckout } from "~/giving/checkout.server";
import type { Donation } from "~/giving/forms.server";
import { withRequestLocale } from "~/i18n/request-locale.server";
import { PaymentProviderError } from "~/payments/provider.server";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";

const { stripe, server } = useStripeMode();
const { t, fixtures } = useSeededDatabase();
afterEach(() => {
  server.resetHandlers();
  stripe.clearRequests();
});

const checkoutCount = async () => (await t.db.select({ n: count() }).from(checkouts))[0].n;

function donation(overrides: Partial<Donation> = {}): Donation {
  return {
    kind: "one_off",
    amountMinor: 5000,
    feeCoverMinor: 118,
    name: "Rosa Reader",
    email: uniqueEmail(),
    anonymous: false,
    message: null,
    ...overrides,
  };
}

function sessionRequest() {
  const sent = stripe.requestsTo("POST", "/v1/checkout/sessions");
  expect(sent).toHaveLength(1);
  return sent[0];
}

describe("starting a Stripe Checkout", () => {
  it("asks Stripe for a one-off donation page for the exact amount, fee cover included, and records one checkout", async () => {
    const before = await checkoutCount();
    const gift = donation();
    const { checkoutId, url } = await startDonationCheckout(t.db, {
      campaign: fixtures.campaign,
      donation: gift,
      returnPath: "/",
    });

    const request = sessionRequest();
    expect(request.idempotencyKey).toBe(`checkout:${checkoutId}`);
    expect(request.params).toMatchObject({
      mode: "payment",
      submit_type: "donate",
      customer_email: gift.email,
      client_reference_id: checkoutId,
      success_url: `http://localhost:3000/thanks?ref=${checkoutId}`,
      // Cancelling brings the form back filled in, in this browser (ADR 040).
      cancel_url: `http://localhost:3000/?retry=${checkoutId}`,
      metadata: { checkout_id: checkoutId, campaign_id: String(fixtures.campaign.id), kind: "one_off" },
      payment_intent_data: { metadata: { checkout_id: checkoutId } },
      locale: "en",
    });
    // The gift and the card fees covered on lines of their own (ADR 040); together the exact amount.
    expect(request.form["line_items[0][price_data][unit_amount]"]).toBe("5000");
    expect(request.form["line_items[0][price_data][currency]"]).toBe("aud");
    expect(request.form["line_items[0][quantity]"]).toBe("1");
    expect(request.form["line_items[1][price_data][unit_amount]"]).toBe("118");
    expect(request.form["line_items[1][price_data][currency]"]).toBe("aud");
    expect(request.form["line_items[1][price_data][product_data][name]"]).toBe("Card fees covered");
    expect(request.form["line_items[1][quantity]"]).toBe("1");
    expect(request.form).not.toHaveProperty("line_items[2][quantity]");
    expect(request.form).not.toHaveProperty("line_items[0][price_data][recurring][interval]");
    expect(request.form).not.toHaveProperty("line_items[1][price_data][recurring][interval]");
    expect(request.params).not.toHaveProperty("subscription_data");
    expect(request.params).not.toHaveProperty("shipping_address_collection");

    const [session] = [...stripe.store.sessions.values()].filter((s) => s.metadata.checkout_id === checkoutId);
    expect(url).toBe(session.url);
    expect(session.amount_total).toBe(5118);
    expect(await checkoutCount()).toBe(before + 1);
    const [row] = await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId));
    expect(row).toMatchObject({
      provider: "stripe",
      providerSessionId: session.id,
      status: "open",
      kind: "one_off",
      amountMinor: 5000,
      feeCoverMinor: 118,
      currency: "AUD",
      email: gift.email,
    });
  });

  it("opens Stripe's page in the reader's language and keeps it on the checkout for the supporter (ADR 049)", async () => {
    const { checkoutId } = await withRequestLocale("ru", () =>
      startDonationCheckout(t.db, { campaign: fixtures.campaign, donation: donation(), returnPath: "/" }),
    );
    expect(sessionRequest().params).toMatchObject({ locale: "ru", client_reference_id: checkoutId });
    const [row] = await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId));
    expect(row?.locale).toBe("ru");
  });

  it("asks for a monthly subscription with an inline monthly price and the metadata on the subscription", async () => {
    const { checkoutId } = await startDonationCheckout(t.db, {
      campaign: fixtures.campaign,
      donation: donation({ kind: "monthly", amountMinor: 1500, feeCoverMinor: 0 }),
      returnPath: "/donate",
    });

    const request = sessionRequest();
    expect(request.idempotencyKey).toBe(`checkout:${checkoutId}`);
    expect(request.params).toMatchObject({
      mode: "subscription",
      cancel_url: `http://localhost:3000/donate?retry=${checkoutId}`,
      line_items: [
        { quantity: "1", price_data: { currency: "aud", unit_amount: "1500", recurring: { interval: "month" } } },
      ],
      subscription_data: {
        metadata: { checkout_id: checkoutId, campaign_id: String(fixtures.campaign.id), kind: "monthly" },
      },
      metadata: { checkout_id: checkoutId, kind: "monthly" },
    });
    // Stripe rejects submit_type and payment_intent_data in subscription mode.
    expect(request.params).not.toHaveProperty("submit_type");
    expect(request.params).not.toHaveProperty("payment_intent_data");
    const [row] = await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId));
    expect(row).toMatchObject({ kind: "monthly", amountMinor: 1500 });
  });

  it("finds a print tier's Price by its lookup key and asks for a postal address", async () => {
    const plan = fixtures.plan("print-monthly");
    const price = stripe.addPrice({
      lookupKey: plan.lookupKey,
      unitAmount: plan.amountMinor,
      currency: plan.currency,
      interval: "month",
    });

    const { checkoutId } = await startTierCheckout(t.db, {
      campaign: fixtures.campaign,
      choice: { plan, name: "Paul Printreader", email: uniqueEmail() },
    });

    const lookups = stripe.requestsTo("GET", "/v1/prices");
    expect(lookups).toHaveLength(1);
    expect(lookups[0].params).toMatchObject({ lookup_keys: [plan.lookupKey], active: "true" });
    const request = sessionRequest();
    expect(request.params).toMatchObject({
      mode: "subscription",
      line_items: [{ price: price.id, quantity: "1" }],
      metadata: { checkout_id: checkoutId, plan_id: String(plan.id), kind: "tier_monthly" },
      subscription_data: { metadata: { checkout_id: checkoutId, plan_id: String(plan.id) } },
    });
    expect(request.params.line_items).toEqual([{ price: price.id, quantity: "1" }]);
    const allowed = (request.params.shipping_address_collection as { allowed_countries: string[] }).allowed_countries;
    expect(allowed).toContain("AU");
    expect(allowed).toContain("GB");
    const [row] = await t.db.select().from(checkouts).where(eq(checkouts.id, checkoutId));
    expect(row).toMatchObject({ kind: "tier_monthly", planId: plan.id, amountMinor: 1000 });
  });

  it("sells a one-time print year as a one-off payment with a postal address", async () => {
    const plan = fixtures.plan("print-year");
    const price = stripe.addPrice({ lookupKey: plan.lookupKey, unitAmount: plan.amountMinor, currency: plan.currency });
    const { checkoutId } = await startTierCheckout(t.db, {
      campaign: fixtures.campaign,
      choice: { plan, name: null, email: uniqueEmail() },
    });
    const request = sessionRequest();
    expect(request.params).toMatchObject({
      mode: "payment",
      line_items: [{ price: price.id }],
      metadata: { checkout_id: checkoutId, kind: "tier_one_time" },
    });
    expect(request.params).toHaveProperty("shipping_address_collection");
    expect(request.params).not.toHaveProperty("subscription_data");
  });

  it("opens a known supporter's payment page on their Stripe customer (details and shipping address filled in), never with a second customer", async () => {
    const plan = fixtures.plan("print-monthly");
    stripe.addPrice({
      lookupKey: plan.lookupKey,
      unitAmount: plan.amountMinor,
      currency: plan.currency,
      interval: "month",
    });
    const customer = stripe.addCustomer({ email: uniqueEmail() });
    const { checkoutId } = await startCheckout(t.db, {
      campaign: fixtures.campaign,
      plan,
      kind: "tier_monthly",
      amountMinor: plan.amountMinor,
      feeCoverMinor: 0,
      email: customer.email!,
      name: "Returning Reader",
      anonymous: false,
      message: null,
      description: plan.name,
      returnPath: "/account",
      providerCustomerId: customer.id,
    });
    const request = sessionRequest();
    expect(request.params).toMatchObject({
      customer: customer.id,
      client_reference_id: checkoutId,
      shipping_address_collection: expect.anything(),
    });
    expect(request.params).not.toHaveProperty("customer_email");
    expect(request.params).not.toHaveProperty("customer_creation");
    const [session] = [...stripe.store.sessions.values()].filter((s) => s.metadata.checkout_id === checkoutId);
    expect(session.customer).toBe(customer.id);
  });

  it("a one-off payment for a known customer does not ask Stripe to create another", async () => {
    const customer = stripe.addCustomer({ email: uniqueEmail() });
    const plan = fixtures.plan("print-year");
    stripe.addPrice({ lookupKey: plan.lookupKey, unitAmount: plan.amountMinor, currency: plan.currency });
    await startCheckout(t.db, {
      campaign: fixtures.campaign,
      plan,
      kind: "tier_one_time",
      amountMinor: plan.amountMinor,
      feeCoverMinor: 0,
      email: customer.email!,
      name: null,
      anonymous: false,
      message: null,
      description: plan.name,
      returnPath: "/account",
      providerCustomerId: customer.id,
    });
    const request = sessionRequest();
    expect(request.params).toMatchObject({ mode: "payment", customer: customer.id });
    expect(request.params).not.toHaveProperty("customer_creation");
  });

  it.each([
    ["answers 500", { status: 500 } as const],
    ["is unreachable", "network" as const],
  ])("when Stripe %s, throws PaymentProviderError and writes no checkout", async (_, failure) => {
    const before = await checkoutCount();
    stripe.failNextRequest(failure);
    const attempt = startDonationCheckout(t.db, { campaign: fixtures.campaign, donation: donation(), returnPath: "/" });
    await expect(attempt).rejects.toBeInstanceOf(PaymentProviderError);
    await expect(attempt).rejects.toThrow(/Nothing was charged/);
    expect(stripe.requestsTo("POST", "/v1/checkout/sessions")).toHaveLength(1);
    expect(await checkoutCount()).toBe(before);
  });

  it("fails clearly, before creating a session, when a tier's lookup key has no Price in Stripe", async () => {
    const before = await checkoutCount();
    const plan = fixtures.plan("digital-year");
    const attempt = startTierCheckout(t.db, {
      campaign: fixtures.campaign,
      choice: { plan, name: null, email: uniqueEmail() },
    });
    await expect(attempt).rejects.toBeInstanceOf(PaymentProviderError);
    const error = await attempt.then(
      () => null,
      (e: PaymentProviderError) => e,
    );
    expect(String((error?.cause as Error).message)).toMatch(new RegExp(`lookup key ${plan.lookupKey}.*stripe:sync`));
    // Readers are told the option is unavailable, not that Stripe is down; health stays clean.
    expect(error?.message).toMatch(/can't be paid online just now/);
    expect(recentServiceFailure("stripe")).toBeNull();
    expect(stripe.requestsTo("POST", "/v1/checkout/sessions")).toHaveLength(0);
    expect(await checkoutCount()).toBe(before);
  });
});
