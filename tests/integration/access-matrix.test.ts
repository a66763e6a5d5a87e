import { readdirSync } from "node:fs";
import path from "node:path";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { outbox, sessions, subscriptions, supporters } from "@db/schema";
import { issueCsrfToken } from "~/auth/csrf.server";
import { createStaffUser, disableStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { createLoginLink, SIGN_IN_LINK_TTL_MS, startSupporterSession } from "~/auth/supporter-auth.server";
import { resetEnvCache } from "~/env.server";
import { createPledge } from "~/pledges/pledges.server";
import { createCheckout, giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { changedTables, fingerprintDatabase } from "../support/db-fingerprint";
import { callLoader, postForm } from "../support/remix";

/**
 * Who gets what, for every route in app/routes and seven kinds of visitor: anonymous, a
 * supporter (A), another supporter (B), staff, an admin, a disabled staff member and expired
 * sessions. Admin routes are read from the directory too: everyone who is not signed-in staff must
 * get exactly what the anonymous get (which staff and admins get is tests/integration/admin-access).
 * Then guessed and swapped ids, in URLs and in forms, never show or change another person's data.
 */

const { t, fixtures } = useSeededDatabase();

type Loader = (args: LoaderFunctionArgs) => Promise<Response> | Response;
type Action = (args: ActionFunctionArgs) => Promise<Response> | Response;
const ACTORS = ["anonymous", "supporterA", "supporterB", "staff", "admin", "disabledStaff", "expired"] as const;
type Actor = (typeof ACTORS)[number];

const STAFF_PASSWORD = "a-long-matrix-staff-password";
const cookies = {} as Record<Actor, string | undefined>;

/** Two supporters with distinctive details, so any leak of one to the other is easy to find. */
const people = {
  A: {
    name: "Ada Alphamatrix",
    email: uniqueEmail("ada.alphamatrix"),
    phone: "0400 111 909",
    line1: "7 Alphamatrix Lane",
  },
  B: { name: "Bo Betamatrix", email: uniqueEmail("bo.betamatrix"), phone: "0400 222 808", line1: "9 Betamatrix Road" },
};
type Person = { supporterId: number; paymentId: number; subscriptionId: number; checkoutId: string };
const ids = {} as Record<"A" | "B", Person>;
const capabilities = { loginToken: "", pledgeToken: "", pendingCheckout: "" };

async function givingSupporter(who: "A" | "B"): Promise<Person> {
  const p = people[who];
  const gift = await giveGift(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "monthly",
    email: p.email,
    name: p.name,
  });
  await t.db
    .update(supporters)
    .set({
      phone: p.phone,
      addressLine1: p.line1,
      addressCity: "Fitzroy",
      addressPostalCode: "3065",
      addressCountry: "AU",
    })
    .where(eq(supporters.id, gift.supporterId));
  const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.supporterId, gift.supporterId));
  return {
    supporterId: gift.supporterId,
    paymentId: gift.payment.id,
    subscriptionId: sub.id,
    checkoutId: gift.checkout.id,
  };
}

const sessionCookie = async (supporterId: number) => (await startSupporterSession(t.db, supporterId)).split(";")[0];

async function staffCookie(role: "staff" | "admin") {
  const email = uniqueEmail(role);
  const staffUserId = await createStaffUser(t.db, { email, name: `Matrix ${role}`, role, password: STAFF_PASSWORD });
  const result = await signInStaff(t.db, { email, password: STAFF_PASSWORD, clientAddress: "198.51.100.40" });
  if (result.status !== "ok") throw new Error(`staff sign-in failed: ${result.status}`);
  return { cookie: result.cookie.split(";")[0], staffUserId };
}

