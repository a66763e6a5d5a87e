import { eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscriptions } from "@db/schema";
import { resetEnvCache } from "~/env.server";
import { action as authAction, loader as authLoader } from "~/routes/account.auth.$token";
import { action as cardAction } from "~/routes/account.card";
import { action as simulatedCardAction } from "~/routes/account.card_.simulated";
import { action as privacyAction } from "~/routes/account.privacy";
import { action as exportAction } from "~/routes/account.privacy.export";
import { action as profileAction } from "~/routes/account.profile";
import { action as signInAction, loader as signInLoader } from "~/routes/account.sign-in";
import { action as signOutAction } from "~/routes/account.sign-out";
import { action as statementAction } from "~/routes/account.statement";
import { action as subscriptionAction } from "~/routes/account.subscriptions.$id";
import { action as campaignAction, loader as campaignLoader } from "~/routes/c.$slug";
import { loader as healthLoader } from "~/routes/healthz";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { action as payAction, loader as payLoader } from "~/routes/pay.$token";
import { action as simulatedAction, loader as simulatedLoader } from "~/routes/simulated-checkout.$id";
import { action as supportAction, loader as supportLoader } from "~/routes/support";
import { loader as thanksLoader } from "~/routes/thanks";
import { action as webhookAction } from "~/routes/webhooks.stripe";
import { createCheckout, giveGift, uniqueEmail } from "../factories";
import { signStripePayload } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import {
  changedTables,
  countAllRows,
  fieldValue,
  fuzzParams,
  fuzzRuns,
  getRaw,
  hostileAmount,
  hostileForm,
  hostileText,
  humanMessage,
  postPairs,
  postRaw,
  type RowCounts,
  wellFormed,
} from "../support/hostile";
import { csrfFor } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";
import { signInAs } from "../support/supporter-session";

/**
 * Every public form and endpoint, fed what attackers and accidents send. The promises: never a
 * 5xx; a refusal is a 4xx (or a redirect back, where that is the route's way) with words a person
 * can read; a refused request writes no row — except the rate-limit counters (`rate_limits`),
 * which count every checkout start and sign-in request, refused or not, by design — and nothing
 * reaches Stripe. FF_FUZZ_RUNS sets the runs per property.
 */

const SECRET = "whsec_fighting_fund_fuzz";
const { stripe } = useStripeMode(SECRET);
const { t, fixtures } = useSeededDatabase();

const RUNS = fuzzRuns(25);
/** Counters that any checkout start or sign-in request bumps, refused or not. */
const RATE_LIMIT_TABLES = ["rate_limits"] as const;

type Outcome = { status: number; location: string | null; message: string };

async function outcomeOf(response: Response): Promise<Outcome> {
  return { status: response.status, location: response.headers.get("Location"), message: await humanMessage(response) };
}

/** Runs one request and checks the promises every refusal must keep. */
async function attempt(send: () => Promise<Response>, { allowWrites = [] as readonly string[] } = {}) {
  const before: RowCounts = await countAllRows(t.db);
  const stripeBefore = stripe.requests.length;
  const response = await send();
  const outcome = await outcomeOf(response);
  expect(outcome.status, outcome.message.slice(0, 300)).toBeLessThan(500);
  const after = await countAllRows(t.db);
  return {
    outcome,
    written: changedTables(before, after, allowWrites),
    stripeCalls: stripe.requests.length - stripeBefore,
  };
}

function expectCleanRefusal(result: Awaited<ReturnType<typeof attempt>>) {
  expect(result.outcome.status).toBeGreaterThanOrEqual(400);
  expect(result.outcome.message.length, `status ${result.outcome.status} without a message`).toBeGreaterThan(0);
  expect(result.written).toEqual({});
  expect(result.stripeCalls).toBe(0);
}

const emails = ["rosa@example.org", "ROSA+tag@Example.ORG", " pat@example.net ", "a@b.co"];
const names = ["Rosa", "Zoë Ó Briain", "李小龍", "محمد"];

