import { createHmac, randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { supporters } from "@db/schema";
import { hitRateLimit, type RateLimitRule } from "~/auth/rate-limit.server";
import { createLoginLink, SIGN_IN_LINK_TTL_MS } from "~/auth/supporter-auth.server";
import { enqueueEmail } from "~/email/outbox.server";
import { emailLocale, type EmailLocale } from "~/email/templates";
import { getEnv } from "~/env.server";
import { onOnionOrigin, withPublicOrigin } from "~/origins.server";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";
import { supporterDiscretion } from "./discretion.server";

export const SIGN_IN_LIMITS = {
  perEmail: { name: "sign-in-email", limit: 5, windowSeconds: 900 },
  perIp: { name: "sign-in-ip", limit: 30, windowSeconds: 900 },
} satisfies Record<string, RateLimitRule>;

/** What a sign-in email's `url` holds until the outbox worker sends it (mintRequestedSignInLink). */
export const SIGN_IN_LINK_INTENT = "link-intent:sign-in";
/** The same, asked for at the onion service address: the link points there (ADR 051). */
export const ONION_SIGN_IN_LINK_INTENT = "link-intent:sign-in:onion";

/**
 * Queues a sign-in email for any well-formed address, without looking it up: the request does
 * the same work, writes the same rows and answers the same way whether or not someone with that
 * address gave to us. The outbox worker decides, at send time, whether there is anyone to send
 * a link to (docs/decisions/030-sign-in-limits-and-links-at-rest.md).
 */
export async function requestSignInLink(
  db: DB,
  { email, clientAddress }: { email: string; clientAddress: string },
): Promise<"accepted" | "rate_limited"> {
  if (!(await hitRateLimit(db, SIGN_IN_LIMITS.perIp, clientAddress))) return "rate_limited";
  if (!(await hitRateLimit(db, SIGN_IN_LIMITS.perEmail, email))) return "rate_limited";
  await enqueueEmail(db, {
    template: "sign-in-link",
    to: email.trim().toLowerCase(),
    // Nobody is looked up now: the worker writes it in the supporter's language when it sends.
    locale: "en",
    idempotencyKey: `sign-in:${randomUUID()}`,
    props: {
      organisation: organisationDetails(await getOrganisationSettings(db)),
      url: onOnionOrigin() ? ONION_SIGN_IN_LINK_INTENT : SIGN_IN_LINK_INTENT,
      expiresInMinutes: SIGN_IN_LINK_TTL_MS / 60_000,
    },
  });
  return "accepted";
}

/**
 * At send time: the link for a queued sign-in email, or null when the address belongs to no
 * (unerased) supporter, in which case nothing is sent. The token is derived from the outbox id
 * with SESSION_SECRET, so a retried send carries the same link (Resend's idempotency key is the
 * outbox id) and the outbox never holds it.
 */
export async function mintRequestedSignInLink(
  db: DB,
  { outboxId, email, now, onion = false }: { outboxId: string; email: string; now: Date; onion?: boolean },
): Promise<{ to: string; url: string; locale: EmailLocale; discreet: boolean } | null> {
  const [supporter] = await db
    .select({ id: supporters.id, email: supporters.email, locale: supporters.locale })
    .from(supporters)
    .where(and(eq(supporters.emailKey, email.toLowerCase()), isNull(supporters.erasedAt)));
  if (!supporter?.email) return null;
  const token = createHmac("sha256", getEnv().sessionSecret).update(`sign-in-link:${outboxId}`).digest("base64url");
  const { onionOrigin } = getEnv();
  const mint = () =>
    createLoginLink(db, {
      supporterId: supporter.id,
      email: supporter.email ?? "",
      purpose: "sign_in",
      ttlMs: SIGN_IN_LINK_TTL_MS,
      now,
      token,
    });
  const url = await (onion && onionOrigin ? withPublicOrigin(onionOrigin, mint) : mint());
  // Discreet giving (ADR 051): neutral for anyone who gave to a discreet campaign or asks at the
  // onion address. Decided now, as the address is looked up only now (ADR 030). A reader who chose
  // no email for a gift still gets the link they asked for.
  const discreet = onion || (await supporterDiscretion(db, supporter.id)).discreet;
  return { to: supporter.email, url, locale: emailLocale(supporter.locale), discreet };
}
