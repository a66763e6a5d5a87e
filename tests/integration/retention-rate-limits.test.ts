import { like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rateLimits } from "@db/schema";
import {
  CLAIM_GRACE_MS,
  checkoutLimits,
  claimOnce,
  countRateLimitHit,
  countRateLimitHits,
} from "~/auth/rate-limit.server";
import { STAFF_SET_PASSWORD_LIMIT } from "~/auth/staff-auth.server";
import { runJobsOnce } from "~/jobs/scheduler.server";
import { SIGN_IN_LIMITS } from "~/supporters/sign-in.server";
import { useSeededDatabase } from "../support/database";

/**
 * The hourly retention job keeps `rate_limits` to what still counts: a counter row stays for its
 * rule's window, a used proof of work until (a little after) it could no longer be used.
 */

const { t } = useSeededDatabase();
const SECOND = 1000;
const DAY = 24 * 3600 * SECOND;

async function keysLeft(prefix: string) {
  return (
    await t.db
      .select({ key: rateLimits.key })
      .from(rateLimits)
      .where(like(rateLimits.key, `${prefix}%`))
  )
    .map((r) => r.key)
    .sort();
}

describe("purging rate-limit rows", () => {
  it("deletes counters whose window has passed and keeps those still counting, per rule", async () => {
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const rules = [checkoutLimits().perIp, checkoutLimits().proven, SIGN_IN_LIMITS.perEmail, STAFF_SET_PASSWORD_LIMIT];
    for (const rule of rules) {
      await t.db.insert(rateLimits).values([
        { key: `${rule.name}:t1-expired`, windowStart: ago(rule.windowSeconds * SECOND + SECOND), hits: 3 },
        { key: `${rule.name}:t1-current`, windowStart: ago(rule.windowSeconds * SECOND - 60 * SECOND), hits: 3 },
      ]);
    }
    await runJobsOnce(t.db, now);
    for (const rule of rules)
      expect(await keysLeft(`${rule.name}:t1-`), rule.name).toEqual([`${rule.name}:t1-current`]);
  });

  it("a counter still counting is still enforced after the purge", async () => {
    const rule = { ...SIGN_IN_LIMITS.perIp, limit: 2 };
    const now = new Date();
    await countRateLimitHit(t.db, rule, "203.0.113.50", new Date(now.getTime() - 60 * SECOND));
    await countRateLimitHit(t.db, rule, "203.0.113.50", new Date(now.getTime() - 30 * SECOND));
    await runJobsOnce(t.db, now);
    expect((await countRateLimitHit(t.db, rule, "203.0.113.50", now)).allowed).toBe(false);
  });

  it("deletes a used proof of work once past its expiry (plus a grace for clocks), keeps it before", async () => {
    const now = new Date();
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
    expect(await claimOnce(t.db, { kind: "pow", id: "t3-long-expired", until: at(-3600 * SECOND) })).toBe(true);
    expect(
      await claimOnce(t.db, { kind: "pow", id: "t3-just-expired", until: at(-CLAIM_GRACE_MS + 60 * SECOND) }),
    ).toBe(true);
    expect(await claimOnce(t.db, { kind: "pow", id: "t3-still-valid", until: at(120 * SECOND) })).toBe(true);
    await runJobsOnce(t.db, now);
    expect(await keysLeft("pow:t3-")).toEqual(["pow:t3-just-expired", "pow:t3-still-valid"]);
    // A claim still kept is still refused a second time.
    expect(await claimOnce(t.db, { kind: "pow", id: "t3-still-valid", until: at(120 * SECOND) })).toBe(false);
  });

  it("deletes a used waiting ticket (ADR 045) once past its expiry (plus the grace), keeps it before", async () => {
    const now = new Date();
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
    expect(await claimOnce(t.db, { kind: "wait", id: "t6-long-expired", until: at(-3600 * SECOND) })).toBe(true);
    expect(await claimOnce(t.db, { kind: "wait", id: "t6-still-valid", until: at(120 * SECOND) })).toBe(true);
    await runJobsOnce(t.db, now);
    expect(await keysLeft("wait:t6-")).toEqual(["wait:t6-still-valid"]);
    expect(await claimOnce(t.db, { kind: "wait", id: "t6-still-valid", until: at(120 * SECOND) })).toBe(false);
  });

  it("deletes rows of a rule no longer in the code after 30 days", async () => {
    const now = new Date();
    await t.db.insert(rateLimits).values([
      { key: "t4-retired-rule:old", windowStart: new Date(now.getTime() - 31 * DAY), hits: 1 },
      { key: "t4-retired-rule:recent", windowStart: new Date(now.getTime() - 2 * DAY), hits: 1 },
    ]);
    await runJobsOnce(t.db, now);
    expect(await keysLeft("t4-retired-rule:")).toEqual(["t4-retired-rule:recent"]);
  });
});

describe("counting several windows in one statement (a checkout counts its address and its email at once)", () => {
  const short = { name: "t5-short", limit: 2, windowSeconds: 60 };
  const long = { name: "t5-long", limit: 3, windowSeconds: 600 };

  it("each counter counts, and starts again, by its own rule; counts come back in the order asked", async () => {
    const start = new Date();
    const at = (seconds: number) => new Date(start.getTime() + seconds * SECOND);
    const hits = [
      { rule: long, subject: "203.0.113.60" },
      { rule: short, subject: "reader@example.net" },
    ];
    const first = await countRateLimitHits(t.db, hits, at(0));
    expect(first.map((c) => [c.hits, c.limit, c.allowed])).toEqual([
      [1, 3, true],
      [1, 2, true],
    ]);
    expect(first.map((c) => c.resetAt)).toEqual([at(600), at(60)]);
    const second = await countRateLimitHits(t.db, hits, at(30));
    expect(second.map((c) => [c.hits, c.allowed])).toEqual([
      [2, true],
      [2, true],
    ]);
    // The short window has passed and starts again at 1; the long one goes on counting.
    const third = await countRateLimitHits(t.db, hits, at(90));
    expect(third.map((c) => [c.hits, c.allowed])).toEqual([
      [3, true],
      [1, true],
    ]);
    expect(third.map((c) => c.resetAt)).toEqual([at(600), at(150)]);
    const fourth = await countRateLimitHits(t.db, hits, at(100));
    expect(fourth.map((c) => [c.hits, c.allowed])).toEqual([
      [4, false],
      [2, true],
    ]);
    // The same counters as one-at-a-time counting sees them.
    expect((await countRateLimitHit(t.db, short, "reader@example.net", at(110))).hits).toBe(3);
    expect((await countRateLimitHit(t.db, long, "203.0.113.60", at(110))).hits).toBe(5);
  });

  it("statements naming the same counters in either order all count, none waiting on another for ever", async () => {
    const now = new Date();
    const a = { rule: long, subject: "203.0.113.61" };
    const b = { rule: short, subject: "other@example.net" };
    await Promise.all(Array.from({ length: 20 }, (_, i) => countRateLimitHits(t.db, i % 2 ? [a, b] : [b, a], now)));
    const [countA, countB] = await countRateLimitHits(t.db, [a, b], now);
    expect([countA.hits, countB.hits]).toEqual([21, 21]);
  });

  it("refuses the same counter twice in one statement", async () => {
    // Subjects are compared without case, as every counter keys them.
    await expect(
      countRateLimitHits(t.db, [
        { rule: short, subject: "twice@example.net" },
        { rule: short, subject: "Twice@Example.net" },
      ]),
    ).rejects.toThrow(/same counter twice/);
  });
});
