import { createHmac } from "node:crypto";
import { and, eq, inArray, lt, lte, not, or, sql, type SQL } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { one } from "@db/rows";
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
    perEmail: {
      name: "checkout-email",
      limit: env.CHECKOUT_LIMIT_PER_EMAIL,
      windowSeconds: env.CHECKOUT_LIMIT_WINDOW_SECONDS,
    },
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
export async function countRateLimitHit(
  db: DB,
  rule: RateLimitRule,
  subject: string,
  now = new Date(),
): Promise<RateLimitCount> {
  return one(await countRateLimitHits(db, [{ rule, subject }], now), "countRateLimitHit");
}

/**
 * Counts one hit in each of several windows with one statement (one round trip), each as
 * countRateLimitHit would. Rows are written in key order, so two such statements running at
 * once never wait for each other's rows in a cycle. Counts come back in the order asked.
 */
export async function countRateLimitHits(
  db: DB,
  hits: readonly { rule: RateLimitRule; subject: string }[],
  now = new Date(),
): Promise<RateLimitCount[]> {
  if (hits.length === 0) return [];
  const asked = hits.map(({ rule, subject }) => ({ rule, key: limitKey(rule, subject) }));
  if (new Set(asked.map((a) => a.key)).size !== asked.length)
    throw new Error("countRateLimitHits: the same counter twice in one statement");
  const sorted = [...asked].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const values: Record<string, string | Date> = { now };
  sorted.forEach(({ rule, key }, i) => {
    values[`key${i}`] = key;
    // A row whose window started at or before this floor starts a new window.
    values[`floor${i}`] = new Date(now.getTime() - rule.windowSeconds * 1000).toISOString();
  });
  const rows = await countHitsStatement(db, sorted.length).execute(values);
  const byKey = new Map(rows.map((row) => [row.key, row]));
  return asked.map(({ rule, key }) => {
    const row = byKey.get(key)!;
    return {
      allowed: row.hits <= rule.limit,
      hits: row.hits,
      limit: rule.limit,
      resetAt: new Date(row.windowStart.getTime() + rule.windowSeconds * 1000),
    };
  });
}

/** Counting runs before every checkout start and sign-in: built once per database and row count, and prepared. */
const countHitsStatements = new WeakMap<DB, Map<number, ReturnType<typeof buildCountHitsStatement>>>();

function countHitsStatement(db: DB, rows: number) {
  let byRows = countHitsStatements.get(db);
  if (!byRows) countHitsStatements.set(db, (byRows = new Map()));
  let statement = byRows.get(rows);
  if (!statement) byRows.set(rows, (statement = buildCountHitsStatement(db, rows)));
  return statement;
}

function buildCountHitsStatement(db: DB, rows: number) {
  const indexes = Array.from({ length: rows }, (_, i) => i);
  const floor = sql`case ${rateLimits.key} ${sql.join(
    indexes.map((i) => sql`when ${sql.placeholder(`key${i}`)} then ${sql.placeholder(`floor${i}`)}::timestamptz`),
    sql` `,
  )} end`;
  const expired = sql`${rateLimits.windowStart} <= ${floor}`;
  return db
    .insert(rateLimits)
    .values(indexes.map((i) => ({ key: sql.placeholder(`key${i}`), windowStart: sql.placeholder("now"), hits: 1 })))
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        hits: sql`case when ${expired} then 1 else ${rateLimits.hits} + 1 end`,
        windowStart: sql`case when ${expired} then excluded.window_start else ${rateLimits.windowStart} end`,
      },
    })
    .returning({ key: rateLimits.key, hits: rateLimits.hits, windowStart: rateLimits.windowStart })
    .prepare(`count_rate_limit_hits_${rows}`);
}

/** Counts one hit; false when over the limit. */
export async function hitRateLimit(db: DB, rule: RateLimitRule, subject: string, now = new Date()): Promise<boolean> {
  return (await countRateLimitHit(db, rule, subject, now)).allowed;
}

