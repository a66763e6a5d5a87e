import { eq, sql } from "drizzle-orm";
import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { supporters } from "@db/schema";
import { createStaffUser } from "~/auth/staff-auth.server";
import { runJobsOnce } from "~/jobs/scheduler.server";
import { updateSupporterContact } from "~/supporters/admin-supporters.server";
import { settleCustomerSyncKicks } from "~/supporters/customer-sync.server";
import { confirmEmailChange, updateProfileDetails } from "~/supporters/profile.server";
import { giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";

const { stripe, server } = useStripeMode();
const { t, fixtures } = useSeededDatabase();

const ADDRESS = {
  line1: "9 Press Street",
  line2: "Flat 2",
  city: "Brunswick",
  state: "VIC",
  postalCode: "3056",
  country: "AU",
};

/** A supporter who paid through Stripe: their Stripe customer exists in the mock account. */
async function stripeSupporter() {
  const email = uniqueEmail("sync");
  const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id, email, name: "Old Name" });
  const customer = stripe.addCustomer({ email });
  await t.db.update(supporters).set({ stripeCustomerId: customer.id }).where(eq(supporters.id, supporterId));
  return { supporterId, customerId: customer.id, email };
}
const row = async (id: number) => (await t.db.select().from(supporters).where(eq(supporters.id, id)))[0];
const updatesTo = (customerId: string) => stripe.requestsTo("POST", `/v1/customers/${customerId}`);

afterEach(async () => {
  stripe.setDown(false);
  await settleCustomerSyncKicks();
});

