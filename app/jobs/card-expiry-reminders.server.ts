import { and, eq, exists, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { subscriptions, supporters } from "@db/schema";
import { createLoginLink, MANAGE_LINK_TTL_MS } from "~/auth/supporter-auth.server";
import { enqueueEmail } from "~/email/outbox.server";
import { emailLocale } from "~/email/templates";
import { hasEmail } from "~/supporters/supporters.server";
import { withGiftOrigin } from "~/supporters/discretion.server";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";
import { queuedKeys } from "./existing-keys.server";

export const CARD_NOTICE_DAYS = 31;

/** A card works to the end of its expiry month (taken in UTC: the card network's day, not ours). */
const cardExpiresAt = sql`(make_timestamptz(${supporters.cardExpYear}, ${supporters.cardExpMonth}, 1, 0, 0, 0, 'UTC') + interval '1 month')`;

/**
 * Supporters paying monthly whose card runs out within a month and before their next payment:
 * one email per card expiry, with a sign-in link to replace the card.
 */
export async function sendCardExpiryReminders(tx: DB, now: Date): Promise<{ queued: number }> {
  const horizon = new Date(now.getTime() + CARD_NOTICE_DAYS * 24 * 60 * 60_000);
  const due = await tx
    .select({
      supporterId: supporters.id,
      email: supporters.email,
      name: supporters.name,
      locale: supporters.locale,
      brand: supporters.cardBrand,
      last4: supporters.cardLast4,
      expMonth: supporters.cardExpMonth,
      expYear: supporters.cardExpYear,
      // Discreet giving (ADR 051): a neutral sender and subject if any monthly gift is to a discreet
      // campaign; nothing at all if the reader asked for no email about one of them.
      discreet: sql<boolean>`exists (
        select 1 from subscriptions s join campaigns c on c.id = s.campaign_id
        where s.supporter_id = "supporters"."id" and c.discreet)`,
      noEmail: sql<boolean>`exists (
        select 1 from payments p join checkouts k on k.id = p.checkout_id
        where p.supporter_id = "supporters"."id" and p.subscription_id is not null and k.no_email)`,
      // A monthly gift given at the onion address: the link to replace the card points there.
      onion: sql<boolean>`exists (
        select 1 from payments p join checkouts k on k.id = p.checkout_id
        where p.supporter_id = "supporters"."id" and p.subscription_id is not null and k.onion)`,
    })
    .from(supporters)
    .where(
      and(
        isNull(supporters.erasedAt),
        // Only supporters with an email address can pay monthly (Stripe Checkout needs one).
        isNotNull(supporters.email),
        isNotNull(supporters.cardExpYear),
        // A malformed month would make make_timestamptz fail the whole run.
        sql`${supporters.cardExpMonth} between 1 and 12`,
        sql`${cardExpiresAt} > ${now.toISOString()}::timestamptz`,
        sql`${cardExpiresAt} <= ${horizon.toISOString()}::timestamptz`,
        exists(
          tx
            .select({ id: subscriptions.id })
            .from(subscriptions)
            .where(
              and(
                eq(subscriptions.supporterId, supporters.id),
                inArray(subscriptions.status, ["active", "trialing"]),
                eq(subscriptions.cancelAtPeriodEnd, false),
                sql`${subscriptions.currentPeriodEnd} > ${cardExpiresAt}`,
              ),
            ),
        ),
      ),
    );
  const key = (d: (typeof due)[number]) => `card-expiring:${d.supporterId}:${d.expYear}-${d.expMonth}:${d.last4 ?? ""}`;
  const queued = await queuedKeys(tx, due.map(key));
  const todo = due
    .filter(hasEmail)
    .filter((d) => !queued.has(key(d)))
    .filter((d) => !d.noEmail);
  if (todo.length === 0) return { queued: 0 };
  const organisation = organisationDetails(await getOrganisationSettings(tx));
  for (const card of todo)
    await withGiftOrigin(card, async () => {
      const fixUrl = await createLoginLink(tx, {
        supporterId: card.supporterId,
        email: card.email,
        purpose: "manage",
        ttlMs: MANAGE_LINK_TTL_MS,
        now,
      });
      await enqueueEmail(tx, {
        template: "card-expiring",
        to: card.email,
        locale: emailLocale(card.locale),
        discreet: card.discreet,
        idempotencyKey: key(card),
        props: {
          organisation,
          donorName: card.name || null,
          cardBrand: card.brand,
          cardLast4: card.last4,
          expMonth: card.expMonth!,
          expYear: card.expYear!,
          fixUrl,
        },
      });
    });
  return { queued: todo.length };
}