beforeAll(async () => {
  ids.A = await givingSupporter("A");
  ids.B = await givingSupporter("B");
  cookies.anonymous = undefined;
  cookies.supporterA = await sessionCookie(ids.A.supporterId);
  cookies.supporterB = await sessionCookie(ids.B.supporterId);
  const staff = await staffCookie("staff");
  cookies.staff = staff.cookie;
  cookies.admin = (await staffCookie("admin")).cookie;
  const leaver = await staffCookie("admin");
  await disableStaffUser(t.db, { staffUserId: leaver.staffUserId });
  cookies.disabledStaff = leaver.cookie;
  // Both kinds of session, past their expiry: one of A's (started 31 days ago) and a staff one.
  const staleSupporter = (
    await startSupporterSession(t.db, ids.A.supporterId, new Date(Date.now() - 31 * 24 * 60 * 60_000))
  ).split(";")[0];
  const staleStaff = await staffCookie("admin");
  await t.db
    .update(sessions)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(sessions.staffUserId, staleStaff.staffUserId));
  cookies.expired = `${staleSupporter}; ${staleStaff.cookie}`;

  const link = await createLoginLink(t.db, {
    supporterId: ids.A.supporterId,
    email: people.A.email,
    purpose: "sign_in",
    ttlMs: SIGN_IN_LINK_TTL_MS,
  });
  capabilities.loginToken = link.split("/account/auth/")[1];
  const pledge = await createPledge(t.db, {
    staff: { staffUserId: staff.staffUserId },
    supporter: { email: uniqueEmail("caller"), name: "Carla Caller" },
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor: 4200,
    payMethod: "link",
  });
  if (!pledge.ok) throw new Error(JSON.stringify(pledge.errors));
  capabilities.pledgeToken = pledge.payUrl!.split("/pay/")[1];
  capabilities.pendingCheckout = (
    await createCheckout(t.db, { campaignId: fixtures.campaign.id, provider: "simulated" })
  ).id;
});

/** What a visitor gets: a status, or a redirect to a place. */
type Answer = number | `→ ${string}`;
type Expectation = {
  path: () => string;
  params?: () => Record<string, string>;
  answers: Partial<Record<Actor, Answer>> & { others: Answer };
};

const SIGN_IN: Answer = "→ /account/sign-in";
const supportersOnly = (p: string, extra: Partial<Record<Actor, Answer>> = {}): Expectation => ({
  path: () => p,
  answers: { supporterA: 200, supporterB: 200, others: SIGN_IN, ...extra },
});
const everyone = (p: string, answer: Answer = 200, params?: () => Record<string, string>): Expectation => ({
  path: () => p,
  params,
  answers: { others: answer },
});

