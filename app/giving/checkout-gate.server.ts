import type { DB } from "@db/client.server";
import { difficultyFor, issueChallenge, verifySolution, type PowChallenge, type PowVerdict } from "~/auth/pow.server";
import {
  checkoutLimits,
  claimOnce,
  countRateLimitHit,
  countRateLimitHits,
  peekRateLimit,
} from "~/auth/rate-limit.server";
import { t } from "~/i18n/t";
import { logger } from "~/log.server";

/**
 * The card-testing defence in front of every checkout start (docs/decisions/011-proof-of-work.md):
 * each attempt counts per connection and per email. Within the soft limits, nothing more is
 * asked. Past them, an attempt needs a solved proof-of-work challenge, and the answer to one
 * without it is a 429 carrying a new challenge (which the page solves with JavaScript) and,
 * for everyone else, when to try again. However much work is done, a connection gets at most
 * the hard limit of such attempts an hour.
 */

export type ProofOfWork = { challenge: string | null; nonce: string | null };

export type GateOutcome =
  | { ok: true; proven: boolean }
  | {
      ok: false;
      message: string;
      retryAfterSeconds: number;
      /** A new challenge to solve, or null when no amount of work would help before the retry time. */
      challenge: PowChallenge | null;
      /** What was wrong with the proof that came with the attempt, if one did. */
      proofProblem: Exclude<PowVerdict, { ok: true }>["reason"] | "reused" | null;
    };

const minutesUntil = (when: Date, now: Date) => Math.max(1, Math.ceil((when.getTime() - now.getTime()) / 60_000));

export async function passCheckoutGate(
  db: DB,
  {
    clientAddress,
    email,
    proof,
    now = new Date(),
  }: { clientAddress: string; email: string | null; proof: ProofOfWork; now?: Date },
): Promise<GateOutcome> {
  // The proof first: one HMAC and one hash, before any database work.
  const verdict =
    proof.challenge || proof.nonce
      ? verifySolution({ challenge: proof.challenge, nonce: proof.nonce, subject: clientAddress, now })
      : null;

  const limits = checkoutLimits();
  // Both counters in one statement: one round trip for every checkout start.
  const [perIp, perEmail = null] = await countRateLimitHits(
    db,
    [{ rule: limits.perIp, subject: clientAddress }, ...(email ? [{ rule: limits.perEmail, subject: email }] : [])],
    now,
  );
  if (!perIp) throw new Error("countRateLimitHits returned no count for the connection's counter");
  const overIp = perIp.hits - perIp.limit;
  const overEmail = perEmail ? perEmail.hits - perEmail.limit : 0;
  if (overIp <= 0 && overEmail <= 0) return { ok: true, proven: false };

  let proofProblem: Extract<GateOutcome, { ok: false }>["proofProblem"] =
    verdict && !verdict.ok ? verdict.reason : null;
  const refuse = (resetAt: Date, challenge: PowChallenge | null): GateOutcome => {
    const minutes = minutesUntil(resetAt, now);
    const message =
      challenge && proofProblem
        ? t("error.pow.failed")
        : t(overIp > 0 ? "error.tooManyAttempts.connection" : "error.tooManyAttempts.email", { minutes });
    logger.warn({ reason: "checkout-limit", proofProblem, challenged: Boolean(challenge) }, "checkout refused");
    return { ok: false, message, retryAfterSeconds: minutes * 60, challenge, proofProblem };
  };
  // When the soft limits let this connection and email through again without a proof.
  const softResetAt = new Date(
    Math.max(overIp > 0 ? perIp.resetAt.getTime() : 0, perEmail && overEmail > 0 ? perEmail.resetAt.getTime() : 0),
  );
  const earlier = (a: Date, b: Date) => (a < b ? a : b);

  // However much work is done: the hard limit per connection and hour.
  const proven = await peekRateLimit(db, limits.proven, clientAddress, now);
  if (proven.exhausted) return refuse(earlier(proven.resetAt, softResetAt), null);

  if (verdict?.ok) {
    if (await claimOnce(db, { kind: "pow", id: verdict.id, until: verdict.expiresAt })) {
      const counted = await countRateLimitHit(db, limits.proven, clientAddress, now);
      if (counted.allowed) return { ok: true, proven: true };
      return refuse(earlier(counted.resetAt, softResetAt), null);
    }
    proofProblem = "reused";
  }
  const challenge = issueChallenge({
    subject: clientAddress,
    difficulty: difficultyFor(Math.max(overIp, overEmail)),
    now,
  });
  return refuse(softResetAt, challenge);
}
