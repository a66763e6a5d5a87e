import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { plans, supporters } from "@db/schema";
import { handleStripeWebhook } from "~/http/stripe-webhook.server";
import { signedWebhookRequest, type StripeEventEnvelope } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { useStripeMode } from "../support/stripe-mode";
import {
  buildHistory,
  ledgerSnapshot,
  resetToSeed,
  writeCheckouts,
  type GiftScript,
  type WorldScript,
} from "../support/stripe-histories";

/**
 * Which checkout gives a new supporter record its details must not depend on the order Stripe
 * delivers in (ADR 034). Each world is delivered once in Stripe's order and once backwards, every
 * event once, through the signed webhook: the ledger, where each print entitlement's editions go
 * and the profile (name, address) must come out the same. The worlds are the two the long
 * exactly-once run found (seed 20261203, paths 99 and 117).
 */

const SECRET = "whsec_fighting_fund_record_details";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

// One start for every build, so that both deliveries of a world have the same dates.
const START = Math.floor(Date.now() / 1000) - 200 * 86_400;

const printYear: GiftScript = {
  kind: "tier_one_time",
  planCode: "print-year",
  amountMinor: 0,
  feeCoverMinor: 0,
  payment: "card",
  refundPercents: [],
  startDay: 5,
};
const digitalMonthlyBecomingPrint: GiftScript = {
  kind: "tier_monthly",
  planCode: "digital-monthly",
  amountMinor: 0,
  activatedInSameSecond: true,
  firstRefundPercent: 0,
  months: [{ change: "tier", newAmountMinor: 0, paused: false, failures: 0, recovered: true, refundPercent: 0 }],
  ending: "running",
  startDay: 20,
};
const printMonthly: GiftScript = {
  kind: "tier_monthly",
  planCode: "print-monthly",
  amountMinor: 0,
  activatedInSameSecond: true,
  firstRefundPercent: 0,
  months: [],
  ending: "running",
  startDay: 3,
};

async function history(world: WorldScript) {
  const allPlans = await t.db.select().from(plans);
  const plan = (code: string) =>
    allPlans.find((p) => p.code === code) ??
    (() => {
      throw new Error(`no plan ${code}`);
    })();
  const built = buildHistory(world, { campaignId: fixtures.campaign.id, plan, start: START });
  for (const paid of built.invoicePayments) stripe.addInvoicePayment(paid);
  return built;
}

/** Delivers every event once in the given order; a 500 (a refund before its payment) goes to the back. */
async function deliverAll(events: StripeEventEnvelope[]) {
  const queue = [...events];
  for (let tries = 0; queue.length > 0 && tries < events.length * 5; tries += 1) {
    const event = queue.shift()!;
    const result = await handleStripeWebhook(t.db, signedWebhookRequest(event, SECRET));
    if (result.status === 500) queue.push(event);
    else expect(result.status, `${event.type}: ${JSON.stringify(result.body)}`).toBe(200);
  }
  expect(queue, "every event applied").toEqual([]);
}

async function outcome(world: WorldScript, order: "stripe" | "backwards") {
  const built = await history(world);
  await resetToSeed(t.db);
  await writeCheckouts(t.db, built);
  await deliverAll(order === "stripe" ? built.events : [...built.events].reverse());
  const snapshot = await ledgerSnapshot(t.db, built);
  // The email addresses are fresh for each build: compare each person by position.
  const [person] = built.people;
  const [row] = await t.db.select().from(supporters).where(eq(supporters.email, person!.email));
  return {
    profile: { name: row!.name, line1: row!.addressLine1, city: row!.addressCity },
    subscriptions: Object.values(snapshot.subscriptions).map((s) => ({
      plan: s.plan,
      deliveredTo: s.deliveredTo,
      status: s.status,
    })),
    entitlements: Object.values(snapshot.supporters).map((s) => s.entitlements),
  };
}

describe("the first-started checkout gives a new record its details, whatever order Stripe delivers in", () => {
  it("a print year, then a digital monthly tier that becomes print: the monthly's editions go to the year's address either way", async () => {
    const world: WorldScript = { supporters: [{ name: "Mehmet Öz", gifts: [printYear, digitalMonthlyBecomingPrint] }] };
    const inOrder = await outcome(world, "stripe");
    expect(inOrder.profile.line1).toBe("12 Printers Lane");
    expect(inOrder.subscriptions).toEqual([
      { plan: "print-monthly", deliveredTo: "12 Printers Lane", status: "active" },
    ]);
    expect(await outcome(world, "backwards")).toEqual(inOrder);
  });

  it("a print monthly tier alone: the address typed on Stripe's page reaches the profile even when the subscription's events come first", async () => {
    const world: WorldScript = { supporters: [{ name: "Aroha Ngata", gifts: [printMonthly] }] };
    const inOrder = await outcome(world, "stripe");
    expect(inOrder.profile).toEqual({ name: "Aroha Ngata", line1: "12 Printers Lane", city: "Fitzroy" });
    expect(await outcome(world, "backwards")).toEqual(inOrder);
  });

  it("a later checkout that made the record first keeps its own address for its own editions when the earlier one takes the record's place", async () => {
    // The print monthly starts on day 3 and the print year on day 5; backwards, the year makes the
    // record first and the monthly takes its place: both still go to the address given for them.
    const world: WorldScript = { supporters: [{ name: "Ana Ito", gifts: [printYear, printMonthly] }] };
    const inOrder = await outcome(world, "stripe");
    expect(inOrder.subscriptions).toEqual([
      { plan: "print-monthly", deliveredTo: "12 Printers Lane", status: "active" },
    ]);
    expect(await outcome(world, "backwards")).toEqual(inOrder);
  });
});