/** Every route that is not under /admin, and what each visitor gets. */
const PUBLIC_AND_ACCOUNT: Record<string, Expectation> = {
  _index: everyone("/"),
  "c.$slug": everyone("/c/defence-fund", 200, () => ({ slug: "defence-fund" })),
  support: everyone("/support"),
  // The privacy notice for readers (ADR 040).
  privacy: everyone("/privacy"),
  // The appeal where readers are (ADR 044): the same public figures for everyone.
  "embed.$slug": everyone("/embed/defence-fund", 200, () => ({ slug: "defence-fund" })),
  "c.$slug_.progress[.svg]": everyone("/c/defence-fund/progress.svg", 200, () => ({ slug: "defence-fund" })),
  "c.$slug_.progress[.png]": everyone("/c/defence-fund/progress.png", 200, () => ({ slug: "defence-fund" })),
  thanks: { path: () => `/thanks?ref=${ids.A.checkoutId}`, answers: { others: 200 } },
  // A kept receipt (ADR 051): only for a gift whose reader chose no email; this one's was emailed.
  "thanks_.receipt[.txt]": everyone(`/thanks/receipt.txt?ref=${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}`, 404),
  // The waiting page past the checkout limits (ADR 045): the gift lives only in the browser's own sealed cookie.
  "give.wait": everyone("/give/wait", 410),
  // The language switcher (ADR 049): back to the page it came from, a path on this site.
  language: everyone("/language?to=ru&back=/support", "→ /support"),
  healthz: everyone("/healthz"),
  readyz: everyone("/readyz"),
  $: everyone("/no-such-page", 404, () => ({ "*": "no-such-page" })),
  "webhooks.stripe": everyone("/webhooks/stripe", 405),
  // The link, the payment link and the checkout id are the credentials: whoever holds one gets the page.
  "account.auth.$token": {
    path: () => `/account/auth/${capabilities.loginToken}`,
    params: () => ({ token: capabilities.loginToken }),
    answers: { others: 200 },
  },
  "pay.$token": {
    path: () => `/pay/${capabilities.pledgeToken}`,
    params: () => ({ token: capabilities.pledgeToken }),
    answers: { others: 200 },
  },
  "simulated-checkout.$id": {
    path: () => `/simulated-checkout/${capabilities.pendingCheckout}`,
    params: () => ({ id: capabilities.pendingCheckout }),
    answers: { others: 200 },
  },
  // Development only (production: see below); it shows every email, so nobody's data is checked there.
  "dev.mailbox._index": everyone("/dev/mailbox"),
  "dev.mailbox.$id": everyone("/dev/mailbox/424242", 404, () => ({ id: "424242" })),
  account: everyone("/account"),
  "account._index": supportersOnly("/account"),
  "account.card": supportersOnly("/account/card"),
  "account.card_.simulated": supportersOnly("/account/card/simulated"),
  "account.privacy": supportersOnly("/account/privacy"),
  "account.profile": supportersOnly("/account/profile"),
  "account.statement": supportersOnly("/account/statement"),
  "account.privacy.export": everyone("/account/privacy/export", "→ /account/privacy"),
  "account.sign-in": {
    path: () => "/account/sign-in",
    answers: { supporterA: "→ /account", supporterB: "→ /account", others: 200 },
  },
  "account.sign-out": everyone("/account/sign-out", "→ /account"),
  // A's receipt and subscription: B gets what a missing one gets.
  "account.receipts.$paymentId": {
    path: () => `/account/receipts/${ids.A.paymentId}`,
    params: () => ({ paymentId: String(ids.A.paymentId) }),
    answers: { supporterA: 200, supporterB: 404, others: SIGN_IN },
  },
  "account.subscriptions.$id": {
    path: () => `/account/subscriptions/${ids.A.subscriptionId}`,
    params: () => ({ id: String(ids.A.subscriptionId) }),
    answers: { supporterA: 200, supporterB: 404, others: SIGN_IN },
  },
};
/** Pages without a loader: the same static page for everyone. */
const NO_LOADER = new Set(["account.erased"]);
/** Pages that show a person's data to whoever holds their link (or, in development, every email). */
const SHOWS_WHAT_THE_LINK_OPENS = new Set([
  "simulated-checkout.$id",
  "pay.$token",
  "dev.mailbox._index",
  "dev.mailbox.$id",
]);

const ROUTE_MODULES = import.meta.glob<{ loader?: Loader; action?: Action }>("../../app/routes/*.{ts,tsx}");
const routesDir = path.resolve(__dirname, "../../app/routes");
const routeFiles = () =>
  readdirSync(routesDir)
    .filter((f) => /\.tsx?$/.test(f))
    .sort();
const routeId = (file: string) => file.replace(/\.tsx?$/, "");
const moduleOf = async (id: string) => {
  const file = routeFiles().find((f) => routeId(f) === id);
  if (!file) throw new Error(`no route ${id}`);
  return ROUTE_MODULES[`../../app/routes/${file}`]();
};
const isAdmin = (id: string) => id === "admin" || id.startsWith("admin.");

async function answerOf(response: Response): Promise<{ answer: Answer; body: string }> {
  const location = response.headers.get("Location");
  const body = response.status >= 300 && response.status < 400 ? "" : await response.text();
  return { answer: location ? `→ ${location.split("?")[0]}` : response.status, body };
}

async function visit(loader: Loader, path: string, params: Record<string, string> | undefined, actor: Actor) {
  return answerOf(await callLoader(loader, path, { params, cookie: cookies[actor] }));
}

