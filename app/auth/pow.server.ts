import { createHash, createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { getEnv } from "~/env.server";
import { leadingZeroBits, powInput, type PowChallenge } from "~/ui/ProofOfWorkSolver";
import { subjectDigest } from "./rate-limit.server";
import { openSignedToken } from "./signed-token.server";

/**
 * Self-hosted proof of work (docs/decisions/011-proof-of-work.md). The server hands out a
 * challenge — a random id, a difficulty and an expiry, bound to the connection and signed with
 * the session secret — and takes it back with a nonce such that SHA-256("<challenge>:<nonce>")
 * starts with `difficulty` zero bits. Checking costs one HMAC and one hash; finding a nonce
 * costs the browser about 2^difficulty hashes. Single use is enforced by the caller (claimOnce).
 */

export type PowVerdict =
  | { ok: true; id: string; expiresAt: Date; difficulty: number }
  | { ok: false; reason: "malformed" | "forged" | "expired" | "other_connection" | "unsolved" };

/** How long a challenge can be solved and sent back. */
export const POW_CHALLENGE_TTL_SECONDS = 10 * 60;
const MAX_CHALLENGE_LENGTH = 400;

export type { PowChallenge };
const NONCE = /^\d{1,16}$/;

const PayloadSchema = z.object({
  v: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  d: z.number().int().min(1).max(32),
  exp: z.number().int(),
  sub: z.string().max(64),
});

const sign = (payload: string) =>
  createHmac("sha256", getEnv().sessionSecret).update(`pow:${payload}`).digest("base64url");

/** A new challenge for this connection (`subject`: the client's address). */
export function issueChallenge({
  subject,
  difficulty,
  now = new Date(),
}: {
  subject: string;
  difficulty: number;
  now?: Date;
}): PowChallenge {
  const exp = Math.floor(now.getTime() / 1000) + POW_CHALLENGE_TTL_SECONDS;
  const payload = Buffer.from(
    JSON.stringify({
      v: 1,
      id: randomBytes(16).toString("base64url"),
      d: difficulty,
      exp,
      sub: subjectDigest(subject),
    }),
  ).toString("base64url");
  return { challenge: `${payload}.${sign(payload)}`, difficulty, expiresAt: new Date(exp * 1000).toISOString() };
}

/** The hash a solution is judged by; the browser computes the same with WebCrypto. */
export function powDigest(challenge: string, nonce: string): Uint8Array {
  return createHash("sha256").update(powInput(challenge, nonce)).digest();
}

/** Checks a solution: signature, expiry, connection and work, in that order. No database. */
export function verifySolution({
  challenge,
  nonce,
  subject,
  now = new Date(),
}: {
  challenge: unknown;
  nonce: unknown;
  subject: string;
  now?: Date;
}): PowVerdict {
  if (
    typeof challenge !== "string" ||
    typeof nonce !== "string" ||
    challenge.length > MAX_CHALLENGE_LENGTH ||
    !NONCE.test(nonce)
  )
    return { ok: false, reason: "malformed" };
  const opened = openSignedToken(challenge, sign, PayloadSchema);
  if (!opened.ok) return opened;
  const { id, d, exp, sub } = opened.data;
  if (exp * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
  if (sub !== subjectDigest(subject)) return { ok: false, reason: "other_connection" };
  if (leadingZeroBits(powDigest(challenge, nonce)) < d) return { ok: false, reason: "unsolved" };
  return { ok: true, id, expiresAt: new Date(exp * 1000), difficulty: d };
}

/**
 * Finds a nonce (what the browser does, here for tests and scripts). Expected work is
 * 2^difficulty hashes.
 */
export function solveChallenge(challenge: string, difficulty: number, { maxTries = 2 ** 30 } = {}): string | null {
  for (let nonce = 0; nonce < maxTries; nonce += 1) {
    if (leadingZeroBits(powDigest(challenge, String(nonce))) >= difficulty) return String(nonce);
  }
  return null;
}

/**
 * The difficulty for an attempt `overBy` past the soft limit: the base for the first five, one
 * bit (twice the work) more for every five after, up to the maximum.
 */
export function difficultyFor(overBy: number): number {
  const { POW_DIFFICULTY_BITS: base, POW_MAX_DIFFICULTY_BITS: max } = getEnv();
  return Math.min(max, base + Math.floor(Math.max(0, overBy - 1) / 5));
}
