import { createHmac } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { rateLimits } from "@db/schema";
import { getEnv } from "~/env.server";

export type RateLimitRule = { name: string; limit: number; windowSeconds: number };

/**
 * Checkout starts: card testers try thousands of cards; a person tries a few. Past the soft
 * limits (per address, per email) a checkout needs a proof of work; `proven` is the hard cap on
 * what proofs can buy per address (docs/decisions/011-proof-of-work.md). From the environment.
 */
export function checkoutLimits() {
  const env = getEnv();
  return {
    perIp: { name: "checkout-ip", limit: env.CHECKOUT_LIMIT_PER_IP, windowSeconds: env.CHECKOUT_LIMIT_WINDOW_SECONDS },
    perEmail: { name: "checkout-email", limit: env.CHECKOUT_LIMIT_PER_EMAIL, windowSeconds: env.CHECKOUT_LIMIT_WINDOW_SECONDS },
    proven: { name: "checkout-ip-proven", limit: env.CHECKOUT_HARD_LIMIT_PER_HOUR, windowSeconds: 3600 },
  } satisfies Record<string, RateLimitRule>;
}

/** Keys are keyed hashes: the table never holds an IP address or an email. */
export function subjectDigest(subject: string) {
  return createHmac("sha256", getEnv().sessionSecret).update(subject.toLowerCase()).digest("base64url").slice(0, 32);
}

const limitKey = (rule: RateLimitRule, subject: string) => `${rule.name}:${subjectDigest(subject)}`;

export type RateLimitCount = {
  /** False once this hit went over the limit. */
  allowed: boolean;
  hits: number;
  limit: number;
  /** When the window (and so the count) starts again. */
  resetAt: Date;
};

/** Counts one hit in a fixed window shared by every app process. */
export async function countRateLimitHit(db: DB, rule: RateLimitRule, subject: string, now = new Date()): Promise<RateLimitCount> {
  const windowStartFloor = new Date(now.getTime() - rule.windowSeconds * 1000);
  const [row] = await db
    .insert(rateLimits)
    .values({ key: limitKey(rule, subject), windowStart: now, hits: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        hits: sql`case when ${rateLimits.windowStart} <= ${windowStartFloor.toISOString()}::timestamptz then 1 else ${rateLimits.hits} + 1 end`,
        windowStart: sql`case when ${rateLimits.windowStart} <= ${windowStartFloor.toISOString()}::timestamptz then excluded.window_start else ${rateLimits.windowStart} end`,
      },
    })
    .returning({ hits: rateLimits.hits, windowStart: rateLimits.windowStart });
  return { allowed: row.hits <= rule.limit, hits: row.hits, limit: rule.limit, resetAt: new Date(row.windowStart.getTime() + rule.windowSeconds * 1000) };
}

/** Counts one hit; false when over the limit. */
export async function hitRateLimit(db: DB, rule: RateLimitRule, subject: string, now = new Date()): Promise<boolean> {
  return (await countRateLimitHit(db, rule, subject, now)).allowed;
}

/** The count in the current window, without adding a hit. */
export async function peekRateLimit(db: DB, rule: RateLimitRule, subject: string, now = new Date()): Promise<Omit<RateLimitCount, "allowed"> & { exhausted: boolean }> {
  const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, limitKey(rule, subject)));
  const current = row && row.windowStart.getTime() > now.getTime() - rule.windowSeconds * 1000;
  const hits = current ? row.hits : 0;
  const resetAt = current ? new Date(row.windowStart.getTime() + rule.windowSeconds * 1000) : now;
  return { hits, limit: rule.limit, resetAt, exhausted: hits >= rule.limit };
}

/**
 * Marks a one-time thing (a solved proof-of-work challenge) as used; false if it already was.
 * It lives among the rate-limit rows (no table of its own): `until` is when it could no longer
 * be used anyway, after which the row may be purged.
 */
export async function claimOnce(db: DB, { kind, id, until }: { kind: string; id: string; until: Date }): Promise<boolean> {
  const claimed = await db
    .insert(rateLimits)
    .values({ key: `${kind}:${id}`, windowStart: until, hits: 1 })
    .onConflictDoNothing({ target: rateLimits.key })
    .returning({ key: rateLimits.key });
  return claimed.length === 1;
}
