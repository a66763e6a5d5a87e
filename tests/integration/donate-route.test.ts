import { count, eq, inArray } from "drizzle-orm";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "~/env.server";
import { estimateCardFee } from "~/money";
import { createStripeMock } from "../mocks/stripe";
import { checkouts, payments, settings, supporters } from "@db/schema";
import { action as campaignAction, loader as campaignLoader } from "~/routes/c.$slug";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { action as supportAction, loader as supportLoader } from "~/routes/support";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

const rowCounts = async () => ({
  checkouts: (await t.db.select({ n: count() }).from(checkouts))[0].n,
  supporters: (await t.db.select({ n: count() }).from(supporters))[0].n,
  payments: (await t.db.select({ n: count() }).from(payments))[0].n,
});

async function donate(fields: Record<string, string>, clientAddress = "198.51.100.1") {
  const { cookie, token } = await csrfFor(indexLoader, "/");
  return postForm(
    indexAction,
    "/?index",
    { csrf: token, currency: "AUD", frequency: "once", amount: "2500", email: uniqueEmail(), name: "Rosa", ...fields },
    { cookie, clientAddress },
  );
}

describe("the campaign page", () => {
  it("shows the default campaign with its progress, presets, tiers and phone line", async () => {
    const response = await callLoader(indexLoader, "/");
    expect(response.status).toBe(200);
    const data = await response.json();
    expect(data.campaign).toMatchObject({ name: "Fighting Fund 2026", currency: "AUD", phone: "03 9000 0000" });
    expect(data.campaign.presets.map((p: { amountMinor: number }) => p.amountMinor)).toEqual([
      2500, 5000, 10000, 25000,
    ]);
    expect(data.progress).toMatchObject({ targetMinor: 25_000_000, raisedMinor: 0, supporters: 0 });
    expect(data.plans.map((p: { code: string }) => p.code)).toEqual([
      "digital-monthly",
      "print-monthly",
      "digital-year",
      "print-year",
    ]);
    expect(response.headers.get("Set-Cookie")).toMatch(/^ff_csrf=.*HttpOnly.*SameSite=Lax/i);
  });

  it("serves every campaign at /c/<slug> and 404s an unknown or malformed one", async () => {
    expect((await callLoader(campaignLoader, "/c/defence-fund", { params: { slug: "defence-fund" } })).status).toBe(
      200,
    );
    expect((await callLoader(campaignLoader, "/c/nope", { params: { slug: "nope" } })).status).toBe(404);
    expect((await callLoader(campaignLoader, "/c/DROP%20TABLE", { params: { slug: "DROP TABLE" } })).status).toBe(404);
  });
});

describe("giving", () => {
  it("starts a simulated checkout with a 303 and records what was asked, nothing more", async () => {
    const before = await rowCounts();
    const email = uniqueEmail();
    const response = await donate({
      email,
      frequency: "monthly",
      amount: "custom",
      customAmount: "12.50",
      coverFees: "on",
      anonymous: "on",
    });
    expect(response.status).toBe(303);
    const location = response.headers.get("Location") ?? "";
    expect(location).toMatch(/^\/simulated-checkout\/[0-9a-f-]{36}$/);
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
    expect(checkout).toMatchObject({
      kind: "monthly",
      amountMinor: 1250,
      feeCoverMinor: 52,
      currency: "AUD",
      anonymous: true,
      status: "open",
      campaignId: fixtures.campaign.id,
    });
    expect(location).toBe(`/simulated-checkout/${checkout.id}`);
    const after = await rowCounts();
    expect(after).toEqual({ ...before, checkouts: before.checkouts + 1 });
  });

  it("covers the card fee as the organisation's settings say at the time, and adds nothing when the box is left unticked", async () => {
    const [saved] = await t.db.select().from(settings);
    try {
      await t.db.update(settings).set({ feePercentBps: 300, feeFixedMinor: 40 });
      const covered = uniqueEmail();
      expect((await donate({ email: covered, amount: "5000", coverFees: "on" })).status).toBe(303);
      const plain = uniqueEmail();
      expect((await donate({ email: plain, amount: "5000" })).status).toBe(303);
      const fees = await t.db
        .select({ email: checkouts.email, feeCoverMinor: checkouts.feeCoverMinor })
        .from(checkouts)
        .where(inArray(checkouts.email, [covered, plain]));
      expect(Object.fromEntries(fees.map((f) => [f.email, f.feeCoverMinor]))).toEqual({
        [covered]: estimateCardFee(5000, { percentBps: 300, fixedMinor: 40 }),
        [plain]: 0,
      });
    } finally {
      await t.db.update(settings).set({ feePercentBps: saved.feePercentBps, feeFixedMinor: saved.feeFixedMinor });
    }
  });

  it("counts a gift given on a campaign page toward that campaign", async () => {
    const { cookie, token } = await csrfFor(campaignLoader, "/c/defence-fund", { slug: "defence-fund" });
    const email = uniqueEmail();
    const response = await postForm(
      campaignAction,
      "/c/defence-fund",
      { csrf: token, currency: "AUD", frequency: "once", amount: "5000", email },
      { cookie, params: { slug: "defence-fund" } },
    );
    expect(response.status).toBe(303);
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
    expect(checkout.campaignId).not.toBe(fixtures.campaign.id);
  });

  it.each([
    [{ amount: "custom", customAmount: "0" }, "customAmount"],
    [{ amount: "custom", customAmount: "-10" }, "customAmount"],
    [{ amount: "custom", customAmount: "abc" }, "customAmount"],
    [{ amount: "custom", customAmount: "99999" }, "customAmount"],
    [{ amount: "custom", customAmount: "10.125" }, "customAmount"],
    [{ email: "rosa@" }, "email"],
    [{ currency: "USD" }, "currency"],
    [{ amount: "2600" }, "amount"],
    [{ frequency: "yearly" }, "frequency"],
  ])("re-renders %j with a message at %s, keeps what was typed and creates nothing", async (fields, field) => {
    const before = await rowCounts();
    const response = await donate({ name: "Rosa Typed", ...fields });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[field]).toEqual(expect.any(String));
    expect(body.values.name).toBe("Rosa Typed");
    for (const [k, v] of Object.entries(fields)) expect(body.values[k]).toBe(v);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses a post without the CSRF token, and one that filled the honeypot", async () => {
    const before = await rowCounts();
    const noToken = await postForm(indexAction, "/?index", { frequency: "once", amount: "2500", email: uniqueEmail() });
    expect(noToken.status).toBe(403);
    expect(await donate({ website: "http://spam.example" })).toHaveProperty("status", 400);
    expect(await rowCounts()).toEqual(before);
  });

  it("rate-limits checkout starts per address with a clear 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await donate({}, "192.0.2.77")).status);
    expect(statuses.slice(0, 20).every((s) => s === 303)).toBe(true);
    const blocked = await donate({}, "192.0.2.77");
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).formError).toMatch(/Too many attempts/);
    expect((await donate({}, "192.0.2.78")).status).toBe(303);
  });
});

