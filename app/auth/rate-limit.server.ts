import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { rateLimits } from "@db/schema";
import { getEnv } from "~/env.server";

export type RateLimitRule = { name: string; limit: number; windowSeconds: number };

/** Checkout starts: card testers try thousands of cards; a person tries a few. */
export const CHECKOUT_LIMITS = {
  perIp: { name: "checkout-ip", limit: 20, windowSeconds: 600 },
  perEmail: { name: "checkout-email", limit: 8, windowSeconds: 600 },
} satisfies Record<string, RateLimitRule>;

/** Keys are keyed hashes: the table never holds an IP address or an email. */
function limitKey(rule: RateLimitRule, subject: string) {
  const digest = createHmac("sha256", getEnv().sessionSecret).update(subject.toLowerCase()).digest("base64url").slice(0, 32);
  return `${rule.name}:${digest}`;
}

/** Counts one hit in a fixed window shared by every app process; false when over the limit. */
export async function hitRateLimit(db: DB, rule: RateLimitRule, subject: string, now = new Date()): Promise<boolean> {
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
    .returning({ hits: rateLimits.hits });
  return row.hits <= rule.limit;
}
