// ADR 045: a reader without JavaScript behind a busy shared address is never
// locked out. Past the checkout limits the form's answer sends them to a waiting page that says
// why; a signed, single-use ticket bound to the address and the gift becomes good after a wait
// that grows with the address's load; then one press carries the gift on to payment. Tickets and
// proofs of work share the hourly hard limit, so a scripted burst reaches Stripe no more often
// than before. Time is moved by the checkout clock, never slept.
import { createHmac } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkouts } from "@db/schema";
import { solveChallenge } from "~/auth/pow.server";
import { resetEnvCache } from "~/env.server";
import { setCheckoutClock } from "~/giving/checkout-clock.server";
import type { FormActionData } from "~/giving/donate-page.server";
import { readWaitingGift, readWaitTicketTimes } from "~/giving/wait-ticket.server";
import { loader as waitLoader, meta as waitMeta } from "~/routes/give.wait";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { action as supportAction, loader as supportLoader } from "~/routes/support";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { changedTables, countAllRows } from "../support/row-counts";
import { callLoader, csrfFor, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

const { stripe } = useStripeMode();
const { t, fixtures } = useSeededDatabase();

// A long soft window, so that within one test hour "what the limits allow" is soft + hard.
const LIMITS = {
  CHECKOUT_LIMIT_PER_IP: "3",
  CHECKOUT_LIMIT_PER_EMAIL: "1000",
  CHECKOUT_LIMIT_WINDOW_SECONDS: "3600",
  CHECKOUT_HARD_LIMIT_PER_HOUR: "4",
  CHECKOUT_WAIT_SECONDS: "30",
  CHECKOUT_WAIT_MAX_SECONDS: "120",
  POW_DIFFICULTY_BITS: "4",
  POW_MAX_DIFFICULTY_BITS: "4",
};
const SOFT = Number(LIMITS.CHECKOUT_LIMIT_PER_IP);
const HARD = Number(LIMITS.CHECKOUT_HARD_LIMIT_PER_HOUR);

// On a whole second, as tickets are.
let clock = new Date(Math.floor(Date.now() / 1000) * 1000);
const advance = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));
const advanceTo = (when: Date) => (clock = new Date(Math.max(clock.getTime(), when.getTime())));

beforeAll(() => {
  Object.assign(process.env, LIMITS);
  resetEnvCache();
  setCheckoutClock(() => clock);
  const plan = fixtures.plan("digital-monthly");
  stripe.addPrice({
    lookupKey: plan.lookupKey,
    unitAmount: plan.amountMinor,
    currency: plan.currency,
    interval: "month",
  });
});
afterAll(() => {
  setCheckoutClock(null);
  for (const name of Object.keys(LIMITS)) delete process.env[name];
  resetEnvCache();
});
afterEach(() => advance(2 * 3600)); // every test starts with the last one's windows long passed

let addressCounter = 0;
/** A connection of its own for each test, so that counts do not leak between tests. */
const newAddress = () => `192.0.2.${(addressCounter += 1)}`;

const sessionsCreated = () => stripe.requestsTo("POST", "/v1/checkout/sessions").length;

/** The donate form as a browser without JavaScript sends it (the page's script would disable `nojs`). */
async function giftForm(fields: Record<string, string> = {}) {
  const { cookie, token } = await csrfFor(indexLoader, "/");
  const form = {
    csrf: token,
    nojs: "1",
    currency: "AUD",
    frequency: "once",
    amount: "2500",
    name: "Rosa Luxemburg",
    email: uniqueEmail("reader"),
    message: "Courage to the newsroom",
    ...fields,
  };
  return { cookie, form };
}

async function post(clientAddress: string, cookie: string, form: Record<string, string>, path = "/?index") {
  const before = await countAllRows(t.db);
  const sessionsBefore = sessionsCreated();
  const response = await postForm(indexAction, path, form, { cookie, clientAddress });
  const written = changedTables(before, await countAllRows(t.db), ["rate_limits"]);
  return { response, status: response.status, written, sessions: sessionsCreated() - sessionsBefore };
}

/** The ff_wait cookie an answer set (name=value), or null. */
function waitCookieOf(response: Response) {
  const setCookie = response.headers.get("Set-Cookie") ?? "";
  return setCookie.startsWith("ff_wait=") ? setCookie.split(";")[0]! : null;
}

/** What the browser holds after being sent to wait: the cookie and (read as the app reads it) the ticket. */
function waitingOf(response: Response) {
  expect(response.status).toBe(303);
  expect(response.headers.get("Location")).toBe("/give/wait");
  const cookie = waitCookieOf(response);
  expect(cookie).not.toBeNull();
  const gift = readWaitingGift(new Request("http://localhost:3000/give/wait", { headers: { Cookie: cookie! } }));
  expect(gift).not.toBeNull();
  return { cookie: cookie!, gift: gift!, times: readWaitTicketTimes(gift!.ticket)! };
}

