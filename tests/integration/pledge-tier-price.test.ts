import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { checkouts, plans } from "@db/schema";
import { createStaffUser } from "~/auth/staff-auth.server";
import { getPlanForEdit, updatePlan } from "~/campaigns/admin-plans.server";
import { syncPlanToStripe } from "~/payments/stripe.server";
import { createPledge } from "~/pledges/pledges.server";
import { action as payAction, loader as payLoader } from "~/routes/pay.$token";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { csrfFor, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

/**
 * A phone pledge for a tier is a promise at the price agreed on the phone. Checkout for a tier
 * normally pays the plan's catalogue Price (found by lookup key); when an admin has changed the
 * plan's price since, the supporter must still be charged what they agreed — no more, no less.
 */

const { stripe } = useStripeMode();
const { t, fixtures } = useSeededDatabase();
const admin = { staffUserId: 0, role: "admin" as const };

beforeAll(async () => {
  admin.staffUserId = await createStaffUser(t.db, {
    email: "prices@fund.example",
    name: "Price Admin",
    role: "admin",
    password: "a-long-admin-password",
  });
  for (const code of ["digital-monthly", "print-year"]) await syncPlanToStripe(fixtures.plan(code));
});

async function tierPledge(code: string) {
  const result = await createPledge(t.db, {
    staff: admin,
    supporter: {
      email: uniqueEmail("tier"),
      name: "Tess Tier",
      phone: "0400 000 111",
      address: { line1: "1 Collins St", city: "Melbourne", postalCode: "3000", country: "AU" },
    },
    campaignId: fixtures.campaign.id,
    kind: code.endsWith("monthly") ? "tier_monthly" : "tier_one_time",
    planCode: code,
    payMethod: "link",
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return { ...result, token: result.payUrl!.split("/pay/")[1] };
}

/** The supporter opens the link and presses Pay: the Checkout Session request Stripe receives. */
async function payAndCapture(token: string) {
  const { cookie, token: csrf } = await csrfFor(payLoader, `/pay/${token}`, { token });
  stripe.clearRequests();
  const response = await postForm(payAction, `/pay/${token}`, { csrf }, { params: { token }, cookie });
  expect(response.status).toBe(303);
  const sent = stripe.requestsTo("POST", "/v1/checkout/sessions");
  expect(sent).toHaveLength(1);
  return sent[0];
}

async function changePlanPrice(code: string, amountMinor: number) {
  const plan = fixtures.plan(code);
  const edit = await getPlanForEdit(t.db, { planId: plan.id });
  const [current] = await t.db.select().from(plans).where(eq(plans.id, plan.id));
  const outcome = await updatePlan(t.db, {
    staff: admin,
    planId: plan.id,
    version: edit!.values.version,
    input: {
      name: current.name,
      description: current.description,
      benefits: current.benefits,
      amountMinor,
      currency: current.currency,
      tier: current.tier,
      billing: current.billing,
      active: current.active,
      sortOrder: current.sortOrder,
    },
    confirmPriceChange: true,
  });
  expect(outcome.ok).toBe(true);
}

const productOf = (code: string) => `ff_plan_${code.replace(/[^a-zA-Z0-9_]/g, "_")}`;

describe("paying a tier pledge by link", () => {
  it("at the plan's current price, pays the plan's catalogue Price", async () => {
    const plan = fixtures.plan("digital-monthly");
    const { token } = await tierPledge("digital-monthly");
    const [catalogue] = stripe.pricesWithLookupKey(plan.lookupKey);
    expect(catalogue.unit_amount).toBe(plan.amountMinor);
    const request = await payAndCapture(token);
    expect(request.params.line_items).toEqual([{ price: catalogue.id, quantity: "1" }]);
  });

  it("after the admin raised the monthly price, charges the pledged amount on the plan's product, monthly", async () => {
    const plan = fixtures.plan("digital-monthly");
    const { token, pledgeId } = await tierPledge("digital-monthly");
    const pledged = plan.amountMinor;
    await changePlanPrice("digital-monthly", pledged + 700);
    expect(stripe.pricesWithLookupKey(plan.lookupKey)[0].unit_amount).toBe(pledged + 700);

    const request = await payAndCapture(token);
    expect(request.params).toMatchObject({ mode: "subscription" });
    expect(request.params.line_items).toEqual([
      {
        quantity: "1",
        price_data: {
          currency: plan.currency.toLowerCase(),
          unit_amount: String(pledged),
          product: productOf("digital-monthly"),
          recurring: { interval: "month" },
        },
      },
    ]);
    const [session] = [...stripe.store.sessions.values()]
      .filter((s) => s.metadata.plan_id === String(plan.id))
      .slice(-1);
    expect(session.amount_total).toBe(pledged);
    // Our checkout row keeps the plan, so the subscription is still the tier.
    const [row] = await t.db.select().from(checkouts).where(eq(checkouts.pledgeId, pledgeId));
    expect(row).toMatchObject({ planId: plan.id, amountMinor: pledged, kind: "tier_monthly" });
  });

  it("after the admin lowered a 12-month price, charges the pledged amount once, not the new price", async () => {
    const plan = fixtures.plan("print-year");
    const { token } = await tierPledge("print-year");
    const pledged = plan.amountMinor;
    await changePlanPrice("print-year", pledged - 1000);

    const request = await payAndCapture(token);
    expect(request.params).toMatchObject({ mode: "payment" });
    expect(request.params.line_items).toEqual([
      {
        quantity: "1",
        price_data: {
          currency: plan.currency.toLowerCase(),
          unit_amount: String(pledged),
          product: productOf("print-year"),
        },
      },
    ]);
  });
});
