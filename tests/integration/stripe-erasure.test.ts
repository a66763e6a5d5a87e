import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { supporters } from "@db/schema";
import { eraseSupporter } from "~/supporters/privacy.server";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";

const { stripe } = useStripeMode();
const { t, fixtures } = useSeededDatabase();

/** A one-off donor whose Stripe customer exists in the mock account. */
async function stripeDonor() {
  const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id });
  const customer = stripe.addCustomer();
  await t.db.update(supporters).set({ stripeCustomerId: customer.id }).where(eq(supporters.id, supporterId));
  return { supporterId, customerId: customer.id };
}
const row = async (id: number) => (await t.db.select().from(supporters).where(eq(supporters.id, id)))[0];

describe("erasure with Stripe", () => {
  it("deletes the Stripe customer, then erases our records", async () => {
    const { supporterId, customerId } = await stripeDonor();
    expect(await eraseSupporter(t.db, { supporterId })).toEqual({ status: "erased" });
    expect(stripe.requestsTo("DELETE", `/v1/customers/${customerId}`)).toHaveLength(1);
    expect(stripe.store.customers.has(customerId)).toBe(false);
    expect((await row(supporterId)).erasedAt).not.toBeNull();
  });

  it("erases nothing when Stripe cannot be reached, and succeeds when asked again", async () => {
    const { supporterId, customerId } = await stripeDonor();
    stripe.failNextRequest("network");
    const first = await eraseSupporter(t.db, { supporterId });
    expect(first.status).toBe("provider_failed");
    expect((await row(supporterId)).erasedAt).toBeNull();
    expect(stripe.store.customers.has(customerId)).toBe(true);
    expect(await eraseSupporter(t.db, { supporterId })).toEqual({ status: "erased" });
  });

  it("a customer Stripe already forgot does not block erasure", async () => {
    const { supporterId, customerId } = await stripeDonor();
    stripe.store.customers.delete(customerId);
    expect(await eraseSupporter(t.db, { supporterId })).toEqual({ status: "erased" });
  });
});
