import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, rowsOf } from "@db/client.server";
import { counters, outbox, payments, subscriptions, supporters } from "@db/schema";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { createCheckout, uniqueEmail } from "../factories";
import {
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
  subscriptionObject,
} from "../mocks/stripe";
import { countingProxy, type CountingProxy } from "../support/counting-proxy";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";

/*
 * How many round trips to PostgreSQL a delivery costs (issue 18, ADR 054 and 056): every one is
 * CPU in the server and in PostgreSQL, and a wait while the transaction holds its locks. Counted
 * through a TCP proxy, on one connection whose statements are already prepared (a statement's
 * first run on a connection costs one more, once). The payment's statement goes out with the
 * transaction's COMMIT, so the cases where that statement cannot record the payment are here too:
 * the database's first receipt (no counter yet) and a payment recorded meanwhile by another
 * delivery. Needs PostgreSQL (PGlite commits as usual).
 */
const SECRET = "whsec_fighting_fund_round_trips";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();
const onPostgres = Boolean(process.env.DATABASE_URL);

/** A $15 monthly gift's checkout, as the donate form makes it, and the metadata its Stripe objects carry. */
async function monthlyCheckout() {
  const checkout = await createCheckout(t.db, { campaignId: fixtures.campaign.id, kind: "monthly", amountMinor: 1500 });
  const metadata = checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "monthly" });
  return { checkout, metadata };
}

describe.skipIf(!onPostgres)("a delivery's round trips to PostgreSQL", () => {
  let proxy: CountingProxy;
  let handle: Awaited<ReturnType<typeof openDatabase>>;
  beforeAll(async () => {
    proxy = await countingProxy(t.url!);
    handle = await openDatabase({ url: proxy.url, poolSize: 1 });
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
    await proxy?.close();
  });

  const deliver = async (event: unknown) => {
    const { result, roundTrips } = await proxy.during(() =>
      handleStripeWebhook(handle.db, signedWebhookRequest(event, SECRET)),
    );
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    return roundTrips.length;
  };

  const shipping = {
    name: "Rosa Reader",
    address: { line1: "1 Press Lane", city: "Carlton", state: "VIC", postal_code: "3053", country: "AU" },
  };
  /** A paid session of a new reader's one-off gift with a postal address, as Stripe sends it. */
  const newGift = async () => {
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 2500,
    });
    const session = checkoutSessionObject({
      metadata: checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "one_off" }),
      amountTotal: 2500,
      email: checkout.email,
      shipping,
    });
    return { checkout, event: stripeEvent("checkout.session.completed", session) };
  };

  it("a database's first payment (no receipt counter yet) is applied again the usual way, as receipt 1", async () => {
    expect(await t.db.select().from(counters).where(eq(counters.name, "receipt"))).toEqual([]);
    const gift = await newGift();
    await deliver(gift.event);
    const [paid] = await t.db.select().from(payments).where(eq(payments.checkoutId, gift.checkout.id));
    expect(paid.receiptNumber).toBe(1);
    expect(await t.db.select({ value: counters.value }).from(counters).where(eq(counters.name, "receipt"))).toEqual([
      { value: 1 },
    ]);
  });

  it("a new reader's gift with an address: three; the record made is not read again", async () => {
    await deliver((await newGift()).event); // every statement prepared on the connection
    const gift = await newGift();
    // BEGIN with the event's record, the checkout and its subscription; the supporter keys'
    // locks with the supporter looked up, the record made (nobody found) and the rest of the
    // receipt's facts; the payment with its number, receipt and email, and COMMIT.
    expect(await deliver(gift.event)).toBe(3);
    const [paid] = await t.db.select().from(payments).where(eq(payments.checkoutId, gift.checkout.id));
    expect(paid).toMatchObject({ amountMinor: 2500, deliveryAddress: null });
  });

  it("a monthly renewal: three; the record its checkout made is not written again", async () => {
    const { checkout, metadata } = await monthlyCheckout();
    const subscription = stripeId("sub");
    const customer = stripeId("cus", 14);
    const invoice = (billingReason: "subscription_create" | "subscription_cycle") =>
      invoiceObject({ metadata, subscription, customer, amount: 1500, billingReason, email: checkout.email });
    await deliver(stripeEvent("invoice.paid", invoice("subscription_create")));
    await deliver(stripeEvent("invoice.paid", invoice("subscription_cycle"))); // prepared
    // BEGIN with the event's record, the checkout and the subscription; the supporter keys'
    // locks with the owner and the receipt's facts; the payment with its number, receipt and
    // email, and COMMIT.
    expect(await deliver(stripeEvent("invoice.paid", invoice("subscription_cycle")))).toBe(3);
    const rows = await t.db
      .select({ id: payments.id })
      .from(payments)
      .innerJoin(subscriptions, eq(subscriptions.id, payments.subscriptionId))
      .where(eq(subscriptions.providerSubscriptionId, subscription));
    expect(rows).toHaveLength(3);
  });
  it("a tier subscription's update with its amount: four, no plan read; a new card: four", async () => {
    const plan = fixtures.plan("print-monthly");
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "tier_monthly",
      planId: plan.id,
      amountMinor: 1000,
    });
    const metadata = checkoutMetadata({
      checkoutId: checkout.id,
      campaignId: fixtures.campaign.id,
      planId: plan.id,
      kind: "tier_monthly",
    });
    const subscription = stripeId("sub");
    const customer = stripeId("cus", 14);
    await deliver(
      stripeEvent(
        "invoice.paid",
        invoiceObject({ metadata, subscription, customer, amount: 1000, email: checkout.email }),
      ),
    );
    const update = (days: number) =>
      stripeEvent(
        "customer.subscription.updated",
        subscriptionObject({
          id: subscription,
          metadata,
          customer,
          status: "active",
          unitAmount: 1000,
          currentPeriodEnd: Math.floor(Date.now() / 1000) + days * 86_400,
        }),
        { created: Math.floor(Date.now() / 1000) + days },
      );
    await deliver(update(30)); // prepared
    // BEGIN with the event's record, the checkout and the subscription; the supporter keys'
    // locks with the owner; the subscription's row; COMMIT.
    expect(await deliver(update(31))).toBe(4);
    const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, subscription));
    expect(row.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now() + 30.5 * 86_400_000);

    // A card attached in the Customer Portal, not made the default: the event's card is recorded.
    stripe.addCustomer({ id: customer, email: checkout.email });
    const card = (last4: string) =>
      stripeEvent("payment_method.attached", stripe.addCard({ customer, last4, expMonth: 11, expYear: 2031 }));
    await deliver(card("4242")); // prepared
    // Before the transaction, whether the event was applied already and whose customer it is;
    // BEGIN with the event's record; the card's details with COMMIT.
    expect(await deliver(card("1881"))).toBe(4);
    const [owner] = await t.db.select().from(supporters).where(eq(supporters.stripeCustomerId, customer));
    expect(owner).toMatchObject({ cardBrand: "visa", cardLast4: "1881", cardExpYear: 2031 });
  });
});