describe("donate forms (/?index and /c/<slug>)", () => {
  const donateFields = {
    frequency: fieldValue(["once", "monthly"]),
    amount: fieldValue(
      ["2500", "5000", "custom", "custom"],
      fc.oneof(hostileAmount, fc.constantFrom("2600", "-2500", "2500.0", "25")),
    ),
    customAmount: hostileAmount,
    name: fieldValue(names),
    email: fieldValue(emails),
    anonymous: fieldValue(["on"]),
    message: fieldValue(["Keep going!"]),
    coverFees: fieldValue(["on", "true", "1"]),
    currency: fieldValue(["AUD", "AUD", "aud", "USD"]),
    website: fieldValue(["", "", ""]),
  };

  for (const target of [
    {
      name: "/?index",
      action: indexAction,
      loader: indexLoader,
      path: "/?index",
      loaderPath: "/",
      params: {} as Record<string, string>,
    },
    {
      name: "/c/defence-fund",
      action: campaignAction,
      loader: campaignLoader,
      path: "/c/defence-fund",
      loaderPath: "/c/defence-fund",
      params: { slug: "defence-fund" },
    },
  ]) {
    it(`${target.name}: never a 500; a refusal explains itself and writes nothing but rate-limit counters`, async () => {
      const { cookie, token } = await csrfFor(target.loader, target.loaderPath, target.params);
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(
          hostileForm(donateFields, () => token),
          fc.ipV4(),
          async (pairs, ip) => {
            const result = await attempt(
              () => postPairs(target.action, target.path, pairs, { cookie, params: target.params, clientAddress: ip }),
              { allowWrites: RATE_LIMIT_TABLES },
            );
            if (result.outcome.status === 303) {
              // A valid gift: one checkout row, one Checkout Session, off to Stripe.
              accepted += 1;
              expect(result.outcome.location).toMatch(/^https:\/\/checkout\.stripe\.com\//);
              expect(result.written).toEqual({ checkouts: 1 });
              expect(result.stripeCalls).toBe(1);
              return;
            }
            expect([400, 403, 429]).toContain(result.outcome.status);
            expectCleanRefusal(result);
          },
        ),
        fuzzParams(RUNS),
      );
      expect(accepted).toBeLessThanOrEqual(RUNS);
    });
  }

  it("the slug itself: any text is a 404 with words, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (slug) => {
        const result = await attempt(() =>
          getRaw(campaignLoader, `/c/${encodeURIComponent(wellFormed(slug))}`, { params: { slug } }),
        );
        if (result.outcome.status === 200) return;
        expect(result.outcome.status).toBe(404);
        expectCleanRefusal(result);
      }),
      fuzzParams(RUNS),
    );
  });
});

describe("the supporter tiers form (/support)", () => {
  beforeAll(() => {
    // As `npm run stripe:sync` leaves the account.
    for (const code of ["digital-monthly", "print-monthly", "digital-year", "print-year"]) {
      const plan = fixtures.plan(code);
      stripe.addPrice({
        lookupKey: plan.lookupKey,
        unitAmount: plan.amountMinor,
        currency: plan.currency,
        interval: plan.billing === "monthly" ? "month" : null,
      });
    }
  });

  it("never a 500; a refusal explains itself and writes nothing but rate-limit counters", async () => {
    const { cookie, token } = await csrfFor(supportLoader, "/support");
    const fields = {
      plan: fieldValue(["digital-monthly", "print-year", "DIGITAL-MONTHLY", "gold-forever"]),
      name: fieldValue(names),
      email: fieldValue(emails),
      website: fieldValue(["", ""]),
    };
    await fc.assert(
      fc.asyncProperty(
        hostileForm(fields, () => token),
        fc.ipV4(),
        async (pairs, ip) => {
          const result = await attempt(
            () => postPairs(supportAction, "/support", pairs, { cookie, clientAddress: ip }),
            { allowWrites: RATE_LIMIT_TABLES },
          );
          if (result.outcome.status === 303) {
            expect(result.written).toEqual({ checkouts: 1 });
            // The tier's Price, found by lookup key, then the Checkout Session.
            expect(result.stripeCalls).toBe(2);
            return;
          }
          expect([400, 403, 429]).toContain(result.outcome.status);
          expectCleanRefusal(result);
        },
      ),
      fuzzParams(RUNS),
    );
  });
});

