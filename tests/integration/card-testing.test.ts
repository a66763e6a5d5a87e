import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueChallenge, powDigest, solveChallenge } from "~/auth/pow.server";
import { getEnv, resetEnvCache } from "~/env.server";
import type { FormActionData } from "~/giving/donate-page.server";
import { action as indexAction, loader as indexLoader } from "~/routes/_index";
import { action as supportAction, loader as supportLoader } from "~/routes/support";
import { leadingZeroBits } from "~/ui/ProofOfWorkSolver";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { changedTables, countAllRows } from "../support/row-counts";
import { csrfFor, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

/**
 * Card testers start thousands of checkouts to try stolen cards. Past the soft limits, a
 * checkout start needs a solved proof of work; a hard limit caps what any amount of work buys.
 * Small limits and easy work here, set through the environment as an operator would.
 */

const { stripe } = useStripeMode();
const { t, fixtures } = useSeededDatabase();

const LIMITS = {
  CHECKOUT_LIMIT_PER_IP: "3",
  CHECKOUT_LIMIT_PER_EMAIL: "4",
  CHECKOUT_LIMIT_WINDOW_SECONDS: "600",
  CHECKOUT_HARD_LIMIT_PER_HOUR: "4",
  POW_DIFFICULTY_BITS: "6",
  POW_MAX_DIFFICULTY_BITS: "8",
};
beforeAll(() => {
  Object.assign(process.env, LIMITS);
  resetEnvCache();
  const plan = fixtures.plan("digital-monthly");
  stripe.addPrice({
    lookupKey: plan.lookupKey,
    unitAmount: plan.amountMinor,
    currency: plan.currency,
    interval: "month",
  });
});
afterAll(() => {
  for (const name of Object.keys(LIMITS)) delete process.env[name];
  resetEnvCache();
});

let addressCounter = 0;
/** A connection of its own for each test, so that counts do not leak between tests. */
const newAddress = () => `198.51.100.${(addressCounter += 1)}`;

type Proof = { powChallenge: string; powNonce: string };

async function give(clientAddress: string, fields: Record<string, string> = {}, proof?: Proof) {
  const { cookie, token } = await csrfFor(indexLoader, "/");
  const form = {
    csrf: token,
    currency: "AUD",
    frequency: "once",
    amount: "2500",
    email: uniqueEmail(),
    ...fields,
    ...proof,
  };
  const before = await countAllRows(t.db);
  const stripeBefore = stripe.requests.length;
  const response = await postForm(indexAction, "/?index", form, { cookie, clientAddress });
  const body = response.status === 303 ? null : ((await response.json()) as FormActionData);
  const written = changedTables(before, await countAllRows(t.db), ["rate_limits"]);
  return { response, status: response.status, body, written, stripeCalls: stripe.requests.length - stripeBefore };
}

/** Uses up the soft limit of a connection with ordinary gifts. */
async function useUpSoftLimit(clientAddress: string) {
  for (let i = 0; i < Number(LIMITS.CHECKOUT_LIMIT_PER_IP); i++) expect((await give(clientAddress)).status).toBe(303);
}

/** A refused attempt: 429, and nothing written (bar counters), nothing sent to Stripe. */
function expectRefused(attempt: Awaited<ReturnType<typeof give>>) {
  expect(attempt.status).toBe(429);
  expect(attempt.body?.formError).toEqual(expect.any(String));
  expect(attempt.written).toEqual({});
  expect(attempt.stripeCalls).toBe(0);
}

const solve = (challenge: { challenge: string; difficulty: number }): Proof => ({
  powChallenge: challenge.challenge,
  powNonce: solveChallenge(challenge.challenge, challenge.difficulty)!,
});

describe("past the soft limit, a checkout start needs a proof of work", () => {
  it("the attempt over the limit is a 429 with a challenge and a plain explanation; nothing reaches Stripe and no checkout is written", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const over = await give(here);
    expectRefused(over);
    expect(over.body?.challenge).toMatchObject({
      challenge: expect.any(String),
      difficulty: 6,
      expiresAt: expect.any(String),
    });
    // What a browser without JavaScript shows: why, and when to try again.
    expect(over.body?.formError).toMatch(
      /^Too many attempts have come from this connection\. Please try again in about \d+ minutes?\.$/,
    );
    expect(Number(over.response.headers.get("Retry-After"))).toBeGreaterThan(0);
    // What was typed is kept.
    expect(over.body?.values).toMatchObject({ amount: "2500", frequency: "once" });
  });

  it("a valid solution passes: one checkout, one Checkout Session", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { body } = await give(here);
    const proven = await give(here, {}, solve(body!.challenge!));
    expect(proven.status).toBe(303);
    expect(proven.response.headers.get("Location")).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect(proven.written).toEqual({ checkouts: 1 });
    expect(proven.stripeCalls).toBe(1);
  });

  it("a solution is good once: sent again, it is refused with a new challenge", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const proof = solve((await give(here)).body!.challenge!);
    expect((await give(here, {}, proof)).status).toBe(303);
    const reused = await give(here, {}, proof);
    expectRefused(reused);
    expect(reused.body?.formError).toMatch(/check of your browser didn't complete/);
    expect(reused.body?.challenge?.challenge).not.toBe(proof.powChallenge);
  });

  it("an expired challenge, even solved, is refused", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const old = issueChallenge({ subject: here, difficulty: 6, now: new Date(Date.now() - 11 * 60_000) });
    expectRefused(await give(here, {}, solve(old)));
  });

  it("a forged challenge is refused: an easier difficulty written in, or signed with another key", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { challenge } = (await give(here)).body!.challenge!;
    const [payload, signature] = challenge.split(".");
    const easier = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), d: 1 }),
    ).toString("base64url");
    expectRefused(await give(here, {}, solve({ challenge: `${easier}.${signature}`, difficulty: 1 })));
    const otherKey = `${easier}.${createHmac("sha256", "someone-elses-secret-someone-elses").update(`pow:${easier}`).digest("base64url")}`;
    expectRefused(await give(here, {}, solve({ challenge: otherKey, difficulty: 1 })));
  });

  it("work short of the difficulty is refused", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const { challenge, difficulty } = (await give(here)).body!.challenge!;
    let nonce = 0;
    while (leadingZeroBits(powDigest(challenge, String(nonce))) >= difficulty) nonce += 1;
    expectRefused(await give(here, {}, { powChallenge: challenge, powNonce: String(nonce) }));
  });

  it("a challenge solved for one connection is refused from another", async () => {
    const first = newAddress();
    const second = newAddress();
    await useUpSoftLimit(first);
    await useUpSoftLimit(second);
    const proof = solve((await give(first)).body!.challenge!);
    expectRefused(await give(second, {}, proof));
  });

  it("the work asked for rises with the attempts, up to the maximum", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const difficulties: number[] = [];
    for (let i = 0; i < 12; i++) difficulties.push((await give(here)).body!.challenge!.difficulty);
    expect(difficulties).toEqual([6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 8, 8]);
  });

  it("the email limit asks for proof too, whichever connection the attempts come from", async () => {
    const email = uniqueEmail("tester");
    for (let i = 0; i < Number(LIMITS.CHECKOUT_LIMIT_PER_EMAIL); i++)
      expect((await give(newAddress(), { email })).status).toBe(303);
    const here = newAddress();
    const over = await give(here, { email });
    expectRefused(over);
    expect(over.body?.formError).toMatch(/^Too many attempts have been made with this email address/);
    expect((await give(here, { email }, solve(over.body!.challenge!))).status).toBe(303);
  });
});