describe("supporter tiers", () => {
  it("lists the tiers and starts a print tier checkout", async () => {
    const { cookie, token } = await csrfFor(supportLoader, "/support");
    const email = uniqueEmail();
    const response = await postForm(
      supportAction,
      "/support",
      { csrf: token, plan: "print-year", email, name: "Pat" },
      { cookie },
    );
    expect(response.status).toBe(303);
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
    expect(checkout).toMatchObject({
      kind: "tier_one_time",
      amountMinor: 11000,
      planId: fixtures.plan("print-year").id,
    });
  });

  it("rejects an unknown plan without writing anything", async () => {
    const before = await rowCounts();
    const { cookie, token } = await csrfFor(supportLoader, "/support");
    const response = await postForm(
      supportAction,
      "/support",
      { csrf: token, plan: "gold-forever", email: uniqueEmail() },
      { cookie },
    );
    expect(response.status).toBe(400);
    expect((await response.json()).errors.plan).toMatch(/Choose one of the supporter options/);
    expect(await rowCounts()).toEqual(before);
  });
});

describe("with Stripe configured", () => {
  const stripe = createStripeMock();
  const server = setupServer(...stripe.handlers);
  beforeAll(() => {
    process.env.STRIPE_SECRET_KEY = "sk_test_donate_route";
    process.env.STRIPE_WEBHOOK_SECRET = "whsec_donate_route";
    resetEnvCache();
    server.listen({ onUnhandledRequest: "error" });
  });
  afterAll(() => {
    server.close();
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    resetEnvCache();
  });

  it("bad input never reaches Stripe", async () => {
    stripe.clearRequests();
    const before = await rowCounts();
    const bad: Record<string, string>[] = [
      { amount: "custom", customAmount: "abc" },
      { email: "nope" },
      { currency: "EUR" },
    ];
    for (const fields of bad) {
      expect((await donate(fields)).status).toBe(400);
    }
    expect(stripe.requests).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it("a good gift goes to Stripe Checkout with a 303", async () => {
    const response = await donate({ amount: "5000" });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect(stripe.requestsTo("POST", "/v1/checkout/sessions")).toHaveLength(1);
  });

  it("when Stripe is down the form comes back with a clear message and what was typed", async () => {
    stripe.failNextRequest({ status: 500 });
    const before = await rowCounts();
    const response = await donate({ name: "Kept Name" });
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.formError).toMatch(/couldn't reach our payment processor/);
    expect(body.values.name).toBe("Kept Name");
    expect(await rowCounts()).toEqual(before);
  });
});

describe("CSRF tokens", () => {
  it("issuing twice for one Request object gives one token (Remix passes loaders separate Request objects, so this does not yet cover a layout and its page)", async () => {
    const { issueCsrfToken } = await import("~/auth/csrf.server");
    const request = new Request("http://localhost:3000/account/profile");
    const [layout, page] = await Promise.all([issueCsrfToken(request), issueCsrfToken(request)]);
    expect(layout.token).toBe(page.token);
    expect((await issueCsrfToken(new Request("http://localhost:3000/"))).token).not.toBe(layout.token);
  });
});