/** The count in the current window, without adding a hit. */
export async function peekRateLimit(
  db: DB,
  rule: RateLimitRule,
  subject: string,
  now = new Date(),
): Promise<Omit<RateLimitCount, "allowed"> & { exhausted: boolean }> {
  const [row] = await db
    .select()
    .from(rateLimits)
    .where(eq(rateLimits.key, limitKey(rule, subject)));
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
export async function claimOnce(
  db: DB,
  { kind, id, until }: { kind: string; id: string; until: Date },
): Promise<boolean> {
  const claimed = await db
    .insert(rateLimits)
    .values({ key: `${kind}:${id}`, windowStart: until, hits: 1 })
    .onConflictDoNothing({ target: rateLimits.key })
    .returning({ key: rateLimits.key });
  return claimed.length === 1;
}

/** No limit's window comes near this: a counter row this old belongs to a rule since removed. */
const ORPHAN_AFTER_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * A claimOnce row outlives its `until` by this much: another app process whose clock runs a
 * little behind must still find the claim while it would accept the proof.
 */
export const CLAIM_GRACE_MS = 10 * 60 * 1000;

const startsWith = (prefix: string) => sql`starts_with(${rateLimits.key}, ${prefix})`;

/**
 * Deletes rows that no longer count for anything: a counter whose window has passed (the next
 * hit would start again at 1 either way), a claimOnce row a grace period past its `until` (kept
 * in window_start), and any row of an unknown prefix untouched for 30 days. Returns how many.
 */
export async function deleteExpiredRateLimits(
  db: DB,
  { rules, onceKinds, now }: { rules: readonly RateLimitRule[]; onceKinds: readonly string[]; now: Date },
): Promise<number> {
  const expired: SQL[] = [];
  for (const rule of rules) {
    expired.push(
      and(
        startsWith(`${rule.name}:`),
        lte(rateLimits.windowStart, new Date(now.getTime() - rule.windowSeconds * 1000)),
      )!,
    );
  }
  for (const kind of onceKinds)
    expired.push(and(startsWith(`${kind}:`), lte(rateLimits.windowStart, new Date(now.getTime() - CLAIM_GRACE_MS)))!);
  const known = [...rules.map((r) => `${r.name}:`), ...onceKinds.map((k) => `${k}:`)].map(startsWith);
  const orphan = lt(rateLimits.windowStart, new Date(now.getTime() - ORPHAN_AFTER_MS));
  expired.push(known.length ? and(not(or(...known)!), orphan)! : orphan);
  const deleted = await db
    .delete(rateLimits)
    .where(or(...expired))
    .returning({ key: rateLimits.key });
  return deleted.length;
}

/**
 * Growing delays instead of a hard lock: after `freeFailures` failures the next attempt must wait
 * base × 2^(failures − free), up to `maxDelaySeconds`; a counter untouched for
 * `forgetAfterSeconds` starts again at 0 (docs/decisions/030-sign-in-limits-and-links-at-rest.md).
 */
export type BackoffRule = {
  name: string;
  freeFailures: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  forgetAfterSeconds: number;
};

// 2^30 seconds is far past any ceiling; the cap keeps the power finite however high a count gets.
const MAX_DOUBLINGS = 30;

/** How long after the last counted attempt the next one may come, with `failures` counted. */
export function backoffDelaySeconds(rule: BackoffRule, failures: number): number {
  if (failures < rule.freeFailures) return 0;
  return Math.min(
    rule.baseDelaySeconds * 2 ** Math.min(failures - rule.freeFailures, MAX_DOUBLINGS),
    rule.maxDelaySeconds,
  );
}

/** A backoff counter's rows are pruned as a fixed-window rule whose window is the forget period. */
export function backoffPruneRule(rule: BackoffRule): RateLimitRule {
  return { name: rule.name, limit: 0, windowSeconds: rule.forgetAfterSeconds };
}

export type BackoffClaim = { allowed: true } | { allowed: false; retryAt: Date };
export type BackoffCounter = { rule: BackoffRule; subject: string };
type Counter = BackoffCounter;

/**
 * Counts an attempt on every counter, but only when none of them asks it to wait: a refused
 * attempt writes nothing. Each counter is claimed by one conditional upsert, so two attempts
 * racing for the same free slot cannot both have it (the loser is refused). Counted attempts
 * stand as failures until forgetBackoff or refundBackoffAttempt settles them after a success.
 * window_start holds the time of the last counted attempt, hits the count.
 */
export async function claimBackoffAttempt(
  db: DB,
  counters: readonly Counter[],
  now = new Date(),
): Promise<BackoffClaim> {
  const keyed = counters
    .map((c) => ({ ...c, key: `${c.rule.name}:${subjectDigest(c.subject)}` }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows = await db
    .select()
    .from(rateLimits)
    .where(
      inArray(
        rateLimits.key,
        keyed.map((c) => c.key),
      ),
    );
  const byKey = new Map(rows.map((row) => [row.key, row]));
  let retryAt = now;
  for (const { rule, key } of keyed) {
    const row = byKey.get(key);
    if (!row || row.windowStart.getTime() <= now.getTime() - rule.forgetAfterSeconds * 1000) continue;
    const delaySeconds = backoffDelaySeconds(rule, row.hits);
    // Within the free failures no wait at all (nor a wait for another server's clock to catch up).
    if (delaySeconds === 0) continue;
    const nextAt = new Date(row.windowStart.getTime() + delaySeconds * 1000);
    if (nextAt > retryAt) retryAt = nextAt;
  }
  if (retryAt > now) return { allowed: false, retryAt };
  for (const { rule, key } of keyed) {
    const forgetFloor = sql`${new Date(now.getTime() - rule.forgetAfterSeconds * 1000).toISOString()}::timestamptz`;
    const forgotten = sql`${rateLimits.windowStart} <= ${forgetFloor}`;
    const delay = sql`(case when ${rateLimits.hits} < ${rule.freeFailures}::int then 0::float8 else least(${rule.baseDelaySeconds}::float8 * power(2::float8, least(${rateLimits.hits} - ${rule.freeFailures}::int, ${MAX_DOUBLINGS}::int)::float8), ${rule.maxDelaySeconds}::float8) end)`;
    const nowSql = sql`${now.toISOString()}::timestamptz`;
    const claimed = await db
      .insert(rateLimits)
      .values({ key, windowStart: now, hits: 1 })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          hits: sql`case when ${forgotten} then 1 else ${rateLimits.hits} + 1 end`,
          windowStart: sql`excluded.window_start`,
        },
        where: sql`${forgotten} or ${rateLimits.hits} < ${rule.freeFailures}::int or ${rateLimits.windowStart} + ${delay} * interval '1 second' <= ${nowSql}`,
      })
      .returning({ key: rateLimits.key });
    if (claimed.length === 0) return { allowed: false, retryAt: new Date(now.getTime() + 1000) };
  }
  return { allowed: true };
}

/** After a success: the counter starts again from nothing (a person who got in is not guessing). */
export async function forgetBackoff(db: DB, { rule, subject }: Counter): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, `${rule.name}:${subjectDigest(subject)}`));
}

/** After a success: this attempt no longer counts as a failure, the others still do. */
export async function refundBackoffAttempt(db: DB, { rule, subject }: Counter): Promise<void> {
  await db
    .update(rateLimits)
    .set({ hits: sql`greatest(${rateLimits.hits} - 1, 0)` })
    .where(eq(rateLimits.key, `${rule.name}:${subjectDigest(subject)}`));
}
