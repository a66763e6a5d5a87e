import { randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { supporters } from "@db/schema";
import { hitRateLimit, type RateLimitRule } from "~/auth/rate-limit.server";
import { createLoginLink, SIGN_IN_LINK_TTL_MS } from "~/auth/supporter-auth.server";
import { enqueueEmail } from "~/email/outbox.server";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";

export const SIGN_IN_LIMITS = {
  perEmail: { name: "sign-in-email", limit: 5, windowSeconds: 900 },
  perIp: { name: "sign-in-ip", limit: 30, windowSeconds: 900 },
} satisfies Record<string, RateLimitRule>;

/**
 * Emails a sign-in link if the address belongs to a supporter. The caller answers the same way
 * either way, so the page never tells whether someone gave to us.
 */
export async function requestSignInLink(db: DB, { email, clientAddress }: { email: string; clientAddress: string }): Promise<"accepted" | "rate_limited"> {
  if (!(await hitRateLimit(db, SIGN_IN_LIMITS.perIp, clientAddress))) return "rate_limited";
  if (!(await hitRateLimit(db, SIGN_IN_LIMITS.perEmail, email))) return "rate_limited";
  await db.transaction(async (tx) => {
    const [supporter] = await tx
      .select({ id: supporters.id, email: supporters.email })
      .from(supporters)
      .where(and(eq(supporters.emailKey, email.toLowerCase()), isNull(supporters.erasedAt)));
    if (!supporter?.email) return;
    const url = await createLoginLink(tx, { supporterId: supporter.id, email: supporter.email, purpose: "sign_in", ttlMs: SIGN_IN_LINK_TTL_MS });
    await enqueueEmail(tx, {
      template: "sign-in-link",
      to: supporter.email,
      idempotencyKey: `sign-in:${randomUUID()}`,
      props: { organisation: organisationDetails(await getOrganisationSettings(tx)), url, expiresInMinutes: SIGN_IN_LINK_TTL_MS / 60_000 },
    });
  });
  return "accepted";
}