describe("profile changes reach the Stripe customer", () => {
  it("a new name and address are sent to Stripe right after the save, and the supporter is no longer due", async () => {
    const { supporterId, customerId } = await stripeSupporter();
    expect(await updateProfileDetails(t.db, { supporterId, name: "Nadia New", address: ADDRESS })).toBe("saved");
    await settleCustomerSyncKicks();
    const customer = stripe.store.customers.get(customerId)!;
    expect(customer.name).toBe("Nadia New");
    expect(customer.address).toEqual({
      line1: "9 Press Street",
      line2: "Flat 2",
      city: "Brunswick",
      state: "VIC",
      postal_code: "3056",
      country: "AU",
    });
    // The shipping address too: Checkout fills it in when the supporter starts print again.
    expect(customer.shipping).toEqual({ name: "Nadia New", phone: null, address: customer.address });
    const [update] = updatesTo(customerId);
    expect(update.idempotencyKey).toMatch(new RegExp(`^customer-sync:${supporterId}:\\d+$`));
    expect(await row(supporterId)).toMatchObject({ stripeCustomerSyncDueAt: null, stripeCustomerSyncAttempts: 0 });
  });

  it("removing the address clears it in Stripe too", async () => {
    const { supporterId, customerId } = await stripeSupporter();
    await updateProfileDetails(t.db, { supporterId, name: "Nadia New", address: ADDRESS });
    await settleCustomerSyncKicks();
    await updateProfileDetails(t.db, { supporterId, name: "Nadia New", address: null });
    await settleCustomerSyncKicks();
    expect(stripe.store.customers.get(customerId)!.address).toBeNull();
    expect(stripe.store.customers.get(customerId)!.shipping).toBeNull();
    expect(updatesTo(customerId).at(-1)!.form.address).toBe("");
  });

  it("a staff member's edit of the contact details is sent to Stripe too", async () => {
    const { supporterId, customerId } = await stripeSupporter();
    const [{ version }] = await t.db
      .select({
        version: sql<string>`to_char(${supporters.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
      })
      .from(supporters)
      .where(eq(supporters.id, supporterId));
    const staffUserId = await createStaffUser(t.db, {
      email: uniqueEmail("sync-staff"),
      name: "Phone Line",
      role: "staff",
      password: null,
    });
    const outcome = await updateSupporterContact(t.db, {
      staff: { staffUserId, role: "staff" },
      supporterId,
      name: "Caller Corrected",
      email: (await row(supporterId))!.email,
      phone: null,
      address: ADDRESS,
      expectedUpdatedAt: version!,
    });
    expect(outcome).toEqual({ ok: true });
    await settleCustomerSyncKicks();
    expect(stripe.store.customers.get(customerId)!.name).toBe("Caller Corrected");
  });

  it("a confirmed email change is sent to Stripe", async () => {
    const { supporterId, customerId } = await stripeSupporter();
    const newEmail = uniqueEmail("moved");
    expect(await confirmEmailChange(t.db, { supporterId, newEmail })).toBe("changed");
    await settleCustomerSyncKicks();
    expect(stripe.store.customers.get(customerId)!.email).toBe(newEmail);
  });

  it("the save does not wait for Stripe: it returns while Stripe has not answered", async () => {
    const { supporterId, customerId } = await stripeSupporter();
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    server.use(
      http.post(
        "https://api.stripe.com/v1/customers/:id",
        async () => {
          await answered;
          return HttpResponse.error();
        },
        { once: true },
      ),
    );
    expect(await updateProfileDetails(t.db, { supporterId, name: "Quick Save", address: null })).toBe("saved");
    expect((await row(supporterId)).name).toBe("Quick Save");
    release();
    await settleCustomerSyncKicks();
    // That push failed: the change is still due, for the job.
    expect((await row(supporterId)).stripeCustomerSyncDueAt).not.toBeNull();
    expect(stripe.store.customers.get(customerId)!.name).toBeNull();
  });

  it("while Stripe is down the change is saved and kept due; once Stripe is back the scheduled job sends the latest details", async () => {
    const { supporterId, customerId } = await stripeSupporter();
    stripe.setDown(true);
    expect(await updateProfileDetails(t.db, { supporterId, name: "Down Time", address: ADDRESS })).toBe("saved");
    await settleCustomerSyncKicks();
    expect(await row(supporterId)).toMatchObject({ name: "Down Time", stripeCustomerSyncAttempts: 1 });
    expect((await row(supporterId)).stripeCustomerSyncDueAt).not.toBeNull();

    // Still down when the job runs: nothing lost, tried again later.
    const stillDown = await runJobsOnce(t.db);
    expect(stillDown.stripeCustomerSync).toMatchObject({ status: "done", updated: 0 });
    expect((await row(supporterId)).stripeCustomerSyncAttempts).toBeGreaterThanOrEqual(2);
    // Another change meanwhile: the push that finally goes through carries it.
    await updateProfileDetails(t.db, { supporterId, name: "Back Again", address: ADDRESS });
    await settleCustomerSyncKicks();
    expect(stripe.store.customers.get(customerId)!.name).toBeNull();

    stripe.setDown(false);
    const recovered = await runJobsOnce(t.db);
    expect(recovered.stripeCustomerSync).toMatchObject({ status: "done" });
    expect(stripe.store.customers.get(customerId)).toMatchObject({
      name: "Back Again",
      address: expect.objectContaining({ line1: "9 Press Street" }),
    });
    expect(await row(supporterId)).toMatchObject({ stripeCustomerSyncDueAt: null, stripeCustomerSyncAttempts: 0 });
    // Nothing left to send: the next run asks Stripe nothing about this customer.
    const before = updatesTo(customerId).length;
    await runJobsOnce(t.db);
    expect(updatesTo(customerId)).toHaveLength(before);
  });

  it("a supporter without a Stripe customer is never marked and Stripe is not asked", async () => {
    const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id, email: uniqueEmail("nostripe") });
    stripe.clearRequests();
    await updateProfileDetails(t.db, { supporterId, name: "Only Here", address: null });
    await settleCustomerSyncKicks();
    expect((await row(supporterId)).stripeCustomerSyncDueAt).toBeNull();
    expect(stripe.writes()).toEqual([]);
  });

  it("a customer deleted in Stripe stops being due instead of failing for ever", async () => {
    const { supporterId, customerId } = await stripeSupporter();
    stripe.store.customers.delete(customerId);
    await updateProfileDetails(t.db, { supporterId, name: "Gone Customer", address: null });
    await settleCustomerSyncKicks();
    expect((await row(supporterId)).stripeCustomerSyncDueAt).toBeNull();
  });
});