describe("the hard limit", () => {
  it("holds however much work is done: past it, a 429 without a challenge that says when to try again", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const hardLimit = Number(LIMITS.CHECKOUT_HARD_LIMIT_PER_HOUR);
    // More solved challenges than the hard limit, collected while they are still handed out.
    const proofs: Proof[] = [];
    for (let i = 0; i < hardLimit + 2; i++) proofs.push(solve((await give(here)).body!.challenge!));
    const attempts = [];
    for (const proof of proofs) attempts.push(await give(here, {}, proof));
    expect(attempts.map((a) => a.status)).toEqual([...Array(hardLimit).fill(303), 429, 429]);
    expect(attempts.reduce((sum, a) => sum + a.stripeCalls, 0)).toBe(hardLimit);
    for (const refused of attempts.slice(hardLimit)) {
      expectRefused(refused);
      expect(refused.body?.challenge).toBeUndefined();
      expect(refused.body?.formError).toMatch(
        /^Too many attempts have come from this connection\. Please try again in about \d+ minutes?\.$/,
      );
    }
    // And no new challenge is handed out while it holds.
    const after = await give(here);
    expectRefused(after);
    expect(after.body?.challenge).toBeUndefined();
  });
});

describe("the other defences still refuse, proof or not", () => {
  it("the honeypot: 400, and the solution is not used up", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const proof = solve((await give(here)).body!.challenge!);
    const bot = await give(here, { website: "http://spam.example" }, proof);
    expect(bot.status).toBe(400);
    expect(bot.written).toEqual({});
    expect(bot.stripeCalls).toBe(0);
    expect((await give(here, {}, proof)).status).toBe(303);
  });

  it("the minimum amount: a field error, nothing written, nothing sent to Stripe", async () => {
    const here = newAddress();
    await useUpSoftLimit(here);
    const proof = solve((await give(here)).body!.challenge!);
    const tiny = await give(here, { amount: "custom", customAmount: "0.50" }, proof);
    expect(tiny.status).toBe(400);
    expect(tiny.body?.errors.customAmount).toMatch(/smallest gift/);
    expect(tiny.written).toEqual({});
    expect(tiny.stripeCalls).toBe(0);
  });

  it("the supporter tiers form is behind the same limits", async () => {
    const here = newAddress();
    const tier = async (proof?: Proof) => {
      const { cookie, token } = await csrfFor(supportLoader, "/support");
      return postForm(
        supportAction,
        "/support",
        { csrf: token, plan: "digital-monthly", email: uniqueEmail(), ...proof },
        { cookie, clientAddress: here },
      );
    };
    for (let i = 0; i < Number(LIMITS.CHECKOUT_LIMIT_PER_IP); i++) expect((await tier()).status).toBe(303);
    const over = await tier();
    expect(over.status).toBe(429);
    const { challenge } = (await over.json()) as FormActionData;
    expect((await tier(solve(challenge!))).status).toBe(303);
  });

  it("the limits come from the environment", () => {
    expect(getEnv()).toMatchObject({
      CHECKOUT_LIMIT_PER_IP: 3,
      CHECKOUT_LIMIT_PER_EMAIL: 4,
      CHECKOUT_HARD_LIMIT_PER_HOUR: 4,
      POW_DIFFICULTY_BITS: 6,
      POW_MAX_DIFFICULTY_BITS: 8,
    });
  });
});
