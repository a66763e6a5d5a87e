import { eq, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { supporters } from "@db/schema";
import type { PostalAddress } from "~/payments/events";

export type SupporterFacts = {
  email: string;
  name?: string | null;
  anonymous?: boolean;
  stripeCustomerId?: string | null;
  address?: PostalAddress | null;
};

function addressColumns(address: PostalAddress | null | undefined) {
  if (!address) return {};
  return {
    addressLine1: address.line1,
    addressLine2: address.line2 ?? null,
    addressCity: address.city,
    addressState: address.state ?? null,
    addressPostalCode: address.postalCode,
    addressCountry: address.country,
  };
}

/**
 * Moves the row's version on (staff edit forms compare it: updateSupporterContact) when one of
 * `update`'s values really changes, so a staff save made from an older form is refused instead of
 * overwriting what the provider just told us; a webhook repeating what we know refuses nothing.
 */
function versionBump(update: Partial<typeof supporters.$inferInsert>) {
  const keys = Object.keys(update) as (keyof typeof update)[];
  if (keys.length === 0) return {};
  const changed = sql.join(
    keys.map((key) => sql`${supporters[key]} is distinct from ${update[key]}`),
    sql` or `,
  );
  return { updatedAt: sql`case when ${changed} then greatest(now(), ${supporters.updatedAt} + interval '1 microsecond') else ${supporters.updatedAt} end` };
}

/**
 * Finds or creates the supporter for a payment, keyed by Stripe customer id first and then by
 * email (case-insensitively). Later facts fill in what is missing; they never blank a field.
 */
export async function ensureSupporter(tx: DB, facts: SupporterFacts): Promise<number> {
  // Events about one person arrive in parallel. Without a lock, two inserts can each miss the
  // other's row and collide on a second unique key (the Stripe customer id), failing one event.
  const keys = [`supporter-email:${facts.email.trim().toLowerCase()}`, ...(facts.stripeCustomerId ? [`supporter-customer:${facts.stripeCustomerId}`] : [])].sort();
  for (const key of keys) await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
  const update = {
    ...(facts.name ? { name: facts.name } : {}),
    // Ticking "don't show my name" on a gift turns the preference on; an unticked box on a later
    // gift never turns off what the supporter chose in their account.
    ...(facts.anonymous ? { anonymous: true } : {}),
    ...addressColumns(facts.address),
  };
  if (facts.stripeCustomerId) {
    const [byCustomer] = await tx
      .select({ id: supporters.id })
      .from(supporters)
      .where(eq(supporters.stripeCustomerId, facts.stripeCustomerId));
    if (byCustomer) {
      if (Object.keys(update).length) await tx.update(supporters).set({ ...update, ...versionBump(update) }).where(eq(supporters.id, byCustomer.id));
      return byCustomer.id;
    }
  }
  const [row] = await tx
    .insert(supporters)
    .values({
      email: facts.email.trim(),
      name: facts.name ?? "",
      anonymous: facts.anonymous ?? false,
      stripeCustomerId: facts.stripeCustomerId ?? null,
      ...addressColumns(facts.address),
    })
    .onConflictDoUpdate({
      target: supporters.emailKey,
      set: {
        ...update,
        ...versionBump(update),
        // Keep the first customer id we learnt: one Stripe customer per supporter.
        stripeCustomerId: sql`coalesce(${supporters.stripeCustomerId}, excluded.stripe_customer_id)`,
      },
    })
    .returning({ id: supporters.id });
  return row.id;
}

/**
 * A caller of the phone line without an email address: always a new row, since there is no
 * key to find them by (staff find existing callers by name, phone or postcode first). The
 * postal address is required: their receipts are posted.
 */
export async function createSupporterWithoutEmail(tx: DB, facts: { name: string; phone: string; address: PostalAddress }): Promise<number> {
  const [row] = await tx
    .insert(supporters)
    .values({ email: null, name: facts.name, phone: facts.phone, ...addressColumns(facts.address) })
    .returning({ id: supporters.id });
  return row.id;
}

/**
 * Narrows a row to supporters we can email. Callers of the phone line may have no address:
 * links and reminders skip them (their receipts are posted instead).
 */
export function hasEmail<T extends { email: string | null }>(row: T): row is T & { email: string } {
  return row.email !== null;
}

export function formatPostalAddress(s: typeof supporters.$inferSelect): string[] | null {
  if (!s.addressLine1) return null;
  return [
    s.name,
    s.addressLine1,
    s.addressLine2,
    [s.addressCity, s.addressState, s.addressPostalCode].filter(Boolean).join(" "),
    s.addressCountry,
  ].filter((line): line is string => Boolean(line));
}
