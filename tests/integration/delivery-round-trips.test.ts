import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@db/client.server";
import { payments, subscriptions } from "@db/schema";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { createCheckout } from "../factories";
import {
  checkoutMetadata,
  checkoutSessionObject,
  invoiceObject,
  signedWebhookRequest,
  stripeEvent,
  stripeId,
} from "../mocks/stripe";
import { countingProxy, type CountingProxy } from "../support/counting-proxy";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";

/*
 * How many round trips to PostgreSQL a delivery costs (issue 18, ADR 054 and 056): every one is
 * CPU in the server and in PostgreSQL, and a wait while the transaction holds its locks. Counted
 * as the writes the driver makes through a TCP proxy, on one connection whose statements are
 * already prepared (a statement's first run on a connection costs one more, once).
 */
const SECRET = "whsec_fighting_fund_round_trips";
useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();
const onPostgres = Boolean(process.env.DATABASE_URL);

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
    const { result, chunks } = await proxy.during(() =>
      handleStripeWebhook(handle.db, signedWebhookRequest(event, SECRET)),
    );
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    return chunks.length;
  };

  const shipping = {
    name: "Rosa Reader",
    address: { line1: "1 Press Lane", city: "Carlton", state: "VIC", postalCode: "3053", country: "AU" },
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

  it("a new reader's gift with an address: six, and the record made from it is not read again", async () => {
    await deliver((await newGift()).event); // every statement prepared on the connection
    const gift = await newGift();
    // BEGIN with the event's record, the checkout and its subscription; the supporter keys'
    // locks with the supporter looked up; the supporter made; the receipt's facts; the payment
    // with its number, receipt and email; COMMIT.
    expect(await deliver(gift.event)).toBe(6);
    const [paid] = await t.db.select().from(payments).where(eq(payments.checkoutId, gift.checkout.id));
    expect(paid).toMatchObject({ amountMinor: 2500, deliveryAddress: null });
  });

  it("a monthly renewal: five, and the record its checkout made is not written again", async () => {
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "monthly",
      amountMinor: 1500,
    });
    const metadata = checkoutMetadata({ checkoutId: checkout.id, campaignId: fixtures.campaign.id, kind: "monthly" });
    const subscription = stripeId("sub");
    const customer = stripeId("cus", 14);
    const invoice = (billingReason: "subscription_create" | "subscription_cycle") =>
      invoiceObject({ metadata, subscription, customer, amount: 1500, billingReason, email: checkout.email });
    await deliver(stripeEvent("invoice.paid", invoice("subscription_create")));
    await deliver(stripeEvent("invoice.paid", invoice("subscription_cycle"))); // prepared
    // BEGIN with the event's record, the checkout and the subscription; the supporter keys'
    // locks with the supporter; the receipt's facts; the payment with its number, receipt and
    // email; COMMIT.
    expect(await deliver(stripeEvent("invoice.paid", invoice("subscription_cycle")))).toBe(5);
    const rows = await t.db
      .select({ id: payments.id })
      .from(payments)
      .innerJoin(subscriptions, eq(subscriptions.id, payments.subscriptionId))
      .where(eq(subscriptions.providerSubscriptionId, subscription));
    expect(rows).toHaveLength(3);
  });
});
