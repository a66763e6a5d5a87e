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
import {
  issueWaitTicket,
  verifyWaitTicket,
  waitSecondsFor,
  type WaitTicket,
  type WaitTicketVerdict,
} from "./wait-ticket.server";

/**
 * The card-testing defence in front of every checkout start (docs/decisions/011-proof-of-work.md):
 * each attempt counts per connection and per email. Within the soft limits, nothing more is
 * asked. Past them, an attempt needs a solved proof-of-work challenge, and the answer to one
 * without it is a 429 carrying a new challenge (which the page solves with JavaScript) and,
 * for everyone else, when to try again. However much work is done, a connection gets at most
 * the hard limit of such attempts an hour.
 *
 * A browser without JavaScript cannot do the work: its form says so (`nojs`), and past the soft
 * limits it is asked to wait instead (docs/decisions/045-waiting-instead-of-javascript.md). It
 * gets a signed ticket for this gift that becomes valid after a wait growing with the address's
 * load; brought back after the wait, the ticket passes once. Proofs and tickets share the hard
 * limit, so together they let no more through than proofs alone did.
 */

export type ProofOfWork = { challenge: string | null; nonce: string | null };

/** What a browser without JavaScript sends instead of a proof: the gift's hash and its ticket, if it has one. */
export type Waiting = { contentsHash: string; ticket: string | null };

export const WAIT_TICKET_CLAIM = "wait";

/** Whose attempts asked for the wait: the address's (a busy network) or the email address's. */
export type WaitReason = "connection" | "email";

export type GateOutcome =
  | { ok: true; proven: boolean; waited?: boolean }
  | {
      ok: false;
      /** Without JavaScript: wait for this ticket's time, then send the gift again with it. */
      wait: WaitTicket & { seconds: number; because: WaitReason };
      retryAfterSeconds: number;
      ticketProblem: Exclude<WaitTicketVerdict, { ok: true }>["reason"] | "reused" | null;
    }
  | {
      ok: false;
      wait?: undefined;
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
    waiting = null,
    now = new Date(),
  }: { clientAddress: string; email: string | null; proof: ProofOfWork; waiting?: Waiting | null; now?: Date },
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

  let proofProblem: Extract<GateOutcome, { ok: false; message: string }>["proofProblem"] =
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

  if (waiting && !verdict) {
    const overBy = Math.max(overIp, overEmail);
    const ticketVerdict = waiting.ticket
      ? verifyWaitTicket({ ticket: waiting.ticket, subject: clientAddress, contentsHash: waiting.contentsHash, now })
      : null;
    const wait = (
      ticket: WaitTicket,
      ticketProblem: Extract<GateOutcome, { wait: object }>["ticketProblem"],
    ): GateOutcome => {
      const seconds = Math.max(1, Math.ceil((ticket.readyAt.getTime() - now.getTime()) / 1000));
      const because: WaitReason = overIp > 0 ? "connection" : "email";
      logger.warn({ reason: "checkout-limit", ticketProblem, waitSeconds: seconds }, "checkout asked to wait");
      return { ok: false, wait: { ...ticket, seconds, because }, retryAfterSeconds: seconds, ticketProblem };
    };
    // A new ticket: ready after the wait this load asks for, and not before the hard limit frees a place.
    const newTicket = (
      problem: Extract<GateOutcome, { wait: object }>["ticketProblem"],
      hardLimitFreesAt: Date | null = proven.exhausted ? proven.resetAt : null,
    ) => {
      // Counted from the current whole second, as tickets keep whole seconds: the page says the wait it was given.
      let readyAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + waitSecondsFor(overBy) * 1000);
      if (hardLimitFreesAt && hardLimitFreesAt > readyAt) readyAt = hardLimitFreesAt;
      return wait(
        issueWaitTicket({ subject: clientAddress, contentsHash: waiting.contentsHash, readyAt, now }),
        problem,
      );
    };
    if (!ticketVerdict) return newTicket(null);
    // Back too early: the same ticket, the same time (coming back sooner never makes the wait longer).
    if (!ticketVerdict.ok && ticketVerdict.reason === "early")
      return wait(
        { ticket: waiting.ticket!, readyAt: ticketVerdict.readyAt, expiresAt: ticketVerdict.expiresAt },
        null,
      );
    if (!ticketVerdict.ok) return newTicket(ticketVerdict.reason);
    if (proven.exhausted) return newTicket(null);
    if (!(await claimOnce(db, { kind: WAIT_TICKET_CLAIM, id: ticketVerdict.nonce, until: ticketVerdict.expiresAt })))
      return newTicket("reused");
    const counted = await countRateLimitHit(db, limits.proven, clientAddress, now);
    if (counted.allowed) return { ok: true, proven: true, waited: true };
    return newTicket(null, counted.resetAt);
  }

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
