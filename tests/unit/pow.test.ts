import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { difficultyFor, issueChallenge, powDigest, solveChallenge, verifySolution } from "~/auth/pow.server";
import { EnvError, getEnv, parseEnv, resetEnvCache } from "~/env.server";
import { leadingZeroBits, powProgress, solveWithWebCrypto } from "~/ui/ProofOfWorkSolver";

const HERE = "198.51.100.7";
const NOW = new Date("2026-11-23T10:00:00Z");

/** A nonce whose hash has fewer than `bits` leading zero bits: work not done. */
function unsolvedNonce(challenge: string, bits: number) {
  for (let nonce = 0; ; nonce += 1)
    if (leadingZeroBits(powDigest(challenge, String(nonce))) < bits) return String(nonce);
}

const decode = (challenge: string) =>
  JSON.parse(Buffer.from(challenge.split(".")[0], "base64url").toString("utf8")) as Record<string, unknown>;
const encode = (payload: Record<string, unknown>) => Buffer.from(JSON.stringify(payload)).toString("base64url");

afterEach(() => {
  delete process.env.POW_DIFFICULTY_BITS;
  delete process.env.POW_MAX_DIFFICULTY_BITS;
  resetEnvCache();
});

describe("counting leading zero bits", () => {
  it.each([
    [[0xff], 0],
    [[0x80], 0],
    [[0x7f], 1],
    [[0x01], 7],
    [[0x00, 0xff], 8],
    [[0x00, 0x00, 0x10], 19],
    [[0x00, 0x00], 16],
  ])("%j has %i", (bytes, bits) => {
    expect(leadingZeroBits(Uint8Array.from(bytes))).toBe(bits);
  });
});