type WaitData =
  | { state: "waiting"; seconds: number; autoRefresh: boolean; message: string; startPath: string }
  | {
      state: "ready";
      action: string;
      ticket: string;
      values: [string, string][];
      csrf: string;
      startPath: string;
    }
  | { state: "gone"; startPath: string };

async function openWaitPage(cookies: string, path = "/give/wait") {
  const response = await callLoader(waitLoader, path, { cookie: cookies });
  return { status: response.status, data: (await response.json()) as WaitData };
}

/** Uses up the soft limit of a connection with ordinary gifts. */
async function useUpSoftLimit(here: string) {
  for (let i = 0; i < SOFT; i++) {
    const { cookie, form } = await giftForm();
    expect((await post(here, cookie, form)).status).toBe(303);
  }
}

/** Sends the ready page's form back, as its button does. */
async function pressContinue(here: string, csrfCookie: string, ready: Extract<WaitData, { state: "ready" }>) {
  return post(
    here,
    csrfCookie,
    { csrf: ready.csrf, nojs: "1", waitTicket: ready.ticket, ...Object.fromEntries(ready.values) },
    ready.action,
  );
}

describe("past the limits, a reader without JavaScript waits instead of being refused", () => {
  it("is sent to a waiting page that says plainly what is happening: 200, not a 429; nothing reaches Stripe", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { cookie, form } = await giftForm();
    const over = await post(here, cookie, form);
    expect(over.written).toEqual({});
    expect(over.sessions).toBe(0);
    const { cookie: waitCookie, gift } = waitingOf(over.response);
    // The gift rides in a sealed, HttpOnly cookie for the waiting page only; nothing personal in the address.
    const setCookie = over.response.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/; Path=\/give\/wait; Max-Age=\d+; HttpOnly; SameSite=Lax/);
    expect(decodeURIComponent(waitCookie)).not.toContain(form.email.split("@")[0]);
    expect(decodeURIComponent(waitCookie)).not.toContain("Luxemburg");
    expect(gift.values).toMatchObject({ email: form.email, amount: "2500", message: form.message });

    const page = await openWaitPage(`${cookie}; ${waitCookie}`);
    expect(page.status).toBe(200);
    expect(page.data).toMatchObject({
      state: "waiting",
      seconds: 30,
      autoRefresh: true,
      message:
        "Many people are giving from the same network as you. To protect against card fraud, please wait 30 seconds.",
    });
    // It refreshes itself when the wait is over, without script.
    const tags = waitMeta({ data: page.data } as Parameters<typeof waitMeta>[0]);
    expect(tags).toContainEqual({ httpEquiv: "refresh", content: "30" });
    // And a reader can turn the refresh off.
    const still = await openWaitPage(`${cookie}; ${waitCookie}`, "/give/wait?refresh=off");
    expect(still.data).toMatchObject({ state: "waiting", autoRefresh: false });
    expect(waitMeta({ data: still.data } as Parameters<typeof waitMeta>[0])).not.toContainEqual(
      expect.objectContaining({ httpEquiv: "refresh" }),
    );
  });

  it("a ticket sent back early is refused with the waiting page again, and the wait does not start over", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { cookie, form } = await giftForm();
    const { gift } = waitingOf((await post(here, cookie, form)).response);
    advance(10);
    const early = await post(here, cookie, { ...form, waitTicket: gift.ticket });
    expect(early.written).toEqual({});
    expect(early.sessions).toBe(0);
    const again = waitingOf(early.response);
    expect(again.gift.ticket).toBe(gift.ticket);
    const page = await openWaitPage(`${cookie}; ${again.cookie}`);
    expect(page.data).toMatchObject({ state: "waiting", seconds: 20 });
  });

  it("after the wait, the page offers the gift as typed, and one press takes it to checkout", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { cookie, form } = await giftForm({ coverFees: "on", anonymous: "on" });
    const { cookie: waitCookie } = waitingOf((await post(here, cookie, form)).response);
    advance(30);
    const page = await openWaitPage(`${cookie}; ${waitCookie}`);
    expect(page.status).toBe(200);
    if (page.data.state !== "ready") throw new Error(`expected the ready page, got ${page.data.state}`);
    expect(page.data.action).toBe("/?index");
    expect(waitMeta({ data: page.data } as Parameters<typeof waitMeta>[0])).not.toContainEqual(
      expect.objectContaining({ httpEquiv: "refresh" }),
    );
    const sent = await pressContinue(here, cookie, page.data);
    expect(sent.status).toBe(303);
    expect(sent.response.headers.get("Location")).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect(sent.written).toEqual({ checkouts: 1 });
    expect(sent.sessions).toBe(1);
    const [checkout] = await t.db.select().from(checkouts).where(eq(checkouts.email, form.email));
    expect(checkout).toMatchObject({
      amountMinor: 2500,
      name: "Rosa Luxemburg",
      message: "Courage to the newsroom",
      anonymous: true,
    });
    expect(checkout!.feeCoverMinor).toBeGreaterThan(0);
  });

  it("a ticket is good once: sent again, it gets a new wait and nothing reaches Stripe", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { cookie, form } = await giftForm();
    const { gift } = waitingOf((await post(here, cookie, form)).response);
    advanceTo(readWaitTicketTimes(gift.ticket)!.readyAt);
    const first = await post(here, cookie, { ...form, waitTicket: gift.ticket });
    expect(first.sessions).toBe(1);
    const reused = await post(here, cookie, { ...form, waitTicket: gift.ticket });
    expect(reused.written).toEqual({});
    expect(reused.sessions).toBe(0);
    const fresh = waitingOf(reused.response);
    expect(fresh.gift.ticket).not.toBe(gift.ticket);
    expect(fresh.times.readyAt.getTime()).toBeGreaterThan(clock.getTime());
  });

  it("a forged or altered ticket is refused: an earlier time written in, another key, another gift, another address", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { cookie, form } = await giftForm();
    const { gift } = waitingOf((await post(here, cookie, form)).response);
    const [payload, signature] = gift.ticket.split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as { nbf: number; exp: number };
    const sooner = Buffer.from(JSON.stringify({ ...claims, nbf: claims.nbf - 3600 })).toString("base64url");
    const otherKey = createHmac("sha256", "someone-elses-secret-someone-elses")
      .update(`wait-ticket:${sooner}`)
      .digest("base64url");
    const refused = async (fields: Record<string, string>, from = here) => {
      const attempt = await post(from, cookie, { ...form, ...fields });
      expect(attempt.written).toEqual({});
      expect(attempt.sessions).toBe(0);
      // Never a dead end: a new wait of its own.
      expect(waitingOf(attempt.response).gift.ticket).not.toBe(gift.ticket);
    };
    await refused({ waitTicket: `${sooner}.${signature}` });
    await refused({ waitTicket: `${sooner}.${otherKey}` });
    await refused({ waitTicket: "not-a-ticket" });
    advanceTo(readWaitTicketTimes(gift.ticket)!.readyAt);
    // A good ticket for a different gift: the amount changed in the hidden fields.
    await refused({ waitTicket: gift.ticket, amount: "100000" });
    // A good ticket from another address.
    const elsewhere = newAddress();
    await useUpSoftLimit(elsewhere);
    await refused({ waitTicket: gift.ticket }, elsewhere);
    // Still good, untouched by all that, for its own gift and address.
    expect((await post(here, cookie, { ...form, waitTicket: gift.ticket })).sessions).toBe(1);
  });

  it("the wait grows with the address's load, up to the maximum", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const { cookie, form } = await giftForm();
      const { times } = waitingOf((await post(here, cookie, form)).response);
      waits.push(Math.round((times.readyAt.getTime() - clock.getTime()) / 1000));
    }
    expect(waits).toEqual([30, 30, 30, 30, 30, 60, 60, 60, 60, 60, 120, 120]);
  });

  it("a form sent with JavaScript (no `nojs`) still gets the proof of work, as before", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { cookie, form } = await giftForm();
    const { nojs: _, ...withScript } = form;
    const over = await post(here, cookie, withScript);
    expect(over.status).toBe(429);
    expect(((await over.response.json()) as FormActionData).challenge).toBeDefined();
  });

  it("the waiting page without its cookie, or after the ticket expired, says so and offers to start again", async () => {
    expect(await openWaitPage("")).toMatchObject({ status: 410, data: { state: "gone", startPath: "/" } });
    const here = newAddress();
    await useUpSoftLimit(here);
    const { cookie, form } = await giftForm();
    const { cookie: waitCookie, times } = waitingOf((await post(here, cookie, form)).response);
    advanceTo(times.expiresAt);
    expect(await openWaitPage(`${cookie}; ${waitCookie}`)).toMatchObject({ status: 410, data: { state: "gone" } });
  });
});

