import { eq, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, checkouts, payments } from "@db/schema";
import { getEnv } from "~/env.server";
import { withPublicOrigin } from "~/origins.server";

/**
 * What a supporter's gifts, taken together, ask of an email about all of them or about the
 * supporter (a statement, a sign-in link) (ADR 051): a neutral sender and subject if any was to a
 * discreet campaign; no email at all if any gift's reader asked for none (one unsafe mailbox is
 * enough); links at the onion address if any was given there.
 */
export type Discretion = { discreet: boolean; noEmail: boolean; onion: boolean };

export async function supporterDiscretion(tx: DB, supporterId: number): Promise<Discretion> {
  const [row] = await tx
    .select({
      discreet: sql<boolean>`coalesce(bool_or(${campaigns.discreet}), false)`,
      noEmail: sql<boolean>`coalesce(bool_or(${checkouts.noEmail}), false)`,
      onion: sql<boolean>`coalesce(bool_or(${checkouts.onion}), false)`,
    })
    .from(payments)
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .leftJoin(checkouts, eq(checkouts.id, payments.checkoutId))
    .where(eq(payments.supporterId, supporterId));
  return { discreet: Boolean(row?.discreet), noEmail: Boolean(row?.noEmail), onion: Boolean(row?.onion) };
}

/**
 * A gift's reader chose no link into an account (ADR 051): asked for none, or for no email at all
 * (no email carries no link either). The one rule, for SQL (a checkout's row, null without one)
 * and for a checkout's choice read into memory.
 */
export const noAccountLinkOf = sql<boolean | null>`(${checkouts.noEmail} or ${checkouts.noAccountLink})`;
export function forbidsAccountLink(choice: { noEmail?: boolean | null; noAccountLink?: boolean | null }): boolean {
  return Boolean(choice.noEmail || choice.noAccountLink);
}

/** Runs `work` with links at the onion address when the gift(s) it is about were given there (ADR 051). */
export function withGiftOrigin<T>(gift: { onion: boolean }, work: () => T): T {
  const { onionOrigin } = getEnv();
  return gift.onion && onionOrigin ? withPublicOrigin(onionOrigin, work) : work();
}