describe("regressions found by fuzzing (Stripe mode)", () => {
  it("a JSON body posted to the donate form is a 415 in words, not a 500", async () => {
    const result = await attempt(() =>
      postRaw(indexAction, "/?index", { contentType: "application/json", body: '{"amount":2500}' }),
    );
    expect(result.outcome).toMatchObject({ status: 415, message: expect.stringMatching(/couldn't read that form/) });
    expectCleanRefusal(result);
  });

  it.each([
    ["name", "Rosa\u0000Reader"],
    ["message", "Keep going\u0000"],
    ["name", "Rosa\u001B[31m"],
  ])(
    "a control character in the donate form's %s is a field error, not a 500 (and Stripe is not asked first)",
    async (field, value) => {
      const { cookie, token } = await csrfFor(indexLoader, "/");
      const fields: [string, string][] = [
        ["csrf", token],
        ["frequency", "once"],
        ["amount", "2500"],
        ["email", uniqueEmail()],
        ["currency", "AUD"],
        [field, value],
      ];
      const result = await attempt(
        () => postPairs(indexAction, "/?index", fields, { cookie, clientAddress: "198.51.100.201" }),
        { allowWrites: RATE_LIMIT_TABLES },
      );
      expect(result.outcome.status).toBe(400);
      expect(
        JSON.parse(
          await (await postPairs(indexAction, "/?index", fields, { cookie, clientAddress: "198.51.100.202" })).text(),
        ).errors[field],
      ).toMatch(/control characters/);
      expectCleanRefusal(result);
    },
  );

  it("line breaks in a message of support are still fine", async () => {
    const { cookie, token } = await csrfFor(indexLoader, "/");
    const fields: [string, string][] = [
      ["csrf", token],
      ["frequency", "once"],
      ["amount", "2500"],
      ["email", uniqueEmail()],
      ["currency", "AUD"],
      ["message", "Keep going!\r\nFrom all of us"],
    ];
    expect((await postPairs(indexAction, "/?index", fields, { cookie, clientAddress: "198.51.100.203" })).status).toBe(
      303,
    );
  });

  it("a control character in the tier form's name is a field error, not a 500", async () => {
    const { cookie, token } = await csrfFor(supportLoader, "/support");
    const fields: [string, string][] = [
      ["csrf", token],
      ["plan", "digital-monthly"],
      ["email", uniqueEmail()],
      ["name", "\u0000"],
    ];
    const result = await attempt(
      () => postPairs(supportAction, "/support", fields, { cookie, clientAddress: "198.51.100.204" }),
      { allowWrites: RATE_LIMIT_TABLES },
    );
    expect(result.outcome.status).toBe(400);
    expectCleanRefusal(result);
  });
});

/** What scripts post instead of a form: other content types, broken multipart, broken encoding. */
const nonFormBodies = fc.oneof(
  fc.record({ contentType: fc.constant("application/json"), body: fc.json() }),
  fc.record({ contentType: fc.constant("text/plain"), body: hostileText }),
  fc.record({ contentType: fc.constant(null), body: hostileText }),
  fc.record({
    contentType: fc.constantFrom("multipart/form-data", "multipart/form-data; boundary=x"),
    body: hostileText,
  }),
  fc.record({
    contentType: fc.constant("application/x-www-form-urlencoded"),
    body: fc.constantFrom("%", "%E0%A4%A", "a=%ZZ&&&=&b", "=".repeat(1000), "csrf=%00"),
  }),
);
type RawBody = { contentType: string | null; body: string };

describe("bodies that are not forms", () => {
  const routes = [
    { name: "/?index", send: (init: RawBody) => postRaw(indexAction, "/?index", init) },
    {
      name: "/c/<slug>",
      send: (init: RawBody) =>
        postRaw(campaignAction, "/c/defence-fund", { ...init, params: { slug: "defence-fund" } }),
    },
    { name: "/support", send: (init: RawBody) => postRaw(supportAction, "/support", init) },
    { name: "/account/sign-in", send: (init: RawBody) => postRaw(signInAction, "/account/sign-in", init) },
    {
      name: "/pay/<token>",
      send: (init: RawBody) => postRaw(payAction, "/pay/abc", { ...init, params: { token: "abc" } }),
    },
    {
      name: "/account/auth/<token>",
      send: (init: RawBody) => postRaw(authAction, "/account/auth/abc", { ...init, params: { token: "abc" } }),
    },
  ];
  for (const route of routes) {
    it(`${route.name}: JSON, plain text, broken multipart or broken encoding is a 4xx, never a 500`, async () => {
      await fc.assert(
        fc.asyncProperty(nonFormBodies, async (init) => {
          const result = await attempt(() => route.send(init));
          // The sign-in link's action answers a bad post by sending the browser back to the link.
          if (result.outcome.status === 303) {
            expect(result.outcome.location).toMatch(/^\/account\/auth\//);
            expect(result.written).toEqual({});
            return;
          }
          expectCleanRefusal(result);
        }),
        fuzzParams(Math.max(5, Math.ceil(RUNS / 2))),
      );
    });
  }
});

describe("the thanks page and health check", () => {
  it("/thanks: any query string shows the page (unknown payment at worst), writes nothing", async () => {
    const checkout = await createCheckout(t.db, { campaignId: fixtures.campaign.id });
    const refs = fc.oneof(
      hostileText,
      fc.uuid().map(String),
      fc.constant(checkout.id),
      fc.constant(checkout.id.toUpperCase()),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom("ref", "ref", "amount", "status", "ref[]"), refs), { maxLength: 3 }),
        async (query) => {
          const search = new URLSearchParams(query).toString();
          const result = await attempt(() => getRaw(thanksLoader, `/thanks?${search}`));
          expect(result.outcome.status).toBe(200);
          expect(result.written).toEqual({});
          // The amount shown comes from our database, never from the query string.
          const body = JSON.parse(await (await getRaw(thanksLoader, `/thanks?${search}`)).text()) as {
            status: { amountMinor: number } | null;
          };
          if (body.status) expect(body.status.amountMinor).toBe(checkout.amountMinor);
        },
      ),
      fuzzParams(RUNS),
    );
  });

  it("/healthz: any query string gets the usual answer", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (query) => {
        const response = await getRaw(healthLoader as never, `/healthz?${new URLSearchParams({ q: query })}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ db: "ok" });
      }),
      fuzzParams(Math.max(5, Math.ceil(RUNS / 2))),
    );
  });
});

describe("sign-in and sign-in links", () => {
  it("/account/sign-in: never a 500; a refusal explains itself; only rate-limit counters (and, for a supporter's address, their link) are written", async () => {
    const known = await giveGift(t.db, { campaignId: fixtures.campaign.id });
    const { cookie, token } = await csrfFor(signInLoader, "/account/sign-in");
    const fields = { email: fieldValue([...emails, known.checkout.email, known.checkout.email.toUpperCase()]) };
    await fc.assert(
      fc.asyncProperty(
        hostileForm(fields, () => token),
        fc.ipV4(),
        async (pairs, ip) => {
          const result = await attempt(
            () => postPairs(signInAction, "/account/sign-in", pairs, { cookie, clientAddress: ip }),
            { allowWrites: RATE_LIMIT_TABLES },
          );
          if (result.outcome.status === 303) {
            // The same answer whether or not the address is known; only a supporter gets a link.
            expect(result.outcome.location).toBe("/account/sign-in?sent=1");
            expect(Object.keys(result.written).every((table) => ["login_tokens", "outbox"].includes(table))).toBe(true);
            return;
          }
          expect([400, 403, 429]).toContain(result.outcome.status);
          expectCleanRefusal(result);
        },
      ),
      fuzzParams(RUNS),
    );
  });

  it("/account/auth/<token>: any token is refused in words, and nothing is written", async () => {
    const tokens = fc.oneof(
      hostileText,
      fc.base64String({ minLength: 20, maxLength: 100 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{20,100}$/),
    );
    await fc.assert(
      fc.asyncProperty(tokens, async (token) => {
        const loaded = await attempt(() =>
          getRaw(authLoader, `/account/auth/${encodeURIComponent(wellFormed(token))}`, { params: { token } }),
        );
        expect(loaded.outcome.status).toBe(200);
        expect(loaded.written).toEqual({});
        const { cookie, token: csrf } = await csrfFor(authLoader, "/account/auth/x", { token: "x" });
        const posted = await attempt(() =>
          postPairs(authAction, `/account/auth/${encodeURIComponent(wellFormed(token))}`, [["csrf", csrf]], {
            cookie,
            params: { token },
          }),
        );
        expect(posted.outcome.status).toBe(410);
        expect(posted.written).toEqual({});
      }),
      fuzzParams(RUNS),
    );
  });
});

describe("pledge payment links (/pay/<token>)", () => {
  it("any token is a 404 in words; posting it starts nothing", async () => {
    const tokens = fc.oneof(hostileText, fc.stringMatching(/^[A-Za-z0-9_-]{20,60}$/));
    await fc.assert(
      fc.asyncProperty(tokens, async (token) => {
        const loaded = await attempt(() =>
          getRaw(payLoader, `/pay/${encodeURIComponent(wellFormed(token))}`, { params: { token } }),
        );
        expect(loaded.outcome.status).toBe(404);
        expect(loaded.written).toEqual({});
        const { cookie, token: csrf } = await csrfFor(payLoader as never, "/pay/x", { token: "x" }).catch(() => ({
          cookie: "",
          token: "",
        }));
        const posted = await attempt(() =>
          postPairs(payAction, `/pay/${encodeURIComponent(wellFormed(token))}`, [["csrf", csrf]], {
            cookie,
            params: { token },
          }),
        );
        expect([403, 404]).toContain(posted.outcome.status);
        expectCleanRefusal(posted);
      }),
      fuzzParams(RUNS),
    );
  });
});

describe("the Stripe webhook", () => {
  it("any body with any signature is refused with a 4xx and writes nothing", async () => {
    const bodies = fc.oneof(
      hostileText,
      fc.json(),
      fc
        .jsonValue()
        .map((v) =>
          JSON.stringify({ id: "evt_x", type: "checkout.session.completed", created: 1, data: { object: v } }),
        ),
    );
    const signatures = (body: string) =>
      fc.oneof(
        fc.constant(null),
        // What an HTTP header can carry (no NUL, CR or LF; Latin-1 at most).
        hostileText.map((text) => text.replace(/[\u0000\r\n]|[^\u0000-\u00ff]/gu, "")),
        fc.constant(signStripePayload(body, "whsec_someone_else")),
        fc.constant(signStripePayload(`${body} `, SECRET)),
        fc.constant(signStripePayload(body, SECRET, { timestamp: Math.floor(Date.now() / 1000) - 3600 })),
        fc.constant(signStripePayload(body, SECRET, { timestamp: Math.floor(Date.now() / 1000) + 3600 })),
      );
    await fc.assert(
      fc.asyncProperty(
        bodies.chain((body) => fc.tuple(fc.constant(body), signatures(body))),
        async ([body, signature]) => {
          const result = await attempt(() => {
            const request = new Request("http://localhost:3000/webhooks/stripe", {
              method: "POST",
              body,
              headers: signature === null ? {} : { "Stripe-Signature": signature.slice(0, 8000) },
            });
            return webhookAction({ request, params: {}, context: {} });
          });
          expect([400, 413]).toContain(result.outcome.status);
          expectCleanRefusal(result);
        },
      ),
      fuzzParams(RUNS),
    );
  });

  it("a correctly signed body of the wrong shape is a 400 and writes nothing", async () => {
    const wrongShapes = fc.oneof(
      // Top-level JSON null is the one case left out: see the next test.
      fc
        .jsonValue()
        .filter((v) => v !== null)
        .map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) =>
        JSON.stringify({
          id: "evt_fuzz",
          type: "checkout.session.completed",
          created: 1_700_000_000,
          data: { object: v },
        }),
      ),
      fc.jsonValue().map((v) =>
        JSON.stringify({
          id: "evt_fuzz",
          type: "invoice.paid",
          created: 1_700_000_000,
          data: { object: { object: "invoice", id: v } },
        }),
      ),
      fc.constantFrom("", "[]", "{}", '{"type":"charge.refunded"}', '{"id":1,"type":2,"created":"x","data":null}'),
      hostileText,
    );
    await fc.assert(
      fc.asyncProperty(wrongShapes, async (body) => {
        const result = await attempt(() => {
          const request = new Request("http://localhost:3000/webhooks/stripe", {
            method: "POST",
            body,
            headers: { "Stripe-Signature": signStripePayload(body, SECRET) },
          });
          return webhookAction({ request, params: {}, context: {} });
        });
        expect([400, 413]).toContain(result.outcome.status);
        expectCleanRefusal(result);
      }),
      fuzzParams(RUNS),
    );
  });

  // A signed JSON `null` has no id to log: once a 500 (so Stripe would retry), now a 400.
  it("a correctly signed JSON null (or any non-object) is a 400 and writes nothing", async () => {
    for (const body of ["null", "42", '"evt"', "true", "[]"]) {
      const result = await attempt(() => {
        const request = new Request("http://localhost:3000/webhooks/stripe", {
          method: "POST",
          body,
          headers: { "Stripe-Signature": signStripePayload(body, SECRET) },
        });
        return webhookAction({ request, params: {}, context: {} });
      });
      expect(result.outcome.status, body).toBe(400);
      expectCleanRefusal(result);
    }
  });
});

/** The simulated checkout page and the account forms run with the simulated provider. */
describe("with simulated payments", () => {
  const saved = { key: "", secret: "" };
  beforeAll(() => {
    saved.key = process.env.STRIPE_SECRET_KEY ?? "";
    saved.secret = process.env.STRIPE_WEBHOOK_SECRET ?? "";
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    resetEnvCache();
  });
  afterAll(() => {
    process.env.STRIPE_SECRET_KEY = saved.key;
    process.env.STRIPE_WEBHOOK_SECRET = saved.secret;
    resetEnvCache();
  });

  const addressFields = {
    line1: fieldValue(["1 Collins St"]),
    line2: fieldValue([""]),
    city: fieldValue(["Melbourne"]),
    state: fieldValue(["VIC", ""]),
    postalCode: fieldValue(["3000"]),
    country: fieldValue(["AU", "au", "AUS"]),
  };

  it("/simulated-checkout/<id>: never a 500; a refusal explains itself and writes nothing", async () => {
    const printPlan = fixtures.plan("print-year");
    let checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      provider: "simulated",
      kind: "tier_one_time",
      planId: printPlan.id,
      amountMinor: printPlan.amountMinor,
    });
    const { cookie, token } = await csrfFor(simulatedLoader, `/simulated-checkout/${checkout.id}`, { id: checkout.id });
    const fields = { outcome: fieldValue(["pay", "decline", "PAY"]), ...addressFields };
    await fc.assert(
      fc.asyncProperty(
        hostileForm(fields, () => token),
        fc.oneof(
          { weight: 4, arbitrary: fc.constant("") },
          { weight: 1, arbitrary: fc.oneof(hostileText, fc.uuid().map(String)) },
        ),
        async (pairs, otherId) => {
          const id = otherId || checkout.id;
          const result = await attempt(() =>
            postPairs(simulatedAction, `/simulated-checkout/${encodeURIComponent(wellFormed(id))}`, pairs, {
              cookie,
              params: { id },
            }),
          );
          if (result.outcome.status === 303) {
            expect(result.outcome.location).toBe(`/thanks?ref=${checkout.id}`);
            // Paid (or declined): the next runs need an open checkout again.
            checkout = await createCheckout(t.db, {
              campaignId: fixtures.campaign.id,
              provider: "simulated",
              kind: "tier_one_time",
              planId: printPlan.id,
              amountMinor: printPlan.amountMinor,
            });
            return;
          }
          expect([400, 403, 404]).toContain(result.outcome.status);
          expectCleanRefusal(result);
        },
      ),
      fuzzParams(RUNS),
    );
  });

  async function signedInSupporter() {
    const gift = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "monthly",
      amountMinor: 2500,
      name: "Rosa Reader",
    });
    const [subscription] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.supporterId, gift.supporterId));
    return { ...gift, subscription, ...(await signInAs(t.db, gift.supporterId)) };
  }

  it("/account/profile: never a 500; a refusal explains itself and writes nothing", async () => {
    const who = await signedInSupporter();
    const fields = {
      intent: fieldValue(["details", "email", "anonymous", "Details"]),
      name: fieldValue(names),
      email: fieldValue([uniqueEmail(), who.checkout.email]),
      anonymous: fieldValue(["on", "true", "false"]),
      ...addressFields,
    };
    await fc.assert(
      fc.asyncProperty(
        hostileForm(fields, () => who.csrf),
        async (pairs) => {
          const result = await attempt(
            () => postPairs(profileAction, "/account/profile", pairs, { cookie: who.cookie }),
            { allowWrites: RATE_LIMIT_TABLES },
          );
          if (result.outcome.status === 303) {
            expect(result.outcome.location).toMatch(/^\/account\/profile\?(saved|email)=/);
            return;
          }
          expect([400, 403, 429]).toContain(result.outcome.status);
          expectCleanRefusal(result);
        },
      ),
      fuzzParams(RUNS),
    );
  });

  it("/account/subscriptions/<id>: never a 500; a refusal explains itself and writes nothing", async () => {
    const who = await signedInSupporter();
    const fields = {
      intent: fieldValue(["amount", "tier", "pause", "resume", "cancel", "year", "delete"]),
      monthlyAmount: hostileAmount,
      plan: fieldValue(["digital-monthly", "print-monthly", "print-year"]),
      months: fieldValue(["1", "6", "0", "7", "1.5", "-1", "1e1", "NaN"], hostileAmount),
      reason: fieldValue(["Too expensive"]),
    };
    const ids = fc.oneof(
      { weight: 5, arbitrary: fc.constant(String(who.subscription.id)) },
      { weight: 1, arbitrary: fc.oneof(hostileAmount, fc.constantFrom("0", "-1", "2147483648", "1e3")) },
    );
    await fc.assert(
      fc.asyncProperty(
        hostileForm(fields, () => who.csrf),
        ids,
        async (pairs, id) => {
          const result = await attempt(() =>
            postPairs(subscriptionAction, `/account/subscriptions/${encodeURIComponent(wellFormed(id))}`, pairs, {
              cookie: who.cookie,
              params: { id },
            }),
          );
          if (result.outcome.status === 303) {
            // A valid change, confirmed at once by the simulated provider. Put the subscription
            // back as it was so that the next runs test validation, not "already changed".
            await t.db
              .update(subscriptions)
              .set({ ...who.subscription })
              .where(eq(subscriptions.id, who.subscription.id));
            return;
          }
          expect([400, 403, 404, 409]).toContain(result.outcome.status);
          expectCleanRefusal(result);
        },
      ),
      fuzzParams(RUNS),
    );
  });

  it("/account/privacy (erase): never a 500; a refusal explains itself and erases nothing", async () => {
    let who = await signedInSupporter();
    const fields = { intent: fieldValue(["erase", "export", "ERASE"]), confirm: fieldValue(["on", "true", "yes"]) };
    await fc.assert(
      fc.asyncProperty(
        hostileForm(fields, () => who.csrf),
        async (pairs) => {
          const result = await attempt(() =>
            postPairs(privacyAction, "/account/privacy", pairs, { cookie: who.cookie }),
          );
          if (result.outcome.status === 303) {
            expect(result.outcome.location).toBe("/account/erased");
            who = await signedInSupporter();
            return;
          }
          expect([400, 403]).toContain(result.outcome.status);
          expectCleanRefusal(result);
        },
      ),
      fuzzParams(RUNS),
    );
  });

  it("account forms: a body that is not a form is a 4xx in words, never a 500", async () => {
    const who = await signedInSupporter();
    const routes: [string, (init: RawBody) => Promise<Response>][] = [
      ["/account/profile", (init) => postRaw(profileAction, "/account/profile", { ...init, cookie: who.cookie })],
      [
        "/account/subscriptions/<id>",
        (init) =>
          postRaw(subscriptionAction, `/account/subscriptions/${who.subscription.id}`, {
            ...init,
            cookie: who.cookie,
            params: { id: String(who.subscription.id) },
          }),
      ],
      ["/account/privacy", (init) => postRaw(privacyAction, "/account/privacy", { ...init, cookie: who.cookie })],
      [
        "/account/privacy/export",
        (init) => postRaw(exportAction, "/account/privacy/export", { ...init, cookie: who.cookie }),
      ],
      ["/account/statement", (init) => postRaw(statementAction, "/account/statement", { ...init, cookie: who.cookie })],
      ["/account/card", (init) => postRaw(cardAction, "/account/card", { ...init, cookie: who.cookie })],
      [
        "/account/card/simulated",
        (init) => postRaw(simulatedCardAction, "/account/card/simulated", { ...init, cookie: who.cookie }),
      ],
      ["/account/sign-out", (init) => postRaw(signOutAction, "/account/sign-out", { ...init, cookie: who.cookie })],
      [
        "/simulated-checkout/<id>",
        (init) =>
          postRaw(simulatedAction, `/simulated-checkout/${who.checkout.id}`, {
            ...init,
            params: { id: who.checkout.id },
          }),
      ],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), nonFormBodies, async ([, send], init) => {
        const result = await attempt(() => send(init));
        // A body that parses but carries no CSRF token: some routes send the browser back to the page.
        if (result.outcome.status === 303) {
          expect(result.outcome.location).toMatch(/^\/account(\/privacy|\/statement|\/card)?$/);
          expect(result.written).toEqual({});
          return;
        }
        expectCleanRefusal(result);
      }),
      fuzzParams(RUNS),
    );
  });

  describe("regressions found by fuzzing (simulated mode)", () => {
    it("a NUL in the simulated checkout's postal address is a field error, not a 500", async () => {
      const printPlan = fixtures.plan("print-year");
      const checkout = await createCheckout(t.db, {
        campaignId: fixtures.campaign.id,
        provider: "simulated",
        kind: "tier_one_time",
        planId: printPlan.id,
        amountMinor: printPlan.amountMinor,
      });
      const { cookie, token } = await csrfFor(simulatedLoader, `/simulated-checkout/${checkout.id}`, {
        id: checkout.id,
      });
      const fields: [string, string][] = [
        ["csrf", token],
        ["outcome", "pay"],
        ["line1", "1 Collins St"],
        ["city", "\u0000"],
        ["postalCode", "3000"],
        ["country", "AU"],
      ];
      const result = await attempt(() =>
        postPairs(simulatedAction, `/simulated-checkout/${checkout.id}`, fields, {
          cookie,
          params: { id: checkout.id },
        }),
      );
      expect(result.outcome.status).toBe(400);
      expectCleanRefusal(result);
    });

    it("a NUL in the profile's name or address is a field error, not a 500", async () => {
      const who = await signedInSupporter();
      for (const fields of [
        { name: "Rosa\u0000" },
        { name: "Rosa", line1: "1 Collins St", line2: "\u0000", city: "Melbourne", postalCode: "3000", country: "AU" },
      ]) {
        const pairs: [string, string][] = [["csrf", who.csrf], ["intent", "details"], ...Object.entries(fields)];
        const result = await attempt(() => postPairs(profileAction, "/account/profile", pairs, { cookie: who.cookie }));
        expect(result.outcome.status).toBe(400);
        expectCleanRefusal(result);
      }
    });

    it("a NUL in a cancellation reason is a field error, not a 500", async () => {
      const who = await signedInSupporter();
      const pairs: [string, string][] = [
        ["csrf", who.csrf],
        ["intent", "cancel"],
        ["reason", "Too dear\u0000"],
      ];
      const result = await attempt(() =>
        postPairs(subscriptionAction, `/account/subscriptions/${who.subscription.id}`, pairs, {
          cookie: who.cookie,
          params: { id: String(who.subscription.id) },
        }),
      );
      expect(result.outcome.status).toBe(400);
      expectCleanRefusal(result);
    });
  });
});
