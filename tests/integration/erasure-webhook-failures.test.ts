import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, supporters, webhookFailures } from "@db/schema";
import { createStaffUser } from "~/auth/staff-auth.server";
import { eraseSupporterRecords } from "~/supporters/privacy.server";
import { givePhoneOnlyCheque, giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";

/**
 * A stored webhook failure is a whole Stripe event, with the customer's email, name and
 * address. Erasing a supporter deletes the failures that name them — by email (in any case) or
 * by Stripe customer id — and no one else's.
 */

const { t, fixtures } = useSeededDatabase();

function failure(eventId: string, object: Record<string, unknown>) {
  return {
    eventId,
    type: "checkout.session.completed",
    payload: { id: eventId, object: "event", type: "checkout.session.completed", data: { object } },
    error: "Database error 57P01",
  };
}

const failureIds = async () =>
  (await t.db.select({ id: webhookFailures.eventId }).from(webhookFailures)).map((r) => r.id).sort();

describe("erasure and stored webhook failures", () => {
  it("deletes failures naming the supporter's email or Stripe customer, keeps everyone else's", async () => {
    const email = uniqueEmail("erasefail");
    const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id, email, name: "Erin Erased" });
    await t.db
      .update(supporters)
      .set({ stripeCustomerId: "cus_ErinErased01" })
      .where(eq(supporters.id, gift.supporterId));
    const [local, domain] = email.split("@");
    await t.db.insert(webhookFailures).values([
      failure("evt_t1_by_email", {
        customer_details: {
          email: `${local[0].toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`,
          name: "Erin Erased",
        },
      }),
      failure("evt_t1_by_customer", { customer: "cus_ErinErased01", customer_details: null }),
      // Addresses that merely contain hers, another customer whose id starts like hers, and a stranger.
      failure("evt_t1_longer_address", { customer_details: { email: `x${email}` } }),
      failure("evt_t1_address_prefix", { customer_details: { email: `${email}.au` } }),
      failure("evt_t1_other_customer", { customer: "cus_ErinErased012" }),
      failure("evt_t1_stranger", { customer_details: { email: uniqueEmail("stranger") } }),
    ]);

    const erased = await t.db.transaction((tx) =>
      eraseSupporterRecords(tx, {
        supporterId: gift.supporterId,
        actor: { type: "system", id: null },
        reason: "request",
      }),
    );
    expect(erased).toBe(true);
    expect(await failureIds()).toEqual([
      "evt_t1_address_prefix",
      "evt_t1_longer_address",
      "evt_t1_other_customer",
      "evt_t1_stranger",
    ]);
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(gift.supporterId)));
    expect(audit.details).toMatchObject({ webhookFailures: 2 });
  });

  it("a supporter with no email address and no Stripe customer deletes no failure", async () => {
    const staffUserId = await createStaffUser(t.db, {
      email: "erasure@fund.example",
      name: "Erasure Staff",
      role: "staff",
      password: "a-long-staff-password",
    });
    const caller = await givePhoneOnlyCheque(t.db, { campaignId: fixtures.campaign.id, staffUserId });
    const before = await failureIds();
    expect(before.length).toBeGreaterThan(0);
    await t.db.transaction((tx) =>
      eraseSupporterRecords(tx, {
        supporterId: caller.supporterId,
        actor: { type: "system", id: null },
        reason: "request",
      }),
    );
    expect(await failureIds()).toEqual(before);
  });
});