/** The details of a person that must not reach anyone else. */
const detailsOf = (who: "A" | "B") => [people[who].name, people[who].email, people[who].phone, people[who].line1];

describe("the access matrix", () => {
  it("every route outside /admin is in the table above", () => {
    const missing = routeFiles()
      .map(routeId)
      .filter((id) => !isAdmin(id) && !(id in PUBLIC_AND_ACCOUNT) && !NO_LOADER.has(id));
    expect(missing, "add these routes to PUBLIC_AND_ACCOUNT with what each visitor gets").toEqual([]);
  });

  it("public and account routes: each visitor gets exactly their answer, and nobody sees another supporter's details", async () => {
    const wrong: string[] = [];
    for (const [id, expectation] of Object.entries(PUBLIC_AND_ACCOUNT)) {
      const { loader } = await moduleOf(id);
      if (!loader) {
        wrong.push(`${id}: has no loader`);
        continue;
      }
      for (const actor of ACTORS) {
        const { answer, body } = await visit(loader, expectation.path(), expectation.params?.(), actor);
        const wanted = expectation.answers[actor] ?? expectation.answers.others;
        if (answer !== wanted) wrong.push(`${id} as ${actor}: ${answer}, not ${wanted}`);
        if (SHOWS_WHAT_THE_LINK_OPENS.has(id)) continue;
        for (const who of ["A", "B"] as const) {
          if (actor === `supporter${who}`) continue;
          const leaked = detailsOf(who).filter((detail) => body.includes(detail));
          if (leaked.length > 0) wrong.push(`${id} as ${actor} shows ${who}'s ${leaked.join(", ")}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("the account pages do show each supporter their own details (so the check above can fail)", async () => {
    const { loader } = await moduleOf("account.profile");
    for (const who of ["A", "B"] as const) {
      const { body } = await visit(loader!, "/account/profile", undefined, `supporter${who}`);
      expect(body).toContain(people[who].email);
      expect(body).toContain(people[who].line1);
    }
  });

  it("the account layout knows who is signed in: supporters, and nobody else", async () => {
    const { loader } = await moduleOf("account");
    for (const actor of ACTORS) {
      const data = JSON.parse((await visit(loader!, "/account", undefined, actor)).body);
      expect(data.signedIn, actor).toBe(actor === "supporterA" || actor === "supporterB");
    }
  });

  it("admin routes, read from the directory: supporters, disabled staff and expired sessions get what the anonymous get", async () => {
    const wrong: string[] = [];
    const adminRoutes = routeFiles().map(routeId).filter(isAdmin);
    expect(adminRoutes.length).toBeGreaterThan(10);
    for (const id of adminRoutes) {
      const { loader } = await moduleOf(id);
      if (!loader) continue;
      const params = Object.fromEntries([...id.matchAll(/\$(\w+)/g)].map(([, name]) => [name, "424242"]));
      const urlPath =
        "/" +
        id
          .replace(/\._index$/, "")
          .replace(/\$(\w+)/g, "424242")
          .replace(/\[\.(\w+)\]/g, ".$1")
          .replace(/_\./g, ".")
          .replace(/\./g, "/");
      const anonymous = await visit(loader, urlPath, params, "anonymous");
      for (const actor of ["supporterA", "supporterB", "disabledStaff", "expired"] as const) {
        const { answer, body } = await visit(loader, urlPath, params, actor);
        if (answer !== anonymous.answer)
          wrong.push(`${id} as ${actor}: ${answer}, the anonymous get ${anonymous.answer}`);
        const leaked = [...detailsOf("A"), ...detailsOf("B")].filter((detail) => body.includes(detail));
        if (leaked.length > 0) wrong.push(`${id} as ${actor} shows ${leaked.join(", ")}`);
      }
      if (id === "admin") {
        for (const actor of ["supporterA", "disabledStaff", "expired"] as const)
          expect(JSON.parse((await visit(loader, "/admin", undefined, actor)).body).staff, actor).toBeNull();
      }
    }
    expect(wrong).toEqual([]);
  });

  it("in production the dev mailbox does not exist for anyone", async () => {
    const saved = { NODE_ENV: process.env.NODE_ENV, SESSION_SECRET: process.env.SESSION_SECRET };
    // A production demo (no Stripe or Resend keys), where mail is kept in the mailbox table.
    Object.assign(process.env, {
      NODE_ENV: "production",
      DEMO_MODE: "true",
      SESSION_SECRET: "a-production-secret-for-the-matrix-test-only",
    });
    resetEnvCache();
    try {
      for (const [id, path, params] of [
        ["dev.mailbox._index", "/dev/mailbox", undefined],
        ["dev.mailbox.$id", "/dev/mailbox/1", { id: "1" }],
      ] as const) {
        const { loader } = await moduleOf(id);
        expect((await visit(loader!, path, params, "anonymous")).answer, id).toBe(404);
      }
    } finally {
      process.env.NODE_ENV = saved.NODE_ENV;
      delete process.env.DEMO_MODE;
      if (saved.SESSION_SECRET === undefined) delete process.env.SESSION_SECRET;
      else process.env.SESSION_SECRET = saved.SESSION_SECRET;
      resetEnvCache();
    }
  });
});

/** A signed-in browser's cookie header and form token. */
async function browserOf(actor: Actor) {
  const issued = await issueCsrfToken(new Request("http://localhost:3000/"));
  const csrfCookie = (new Headers(issued.headers).get("Set-Cookie") ?? "").split(";")[0];
  return { cookie: [cookies[actor], csrfCookie].filter(Boolean).join("; "), csrf: issued.token };
}

async function postAs(
  actor: Actor,
  id: string,
  urlPath: string,
  fields: Record<string, string>,
  params?: Record<string, string>,
) {
  const { action } = await moduleOf(id);
  const browser = await browserOf(actor);
  return postForm(action!, urlPath, { csrf: browser.csrf, ...fields }, { params, cookie: browser.cookie });
}

/** Runs a post and returns its answer and the tables it changed. */
async function tracked(run: () => Promise<Response>) {
  const before = await fingerprintDatabase(t.db);
  const response = await run();
  const { answer, body } = await answerOf(response);
  return { answer, body, changed: changedTables(before, await fingerprintDatabase(t.db)) };
}

describe("guessed and swapped ids", () => {
  it("another supporter's receipt looks exactly like one that does not exist", async () => {
    const { loader } = await moduleOf("account.receipts.$paymentId");
    const theirs = await visit(
      loader!,
      `/account/receipts/${ids.A.paymentId}`,
      { paymentId: String(ids.A.paymentId) },
      "supporterB",
    );
    const missing = await visit(loader!, "/account/receipts/2147483000", { paymentId: "2147483000" }, "supporterB");
    expect(theirs).toEqual(missing);
    expect(theirs.answer).toBe(404);
  });

  it("B cannot change A's subscription by posting to its address, whatever the intent", async () => {
    const forms: Record<string, string>[] = [
      { intent: "cancel" },
      { intent: "amount", monthlyAmount: "1" },
      { intent: "pause", months: "6" },
    ];
    for (const fields of forms) {
      const result = await tracked(() =>
        postAs("supporterB", "account.subscriptions.$id", `/account/subscriptions/${ids.A.subscriptionId}`, fields, {
          id: String(ids.A.subscriptionId),
        }),
      );
      expect({ answer: result.answer, changed: result.changed }, fields.intent).toEqual({ answer: 404, changed: [] });
    }
  });

  it("ids smuggled into B's own forms act on B only", async () => {
    const smuggled = {
      supporterId: String(ids.A.supporterId),
      id: String(ids.A.supporterId),
      subscriptionId: String(ids.A.subscriptionId),
      paymentId: String(ids.A.paymentId),
    };
    const [aBefore] = await t.db.select().from(supporters).where(eq(supporters.id, ids.A.supporterId));

    const anonymity = await postAs("supporterB", "account.profile", "/account/profile", {
      intent: "anonymous",
      anonymous: "on",
      ...smuggled,
    });
    expect(anonymity.status).toBe(303);
    const [aAfter] = await t.db.select().from(supporters).where(eq(supporters.id, ids.A.supporterId));
    const [bAfter] = await t.db.select().from(supporters).where(eq(supporters.id, ids.B.supporterId));
    expect(aAfter).toEqual(aBefore);
    expect(bAfter.anonymous).toBe(true);

    const exported = await postAs("supporterB", "account.privacy.export", "/account/privacy/export", smuggled);
    expect(exported.status).toBe(200);
    const data = await exported.text();
    expect(data).toContain(people.B.email);
    expect(detailsOf("A").filter((d) => data.includes(d))).toEqual([]);

    const before = await t.db.select({ id: outbox.id }).from(outbox);
    const statement = await postAs("supporterB", "account.statement", "/account/statement", {
      year: String(new Date().getUTCFullYear()),
      ...smuggled,
    });
    expect([303, 400]).toContain(statement.status);
    const queued = (await t.db.select().from(outbox)).filter((row) => !before.some((b) => b.id === row.id));
    expect(queued.every((row) => row.toEmail === people.B.email)).toBe(true);
  });

  it("staff cannot act on a supporter through the supporter's account pages, whatever ids they post", async () => {
    const accountActions = [];
    for (const id of routeFiles()
      .map(routeId)
      .filter((r) => r.startsWith("account.") && r !== "account.sign-in" && r !== "account.auth.$token")) {
      if ((await moduleOf(id)).action) accountActions.push(id);
    }
    expect(accountActions.length).toBeGreaterThan(5);
    const fields = {
      supporterId: String(ids.A.supporterId),
      id: String(ids.A.supporterId),
      intent: "erase",
      confirm: "on",
      anonymous: "on",
      year: "2026",
      subscriptionId: String(ids.A.subscriptionId),
    };
    const wrong: string[] = [];
    for (const id of accountActions) {
      const urlPath = "/" + id.replace(/\$id/, String(ids.A.subscriptionId)).replace(/_\./g, ".").replace(/\./g, "/");
      for (const actor of ["staff", "admin"] as const) {
        const result = await tracked(() => postAs(actor, id, urlPath, fields, { id: String(ids.A.subscriptionId) }));
        if (result.answer !== SIGN_IN || result.changed.length > 0)
          wrong.push(`${id} as ${actor}: ${result.answer}, wrote ${result.changed.join(", ") || "nothing"}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("on A's staff page, B's subscription and payment ids are refused and nothing changes", async () => {
    const page = `/admin/supporters/${ids.A.supporterId}`;
    const params = { id: String(ids.A.supporterId) };
    const attempts: [Actor, Record<string, string>][] = [
      ["staff", { intent: "pause", subscriptionId: String(ids.B.subscriptionId), months: "1" }],
      ["staff", { intent: "cancel", subscriptionId: String(ids.B.subscriptionId) }],
      ["staff", { intent: "resend", paymentId: String(ids.B.paymentId) }],
    ];
    for (const [actor, fields] of attempts) {
      const result = await tracked(() => postAs(actor, "admin.supporters.$id", page, fields, params));
      expect(
        typeof result.answer === "number" && result.answer >= 400 && result.answer < 500,
        `${fields.intent}: ${result.answer}`,
      ).toBe(true);
      expect(result.changed, fields.intent).toEqual([]);
      expect(
        detailsOf("B").filter((d) => result.body.includes(d)),
        fields.intent,
      ).toEqual([]);
    }
    // The control: the same forms with A's own ids are accepted.
    const own = await tracked(() =>
      postAs(
        "staff",
        "admin.supporters.$id",
        page,
        { intent: "pause", subscriptionId: String(ids.A.subscriptionId), months: "1" },
        params,
      ),
    );
    expect(own.answer).toBe(`→ ${page}`);
  });
});