describe.skipIf(!onPostgres)(
  "a payment recorded by another transaction while the delivery waits for the counter",
  () => {
    it("is found recorded: the delivery is applied again the usual way, takes no number and sends no receipt", async () => {
      const { checkout, metadata } = await monthlyCheckout();
      const invoice = invoiceObject({ metadata, subscription: stripeId("sub"), amount: 1500, email: checkout.email });
      const value = async () =>
        rowsOf<{ value: number }>(
          await t.db.execute(
            sql`select coalesce((select value from counters where name = 'receipt'), 0)::int as value`,
          ),
        )[0].value;
      const before = await value();
      // Another transaction holds the receipt counter; the delivery, having found the payment not
      // recorded, waits for it with its last statement (and COMMIT) sent. That transaction then
      // records the same payment and commits: the delivery's statement finds it there.
      const holder = postgres(t.url!, { max: 2, onnotice: () => {} });
      const other = await holder.reserve();
      try {
        await other`insert into counters (name, value) values ('receipt', ${before}) on conflict (name) do nothing`;
        // Its payment's supporter, made beforehand: nothing but the counter is held meanwhile.
        const [{ id: supporterId }] = await other<{ id: number }[]>`
          insert into supporters (email, name) values (${uniqueEmail()}, 'Another Reader') returning id`;
        await other`begin`;
        await other`select value from counters where name = 'receipt' for update`;
        const delivery = handleStripeWebhook(t.db, signedWebhookRequest(stripeEvent("invoice.paid", invoice), SECRET));
        for (let waited = 0; ; waited += 20) {
          const [{ n }] = await holder<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like '%with taken as%'`;
          if (n === 1) break;
          if (waited > 10_000) throw new Error("the delivery never waited for the counter");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await other`
        insert into payments (supporter_id, campaign_id, checkout_id, kind, method, provider, provider_payment_id,
          amount_minor, currency, receipt_number, paid_at)
        values (${supporterId}, ${fixtures.campaign.id}, ${checkout.id}, 'monthly', 'card', 'stripe', ${invoice.id},
          1500, 'AUD', ${before + 1}, now())`;
        await other`update counters set value = ${before + 1} where name = 'receipt'`;
        await other`commit`;
        const result = await delivery;
        expect(result.status, JSON.stringify(result.body)).toBe(200);
      } finally {
        other.release();
        await holder.end();
      }
      const rows = await t.db.select().from(payments).where(eq(payments.providerPaymentId, invoice.id));
      expect(rows.map((r) => r.receiptNumber)).toEqual([before + 1]);
      // No number taken by the delivery: the series has no gap.
      expect(await value()).toBe(before + 1);
      expect(await t.db.select().from(outbox).where(eq(outbox.toEmail, checkout.email))).toEqual([]);
    });
  },
);