describe("issuing and verifying a challenge", () => {
  it("a solved challenge verifies, once per id, with its difficulty and expiry", () => {
    const issued = issueChallenge({ subject: HERE, difficulty: 10, now: NOW });
    expect(issued).toMatchObject({ difficulty: 10, expiresAt: "2026-11-23T10:10:00.000Z" });
    const nonce = solveChallenge(issued.challenge, issued.difficulty);
    expect(nonce).toMatch(/^\d+$/);
    const verdict = verifySolution({ challenge: issued.challenge, nonce, subject: HERE, now: NOW });
    expect(verdict).toMatchObject({ ok: true, difficulty: 10, expiresAt: new Date("2026-11-23T10:10:00Z") });
    expect(leadingZeroBits(powDigest(issued.challenge, nonce!))).toBeGreaterThanOrEqual(10);
    // Every challenge is new.
    const other = issueChallenge({ subject: HERE, difficulty: 10, now: NOW });
    expect(other.challenge).not.toBe(issued.challenge);
    expect(verdict.ok && decode(other.challenge).id).not.toBe(verdict.ok && verdict.id);
  });

  it("the browser's WebCrypto solver finds what the server accepts", async () => {
    const issued = issueChallenge({ subject: HERE, difficulty: 8, now: NOW });
    const progress: number[] = [];
    const nonce = await solveWithWebCrypto(issued.challenge, issued.difficulty, {
      onProgress: (tries) => progress.push(tries),
    });
    expect(verifySolution({ challenge: issued.challenge, nonce, subject: HERE, now: NOW })).toMatchObject({ ok: true });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("the WebCrypto solver stops when told to", async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await solveWithWebCrypto("x", 30, { signal: controller.signal })).toBeNull();
  });

  it("refuses work not done: a nonce short of the difficulty", () => {
    const issued = issueChallenge({ subject: HERE, difficulty: 12, now: NOW });
    const nonce = unsolvedNonce(issued.challenge, 12);
    expect(verifySolution({ challenge: issued.challenge, nonce, subject: HERE, now: NOW })).toEqual({
      ok: false,
      reason: "unsolved",
    });
  });

  it("refuses an expired challenge, even solved", () => {
    const issued = issueChallenge({ subject: HERE, difficulty: 6, now: NOW });
    const nonce = solveChallenge(issued.challenge, 6);
    const later = new Date(NOW.getTime() + 10 * 60_000);
    expect(verifySolution({ challenge: issued.challenge, nonce, subject: HERE, now: later })).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("refuses a challenge issued to another connection", () => {
    const issued = issueChallenge({ subject: HERE, difficulty: 6, now: NOW });
    const nonce = solveChallenge(issued.challenge, 6);
    expect(verifySolution({ challenge: issued.challenge, nonce, subject: "203.0.113.50", now: NOW })).toEqual({
      ok: false,
      reason: "other_connection",
    });
  });

  it("refuses a forged challenge: an easier difficulty written in, a changed signature, another key", () => {
    const issued = issueChallenge({ subject: HERE, difficulty: 20, now: NOW });
    const [, signature] = issued.challenge.split(".");
    const easier = `${encode({ ...decode(issued.challenge), d: 1 })}.${signature}`;
    expect(verifySolution({ challenge: easier, nonce: solveChallenge(easier, 1), subject: HERE, now: NOW })).toEqual({
      ok: false,
      reason: "forged",
    });

    const flipped = `${issued.challenge.slice(0, -1)}${issued.challenge.endsWith("A") ? "B" : "A"}`;
    expect(verifySolution({ challenge: flipped, nonce: "1", subject: HERE, now: NOW })).toEqual({
      ok: false,
      reason: "forged",
    });

    const payload = encode({ ...decode(issued.challenge), d: 1 });
    const otherKey = `${payload}.${createHmac("sha256", "not-our-secret-not-our-secret-not-ours").update(`pow:${payload}`).digest("base64url")}`;
    expect(
      verifySolution({ challenge: otherKey, nonce: solveChallenge(otherKey, 1), subject: HERE, now: NOW }),
    ).toEqual({ ok: false, reason: "forged" });
  });

  it.each([
    ["no challenge", undefined, "1"],
    ["no nonce", "a.b", undefined],
    ["a nonce that is not a number", "a.b", "12a"],
    ["an enormous nonce", "a.b", "1".repeat(40)],
    ["an enormous challenge", `${"a".repeat(5000)}.b`, "1"],
    ["a challenge without a signature", "abc", "1"],
    ["a challenge with extra parts", "a.b.c", "1"],
  ])("refuses %s as malformed, without hashing", (_, challenge, nonce) => {
    expect(verifySolution({ challenge, nonce, subject: HERE, now: NOW })).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses a signed payload that is not a challenge", () => {
    const payload = Buffer.from("not json").toString("base64url");
    const { sessionSecret } = getEnv();
    const challenge = `${payload}.${createHmac("sha256", sessionSecret).update(`pow:${payload}`).digest("base64url")}`;
    expect(verifySolution({ challenge, nonce: "1", subject: HERE, now: NOW })).toEqual({ ok: false, reason: "forged" });
  });
});

describe("configuration", () => {
  it("has defaults, takes numbers from the environment and says what is wrong", () => {
    expect(parseEnv({})).toMatchObject({
      CHECKOUT_LIMIT_PER_IP: 20,
      CHECKOUT_LIMIT_PER_EMAIL: 8,
      CHECKOUT_LIMIT_WINDOW_SECONDS: 600,
      CHECKOUT_HARD_LIMIT_PER_HOUR: 20,
      POW_DIFFICULTY_BITS: 16,
      POW_MAX_DIFFICULTY_BITS: 20,
    });
    expect(parseEnv({ CHECKOUT_LIMIT_PER_IP: "50", POW_DIFFICULTY_BITS: "18" })).toMatchObject({
      CHECKOUT_LIMIT_PER_IP: 50,
      POW_DIFFICULTY_BITS: 18,
    });
    const problems = (source: Record<string, string>) => {
      try {
        parseEnv(source);
        return [];
      } catch (error) {
        return error instanceof EnvError ? error.lines : [String(error)];
      }
    };
    expect(problems({ CHECKOUT_LIMIT_PER_IP: "lots" })).toEqual([expect.stringMatching(/^CHECKOUT_LIMIT_PER_IP: /)]);
    expect(problems({ POW_DIFFICULTY_BITS: "40" })).toEqual([expect.stringMatching(/^POW_DIFFICULTY_BITS: /)]);
    expect(problems({ POW_DIFFICULTY_BITS: "18", POW_MAX_DIFFICULTY_BITS: "17" })).toEqual([
      "POW_MAX_DIFFICULTY_BITS: must not be below POW_DIFFICULTY_BITS",
    ]);
  });
});

describe("difficulty", () => {
  it("starts at the base, adds a bit for every five attempts past the limit, and stops at the maximum", () => {
    process.env.POW_DIFFICULTY_BITS = "16";
    process.env.POW_MAX_DIFFICULTY_BITS = "19";
    resetEnvCache();
    expect([1, 5, 6, 10, 11, 16, 21, 100].map(difficultyFor)).toEqual([16, 16, 17, 17, 18, 19, 19, 19]);
  });

  it("progress rises with the tries and reaches about 63% at the expected work", () => {
    expect(powProgress(0, 16)).toBe(0);
    expect(powProgress(2 ** 16, 16)).toBeCloseTo(1 - Math.exp(-1), 5);
    expect(powProgress(2 ** 18, 16)).toBeGreaterThan(powProgress(2 ** 17, 16));
    expect(powProgress(2 ** 30, 16)).toBeLessThanOrEqual(1);
  });
});