describe("every form that starts a checkout waits the same way", () => {
  it("the supporter tiers form: to the waiting page, then back to /support and on to checkout", async () => {
    const here = newAddress();
    const tier = async (fields: Record<string, string> = {}) => {
      const { cookie, token } = await csrfFor(supportLoader, "/support");
      const form = { csrf: token, nojs: "1", plan: "digital-monthly", email: uniqueEmail("tier"), ...fields };
      return { cookie, response: await postForm(supportAction, "/support", form, { cookie, clientAddress: here }) };
    };
    for (let i = 0; i < SOFT; i++) expect((await tier()).response.status).toBe(303);
    const over = await tier();
    const { cookie: waitCookie, times } = waitingOf(over.response);
    advanceTo(times.readyAt);
    const page = await openWaitPage(`${over.cookie}; ${waitCookie}`);
    if (page.data.state !== "ready") throw new Error(`expected the ready page, got ${page.data.state}`);
    expect(page.data).toMatchObject({ action: "/support", startPath: "/support" });
    const before = sessionsCreated();
    const sent = await postForm(
      supportAction,
      page.data.action,
      { csrf: page.data.csrf, nojs: "1", waitTicket: page.data.ticket, ...Object.fromEntries(page.data.values) },
      { cookie: over.cookie, clientAddress: here },
    );
    expect(sent.status).toBe(303);
    expect(sent.headers.get("Location")).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect(sessionsCreated() - before).toBe(1);
  });
});

