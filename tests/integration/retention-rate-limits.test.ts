import { like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rateLimits } from "@db/schema";
import { CLAIM_GRACE_MS, checkoutLimits, claimOnce, countRateLimitHit } from "~/auth/rate-limit.server";
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
  return (await t.db.select({ key: rateLimits.key }).from(rateLimits).where(like(rateLimits.key, `${prefix}%`))).map((r) => r.key).sort();
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
    for (const rule of rules) expect(await keysLeft(`${rule.name}:t1-`), rule.name).toEqual([`${rule.name}:t1-current`]);
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
    expect(await claimOnce(t.db, { kind: "pow", id: "t3-just-expired", until: at(-CLAIM_GRACE_MS + 60 * SECOND) })).toBe(true);
    expect(await claimOnce(t.db, { kind: "pow", id: "t3-still-valid", until: at(120 * SECOND) })).toBe(true);
    await runJobsOnce(t.db, now);
    expect(await keysLeft("pow:t3-")).toEqual(["pow:t3-just-expired", "pow:t3-still-valid"]);
    // A claim still kept is still refused a second time.
    expect(await claimOnce(t.db, { kind: "pow", id: "t3-still-valid", until: at(120 * SECOND) })).toBe(false);
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
