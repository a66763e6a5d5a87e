import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "~/env.server";
import { findPriceByLookupKey, syncPlanToStripe, type PlanForSync } from "~/payments/stripe.server";
import { syncActivePlans } from "../../scripts/stripe-sync";
import { seeded } from "../factories";
import { createStripeMock } from "../mocks/stripe";
import { createTestDatabase, type TestDatabase } from "../support/database";

const stripe = createStripeMock();
const server = setupServer(...stripe.handlers);

beforeAll(() => {
  process.env.STRIPE_SECRET_KEY = "sk_test_51FightingFundSyncTests";
  process.env.STRIPE_WEBHOOK_SECRET = "whsec_fighting_fund_sync_tests";
  resetEnvCache();
  server.listen({ onUnhandledRequest: "error" });
});
afterEach(() => stripe.clearRequests());
afterAll(() => {
  server.close();
  delete process.env.STRIPE_SECRET_KEY;
  delete process.env.STRIPE_WEBHOOK_SECRET;
  resetEnvCache();
});

let planCounter = 0;
function plan(overrides: Partial<PlanForSync> = {}): PlanForSync {
  planCounter += 1;
  return {
    code: `digital-monthly-${planCounter}`,
    name: "Digital supporter",
    description: "The digital edition, every week.",
    lookupKey: `ff_digital_monthly_aud_${planCounter}`,
    amountMinor: 500,
    currency: "AUD",
    billing: "monthly",
    ...overrides,
  };
}

describe("syncing plans to Stripe", () => {
  it("creates the product and a price holding the plan's lookup key on the first run", async () => {
    const monthly = plan();
    expect(await syncPlanToStripe(monthly)).toBe("created");

    const product = stripe.store.products.get(`ff_plan_${monthly.code.replace(/-/g, "_")}`);
    expect(product).toMatchObject({
      name: "Digital supporter",
      description: "The digital edition, every week.",
      active: true,
    });
    const [price] = stripe.pricesWithLookupKey(monthly.lookupKey);
    expect(price).toMatchObject({
      product: product!.id,
      unit_amount: 500,
      currency: "aud",
      active: true,
      type: "recurring",
      recurring: { interval: "month" },
    });
    for (const write of stripe.writes()) expect(write.idempotencyKey).toBeTruthy();
  });

  it("creates a one-time price for a 12-month plan", async () => {
    const year = plan({ billing: "one_time_year", amountMinor: 5500 });
    expect(await syncPlanToStripe(year)).toBe("created");
    expect(stripe.pricesWithLookupKey(year.lookupKey)[0]).toMatchObject({
      unit_amount: 5500,
      recurring: null,
      type: "one_time",
    });
  });

  it("changes nothing on a second run: no POST at all", async () => {
    const monthly = plan();
    await syncPlanToStripe(monthly);
    stripe.clearRequests();
    expect(await syncPlanToStripe(monthly)).toBe("unchanged");
    expect(stripe.requests.length).toBeGreaterThan(0);
    expect(stripe.writes()).toEqual([]);
  });

  it("moves the lookup key to a new price when the amount changes, and deactivates the old one", async () => {
    const monthly = plan();
    await syncPlanToStripe(monthly);
    const [old] = stripe.pricesWithLookupKey(monthly.lookupKey);
    stripe.clearRequests();

    expect(await syncPlanToStripe({ ...monthly, amountMinor: 700 })).toBe("updated");

    const created = stripe.requestsTo("POST", "/v1/prices");
    expect(created).toHaveLength(1);
    expect(created[0].params).toMatchObject({
      lookup_key: monthly.lookupKey,
      transfer_lookup_key: "true",
      unit_amount: "700",
      currency: "aud",
    });
    expect(stripe.requestsTo("POST", `/v1/prices/${old.id}`)[0]?.params).toEqual({ active: "false" });
    expect(stripe.store.prices.get(old.id)).toMatchObject({ active: false, lookup_key: null });
    const current = await findPriceByLookupKey(monthly.lookupKey);
    expect(current).toMatchObject({ unit_amount: 700, active: true });
    expect(current!.id).not.toBe(old.id);
  });

  it("an amount changed and changed back the same day still leaves an active price for the lookup key", async () => {
    // Stripe replays a POST whose idempotency key it has seen in the last 24 hours.
    const monthly = plan();
    await syncPlanToStripe(monthly);
    await syncPlanToStripe({ ...monthly, amountMinor: 700 });
    expect(await syncPlanToStripe(monthly)).toBe("updated");
    const current = await findPriceByLookupKey(monthly.lookupKey);
    expect(current).toMatchObject({ unit_amount: 500, active: true });
    expect([...stripe.store.prices.values()].filter((p) => p.lookup_key === monthly.lookupKey)).toHaveLength(1);
  });

  it("renames the product when the plan is renamed, and says so", async () => {
    const monthly = plan();
    await syncPlanToStripe(monthly);
    stripe.clearRequests();
    expect(await syncPlanToStripe({ ...monthly, name: "Digital reader" })).toBe("updated");
    expect(stripe.writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      `POST /v1/products/ff_plan_${monthly.code.replace(/-/g, "_")}`,
    ]);
  });

  it("reactivates a product archived in the Dashboard", async () => {
    const monthly = plan();
    await syncPlanToStripe(monthly);
    const productId = `ff_plan_${monthly.code.replace(/-/g, "_")}`;
    stripe.store.products.get(productId)!.active = false;
    await syncPlanToStripe(monthly);
    expect(stripe.store.products.get(productId)!.active).toBe(true);
  });

  it("lets a Stripe failure surface", async () => {
    stripe.failNextRequest({ status: 500 });
    await expect(syncPlanToStripe(plan())).rejects.toThrow();
  });
});

describe("npm run stripe:sync", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await seeded(t.db);
  });
  afterAll(() => t.close());

  it("syncs every active plan and prints one line each; a second run prints unchanged", async () => {
    const first: string[] = [];
    const results = await syncActivePlans(t.db, { log: (line) => first.push(line) });
    expect(results.map((r) => `${r.outcome} ${r.code}`)).toEqual([
      "created digital-monthly",
      "created print-monthly",
      "created digital-year",
      "created print-year",
    ]);
    expect(first).toHaveLength(4);
    expect(first[0]).toMatch(/^created\s+digital-monthly\s+\(ff_digital_monthly_aud, \$5\.00 AUD\/month\)$/);

    stripe.clearRequests();
    const second: string[] = [];
    const again = await syncActivePlans(t.db, { log: (line) => second.push(line) });
    expect(again.every((r) => r.outcome === "unchanged")).toBe(true);
    expect(second.every((line) => line.startsWith("unchanged"))).toBe(true);
    expect(stripe.writes()).toEqual([]);
  });

  it("reports a plan that fails and carries on with the others", async () => {
    stripe.failNextRequest("network");
    const lines: string[] = [];
    const results = await syncActivePlans(t.db, { log: (line) => lines.push(line) });
    expect(results.map((r) => r.outcome)).toEqual(["failed", "unchanged", "unchanged", "unchanged"]);
    expect(lines[0]).toMatch(/^failed\s+digital-monthly/);
  });
});