describe("card-testing defence stays as strong: nothing extra reaches Stripe", () => {
  it("a burst of starts without tickets from one address: no more Checkout Sessions than the soft limit", async () => {
    const here = newAddress();
    const before = sessionsCreated();
    for (let i = 0; i < 30; i++) {
      const { cookie, form } = await giftForm();
      await post(here, cookie, form);
    }
    expect(sessionsCreated() - before).toBe(SOFT);
  });

  it("a burst that waits out every ticket it gets: no more than the soft limit plus the hard limit in the hour", async () => {
    const here = newAddress();
    const start = clock.getTime();
    const before = sessionsCreated();
    let honoured = 0;
    for (let i = 0; i < 40; i++) {
      const { cookie, form } = await giftForm();
      const first = await post(here, cookie, form);
      if (first.response.headers.get("Location") !== "/give/wait") continue;
      const { gift, times } = waitingOf(first.response);
      // Within the hour only: after it, the limits allow that much again.
      if (times.readyAt.getTime() >= start + 3600_000) continue;
      advanceTo(times.readyAt);
      honoured += (await post(here, cookie, { ...form, waitTicket: gift.ticket })).sessions;
    }
    expect(honoured).toBe(HARD);
    expect(sessionsCreated() - before).toBe(SOFT + HARD);
  });

  it("tickets collected in a burst and all spent once ready: only the hard limit passes", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const before = sessionsCreated();
    const tickets = [];
    for (let i = 0; i < 12; i++) {
      const { cookie, form } = await giftForm();
      const { gift, times } = waitingOf((await post(here, cookie, form)).response);
      tickets.push({ cookie, form, gift, times });
    }
    advanceTo(new Date(Math.max(...tickets.map((k) => k.times.readyAt.getTime()))));
    const statuses = [];
    for (const { cookie, form, gift } of tickets) {
      const spent = await post(here, cookie, { ...form, waitTicket: gift.ticket });
      statuses.push(spent.response.headers.get("Location")?.startsWith("https://checkout.stripe.com/") ? 303 : "wait");
    }
    expect(statuses).toEqual([...Array(HARD).fill(303), ...Array(12 - HARD).fill("wait")]);
    expect(sessionsCreated() - before).toBe(HARD);
    // Past the hard limit the new wait runs until the hour's window has passed: queued, not refused.
    const { cookie, form } = await giftForm();
    const { times } = waitingOf((await post(here, cookie, form)).response);
    expect(times.readyAt.getTime() - clock.getTime()).toBeGreaterThan(120_000);
  });

  it("proofs of work and tickets share the hard limit", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const before = sessionsCreated();
    for (let i = 0; i < HARD - 1; i++) {
      const { cookie, form } = await giftForm();
      const { nojs: _, ...withScript } = form;
      const over = await post(here, cookie, withScript);
      const { challenge } = (await over.response.json()) as FormActionData;
      const nonce = solveChallenge(challenge!.challenge, challenge!.difficulty)!;
      const proven = await post(here, cookie, { ...withScript, powChallenge: challenge!.challenge, powNonce: nonce });
      expect(proven.sessions).toBe(1);
    }
    const { cookie, form } = await giftForm();
    const { gift, times } = waitingOf((await post(here, cookie, form)).response);
    advanceTo(times.readyAt);
    expect((await post(here, cookie, { ...form, waitTicket: gift.ticket })).sessions).toBe(1);
    // The hard limit is used up: the next reader without JavaScript is queued until its hour has passed.
    const next = await giftForm();
    const queued = waitingOf((await post(here, next.cookie, next.form)).response);
    expect(queued.times.readyAt.getTime() - clock.getTime()).toBeGreaterThan(
      Number(LIMITS.CHECKOUT_WAIT_MAX_SECONDS) * 1000,
    );
    advance(Number(LIMITS.CHECKOUT_WAIT_MAX_SECONDS));
    const early = await post(here, next.cookie, { ...next.form, waitTicket: queued.gift.ticket });
    expect(early.sessions).toBe(0);
    expect(sessionsCreated() - before).toBe(HARD);
  });
});
