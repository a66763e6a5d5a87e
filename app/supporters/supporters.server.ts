import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import { builtOnce, builtOnceStatement, inOrder } from "@db/built-once.server";
import type { DB } from "@db/client.server";
import {
  checkouts,
  payments,
  subscriptions,
  supporters,
  type CheckoutDetailsGiven,
  type DeliveryAddress,
} from "@db/schema";
import { one } from "@db/rows";
import type { PostalAddress } from "~/payments/events";
import { DEFAULT_LOCALE, isLocale } from "~/i18n/locales";

export type SupporterFacts = {
  email: string;
  name?: string | null;
  anonymous?: boolean;
  stripeCustomerId?: string | null;
  address?: PostalAddress | null;
};

function addressColumns(address: PostalAddress | null | undefined) {
  return address ? postalColumns(address) : {};
}

/** A record's address columns for `address`: each null where it has none (no address: all null). */
export function postalColumns(address: PostalAddress | null | undefined) {
  return {
    addressLine1: address?.line1 ?? null,
    addressLine2: address?.line2 ?? null,
    addressCity: address?.city ?? null,
    addressState: address?.state ?? null,
    addressPostalCode: address?.postalCode ?? null,
    addressCountry: address?.country ?? null,
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
  return {
    updatedAt: sql`case when ${changed} then greatest(now(), ${supporters.updatedAt} + interval '1 microsecond') else ${supporters.updatedAt} end`,
  };
}

/** The advisory locks that make parallel events about one person queue instead of colliding. */
function lockSupporterKeys(tx: DB, email: string, stripeCustomerId: string | null | undefined): Promise<unknown> {
  const [a, b] = [
    `supporter-email:${email.trim().toLowerCase()}`,
    ...(stripeCustomerId ? [`supporter-customer:${stripeCustomerId}`] : []),
  ].sort();
  // One statement: its target list takes the locks left to right, in the sorted order.
  return b === undefined ? lockOneKey(tx, { a }) : lockTwoKeys(tx, { a, b });
}

const lockOneKey = builtOnceStatement(
  () => sql`select pg_advisory_xact_lock(hashtextextended(${sql.placeholder("a")}, 0))`,
);
const lockTwoKeys = builtOnceStatement(
  () =>
    sql`select pg_advisory_xact_lock(hashtextextended(${sql.placeholder("a")}, 0)), pg_advisory_xact_lock(hashtextextended(${sql.placeholder("b")}, 0))`,
);

/** What a person typed at checkout (on our form or the provider's page) about themselves. */
export type DetailsGiven = { name?: string | null; phone?: string | null; address?: PostalAddress | null };

export type CheckoutIdentity = {
  checkoutId: string;
  email: string;
  stripeCustomerId?: string | null;
  anonymous: boolean;
  details: DetailsGiven;
  /** checkouts.supporter_id: the signed-in supporter who started it, whose profile it may change. */
  ownerId: number | null;
  /** The language the checkout was made in (ADR 049): the new record's, or the owner's from now on. */
  locale?: string;
};

const sameText = (a: string | null | undefined, b: string | null | undefined) =>
  (a ?? "").trim().toLowerCase() === (b ?? "").trim().toLowerCase();

/** The fields of `given` that say something else than the profile does (blank fields say nothing). */
export function differingDetails(
  profile: typeof supporters.$inferSelect,
  given: DetailsGiven,
): Omit<CheckoutDetailsGiven, "checkoutId" | "givenAt"> {
  const out: Omit<CheckoutDetailsGiven, "checkoutId" | "givenAt"> = {};
  if (given.name?.trim() && !sameText(given.name, profile.name)) out.name = given.name.trim();
  if (given.phone?.trim() && !sameText(given.phone, profile.phone)) out.phone = given.phone.trim();
  const a = given.address;
  if (a) {
    const stored = addressOf(profile);
    const differs =
      !stored ||
      (["line1", "line2", "city", "state", "postalCode", "country"] as const).some((k) => !sameText(a[k], stored[k]));
    if (differs)
      out.address = {
        line1: a.line1,
        line2: a.line2 ?? null,
        city: a.city,
        state: a.state ?? null,
        postalCode: a.postalCode,
        country: a.country,
      };
  }
  return out;
}

export function addressOf(s: typeof supporters.$inferSelect): PostalAddress | null {
  if (!s.addressLine1 || !s.addressCountry) return null;
  return {
    line1: s.addressLine1,
    line2: s.addressLine2,
    city: s.addressCity ?? "",
    state: s.addressState,
    postalCode: s.addressPostalCode ?? "",
    country: s.addressCountry,
  };
}

// Built once (builtOnce): every paid checkout asks one of these.
const supporterByCustomerOrEmail = builtOnce((db) =>
  db
    .select()
    .from(supporters)
    .where(
      or(
        eq(supporters.stripeCustomerId, sql.placeholder("customerId")),
        eq(supporters.emailKey, sql.placeholder("emailKey")),
      ),
    )
    .orderBy(sql`${supporters.stripeCustomerId} = ${sql.placeholder("customerId")} desc nulls last`)
    .limit(1),
);
/**
 * A checkout's new record, unless one with its email or Stripe customer exists (either unique
 * index conflicts: nothing is inserted, nothing returned). Sent after the keys' locks and the
 * look-up, under the same locks, so it makes a record exactly when the look-up found none.
 */
const newSupporterUnlessKnown = builtOnce((db) =>
  db
    .insert(supporters)
    .values({
      email: sql.placeholder("email"),
      name: sql.placeholder("name"),
      phone: sql.placeholder("phone"),
      anonymous: sql.placeholder("anonymous"),
      stripeCustomerId: sql.placeholder("stripeCustomerId"),
      detailsFromCheckoutId: sql.placeholder("detailsFromCheckoutId"),
      locale: sql.placeholder("locale"),
      addressLine1: sql.placeholder("addressLine1"),
      addressLine2: sql.placeholder("addressLine2"),
      addressCity: sql.placeholder("addressCity"),
      addressState: sql.placeholder("addressState"),
      addressPostalCode: sql.placeholder("addressPostalCode"),
      addressCountry: sql.placeholder("addressCountry"),
    })
    .onConflictDoNothing()
    .returning(),
);

/** A new record's columns: the details given at its checkout. */
function newRecordOf(who: CheckoutIdentity) {
  return {
    email: who.email.trim(),
    name: who.details.name?.trim() ?? "",
    phone: who.details.phone?.trim() || null,
    anonymous: who.anonymous,
    stripeCustomerId: who.stripeCustomerId ?? null,
    detailsFromCheckoutId: who.checkoutId,
    locale: isLocale(who.locale) ? who.locale : DEFAULT_LOCALE,
    ...postalColumns(who.details.address),
  };
}

const supporterByEmail = builtOnce((db) =>
  db
    .select()
    .from(supporters)
    .where(eq(supporters.emailKey, sql.placeholder("emailKey"))),
);

/**
 * A supporter a payment belongs to, and their record as it now stands in this transaction when
 * that is known without reading it again (null when it is not): the payment's delivery address
 * is decided against it (apply-event's ownDeliveryAddress).
 */
export type SupporterNow = {
  id: number;
  profile: typeof supporters.$inferSelect | null;
  /** Made by this transaction: no other transaction can have locked the row. */
  created: boolean;
};

/**
 * The supporter a checkout's payment belongs to, found by Stripe customer id, then by email.
 * Only the owner may change a profile (ADR 027): a checkout started by the signed-in supporter
 * fills in their details (never blanking one); a checkout by anyone else with an existing
 * supporter's email leaves the profile as it is, and what it said differently is kept in
 * `checkout_details` for staff to accept or ignore.
 *
 * A new record is made from the details given at its checkout, and that checkout's later events
 * complete it (the subscription first, then the session with the address). Which checkout makes
 * it must not depend on the order Stripe delivers in (ADR 034): while nobody has edited the
 * record, a checkout that was started before the one that made it takes its place, as if its
 * event had come first. Callers make a record only once the payment is known.
 */
export async function supporterForCheckout(tx: DB, who: CheckoutIdentity): Promise<SupporterNow> {
  // The record the Stripe customer is linked to, else the one with this email: read once the
  // keys are locked, in the same round trip (inOrder). The new record is made in that round trip
  // too, after the read, unless one with this email or customer exists: then nothing is made.
  const emailKey = who.email.trim().toLowerCase();
  const lookUp = () =>
    who.stripeCustomerId
      ? supporterByCustomerOrEmail(tx, { customerId: who.stripeCustomerId, emailKey })
      : supporterByEmail(tx, { emailKey });
  const [, [found], [made]] = await inOrder(
    lockSupporterKeys(tx, who.email, who.stripeCustomerId),
    lookUp(),
    newSupporterUnlessKnown(tx, newRecordOf(who)),
  );
  if (!found && made) return { id: made.id, profile: made, created: true };
  // Neither found nor made: made meanwhile by something that takes no supporter keys (a staff
  // member adding them). Read again, it is the record found.
  const existing = found ?? one(await lookUp(), "supporterForCheckout: the record made meanwhile");
  // Keep the first customer id we learnt: one Stripe customer per supporter.
  const link = who.stripeCustomerId && !existing.stripeCustomerId ? { stripeCustomerId: who.stripeCustomerId } : {};
  const maker = existing.detailsFromCheckoutId !== null && existing.detailsFromCheckoutId === who.checkoutId;
  if (maker || who.ownerId === existing.id) {
    const filled = await fillIn(tx, existing, who, { ...link, ...(maker ? {} : { detailsFromCheckoutId: null }) });
    return { id: existing.id, profile: filled, created: false };
  }
  if (existing.detailsFromCheckoutId && (await startedBefore(tx, who.checkoutId, existing.detailsFromCheckoutId))) {
    await takeTheMakersPlace(tx, existing, who);
    if (Object.keys(link).length) await tx.update(supporters).set(link).where(eq(supporters.id, existing.id));
    return { id: existing.id, profile: null, created: false };
  }
  const differing = differingDetails(existing, who.details);
  const keep = Object.keys(differing).length
    ? { checkoutDetails: { checkoutId: who.checkoutId, givenAt: new Date().toISOString(), ...differing } }
    : {};
  // A repeated event of the checkout already kept changes nothing (the same details, the same time).
  const already = existing.checkoutDetails?.checkoutId === who.checkoutId;
  if (Object.keys(link).length || (keep.checkoutDetails && !already))
    await tx
      .update(supporters)
      .set({ ...link, ...(already ? {} : keep) })
      .where(eq(supporters.id, existing.id));
  // Neither touches the name or the address: those stand as read.
  return { id: existing.id, profile: existing, created: false };
}

/**
 * The details a checkout gives fill in its owner's record, never blanking a field. `also`: columns
 * set with them (a Stripe customer id learnt; the signed-in owner's own checkout is an edit, after
 * which no earlier checkout takes the record's place). `current` is the record as read under the
 * supporter keys' locks: only what differs from it is written, and nothing at all when nothing
 * does (every renewal of a subscription whose checkout made the record comes this way). Returns
 * the record as it now stands.
 */
async function fillIn(
  tx: DB,
  current: typeof supporters.$inferSelect,
  who: CheckoutIdentity,
  also: Partial<typeof supporters.$inferInsert>,
): Promise<typeof supporters.$inferSelect> {
  const differing = <T extends Partial<typeof supporters.$inferInsert>>(values: T): Partial<T> =>
    Object.fromEntries(
      Object.entries(values).filter(([key, value]) => current[key as keyof typeof current] !== value),
    ) as Partial<T>;
  const update = differing({
    ...(who.details.name?.trim() ? { name: who.details.name.trim() } : {}),
    ...(who.details.phone?.trim() ? { phone: who.details.phone.trim() } : {}),
    // Ticking "don't show my name" turns the preference on; an unticked box never turns it off.
    ...(who.anonymous ? { anonymous: true } : {}),
    ...addressColumns(who.details.address),
  });
  // Not a detail that bumps the version: the language their emails are written in.
  const rest = differing({ ...also, ...(isLocale(who.locale) ? { locale: who.locale } : {}) });
  if (!Object.keys(update).length && !Object.keys(rest).length) return current;
  const [updated] = await tx
    .update(supporters)
    .set({ ...update, ...versionBump(update), ...rest })
    .where(eq(supporters.id, current.id))
    .returning();
  return updated ?? current;
}

/**
 * A later event of a subscription already recorded (its session, with the address typed on
 * Stripe's page): if its checkout made the record and nobody has edited it since, it completes
 * the record, as it would had it come before the subscription's first event.
 */
export async function completeRecordFromItsCheckout(
  tx: DB,
  supporterId: number,
  who: CheckoutIdentity,
): Promise<SupporterNow> {
  const [, [current]] = await inOrder(
    lockSupporterKeys(tx, who.email, who.stripeCustomerId),
    supporterKeyShared(tx, { supporterId }),
  );
  if (current?.detailsFromCheckoutId !== who.checkoutId)
    return { id: supporterId, profile: current ?? null, created: false };
  return { id: supporterId, profile: await fillIn(tx, current, who, {}), created: false };
}

/**
 * A supporter's record, key-share locked (kept, with its email and customer id, until the
 * transaction ends): how a payment's receipt reads its supporter, ahead of the receipt counter
 * (apply-event's readForReceipt), and how a subscription's later events read its owner.
 */
export const supporterKeyShared = builtOnce((db) =>
  db
    .select()
    .from(supporters)
    .where(eq(supporters.id, sql.placeholder("supporterId")))
    .for("key share"),
);

/** Whether checkout `a` was started before checkout `b` (by when our page made it; ties by id). */
async function startedBefore(tx: DB, a: string, b: string): Promise<boolean> {
  const rows = await tx
    .select({ id: checkouts.id, createdAt: checkouts.createdAt })
    .from(checkouts)
    .where(inArray(checkouts.id, [a, b]));
  const first = rows.find((r) => r.id === a);
  const second = rows.find((r) => r.id === b);
  // The checkout that made the record is gone (pruned): the record stays as it is.
  if (!first || !second) return false;
  return first.createdAt.getTime() !== second.createdAt.getTime() ? first.createdAt < second.createdAt : a < b;
}

/**
 * An earlier-started checkout arrives after a later one made the record, and nobody has edited it:
 * the record becomes what it would be had this checkout's event come first. The later checkout's
 * details are its own again: its paid rows keep its address where it differs (as ownDeliveryAddress
 * would have kept it), and what it said differently waits for staff.
 */
async function takeTheMakersPlace(tx: DB, existing: typeof supporters.$inferSelect, who: CheckoutIdentity) {
  const makersDetails: DetailsGiven = {
    name: existing.name || null,
    phone: existing.phone,
    address: addressOf(existing),
  };
  const remade = {
    name: who.details.name?.trim() ?? "",
    phone: who.details.phone?.trim() || null,
    anonymous: who.anonymous,
    addressLine1: null,
    addressLine2: null,
    addressCity: null,
    addressState: null,
    addressPostalCode: null,
    addressCountry: null,
    ...addressColumns(who.details.address),
  };
  const profileAfter = { ...existing, ...remade };
  const differing = differingDetails(profileAfter, makersDetails);
  const makersAddress = differing.name || differing.address ? deliveryAddressFrom(makersDetails, existing.name) : null;
  if (makersAddress) {
    const paid = await tx
      .select({ id: payments.id, subscriptionId: payments.subscriptionId })
      .from(payments)
      .where(and(eq(payments.checkoutId, existing.detailsFromCheckoutId!), eq(payments.supporterId, existing.id)));
    const subscriptionIds = [...new Set(paid.map((p) => p.subscriptionId).filter((id): id is number => id !== null))];
    const oneOffs = paid.filter((p) => p.subscriptionId === null).map((p) => p.id);
    if (subscriptionIds.length)
      await tx
        .update(subscriptions)
        .set({ deliveryAddress: makersAddress })
        .where(and(inArray(subscriptions.id, subscriptionIds), isNull(subscriptions.deliveryAddress)));
    if (oneOffs.length)
      await tx
        .update(payments)
        .set({ deliveryAddress: makersAddress })
        .where(and(inArray(payments.id, oneOffs), isNull(payments.deliveryAddress)));
  }
  const kept = Object.keys(differing).length
    ? {
        checkoutDetails: {
          checkoutId: existing.detailsFromCheckoutId!,
          givenAt: new Date().toISOString(),
          ...differing,
        },
      }
    : {};
  await tx
    .update(supporters)
    .set({
      ...remade,
      ...kept,
      detailsFromCheckoutId: who.checkoutId,
      updatedAt: sql`greatest(now(), ${supporters.updatedAt} + interval '1 microsecond')`,
    })
    .where(eq(supporters.id, existing.id));
}

/** A print delivery address from what was given at checkout; null when no address was given. */
export function deliveryAddressFrom(details: DetailsGiven, fallbackName: string): DeliveryAddress | null {
  const a = details.address;
  if (!a) return null;
  return {
    name: details.name?.trim() || fallbackName,
    line1: a.line1,
    line2: a.line2 ?? null,
    city: a.city,
    state: a.state ?? null,
    postalCode: a.postalCode,
    country: a.country,
  };
}

/**
 * Finds or creates a supporter as staff entered them (a phone pledge), keyed by Stripe customer
 * id first and then by email (case-insensitively). Staff may change anyone's record, so the facts
 * fill in what they give; they never blank a field. Checkouts use supporterForCheckout.
 */
export async function ensureSupporter(tx: DB, facts: SupporterFacts): Promise<number> {
  // Events about one person arrive in parallel. Without a lock, two inserts can each miss the
  // other's row and collide on a second unique key (the Stripe customer id), failing one event.
  await lockSupporterKeys(tx, facts.email, facts.stripeCustomerId);
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
      if (Object.keys(update).length)
        await tx
          .update(supporters)
          .set({ ...update, ...versionBump(update), detailsFromCheckoutId: null })
          .where(eq(supporters.id, byCustomer.id));
      return byCustomer.id;
    }
  }
  const inserted = await tx
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
  return one(inserted, "upsert supporter").id;
}

/**
 * A caller of the phone line without an email address: always a new row, since there is no
 * key to find them by (staff find existing callers by name, phone or postcode first). The
 * postal address is required: their receipts are posted.
 */
export async function createSupporterWithoutEmail(
  tx: DB,
  facts: { name: string; phone: string; address: PostalAddress },
): Promise<number> {
  const inserted = await tx
    .insert(supporters)
    .values({ email: null, name: facts.name, phone: facts.phone, ...addressColumns(facts.address) })
    .returning({ id: supporters.id });
  return one(inserted, "insert supporter without email").id;
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
    ...formatAddress({
      line1: s.addressLine1,
      line2: s.addressLine2,
      city: s.addressCity ?? "",
      state: s.addressState,
      postalCode: s.addressPostalCode ?? "",
      country: s.addressCountry ?? "",
    }),
  ].filter(Boolean);
}

/** An address as the lines of a label: street, second line, "city state postcode", country. */
export function formatAddress(a: PostalAddress): string[] {
  return [a.line1, a.line2, [a.city, a.state, a.postalCode].filter(Boolean).join(" "), a.country].filter(
    (line): line is string => Boolean(line),
  );
}

export function formatDeliveryAddress(a: DeliveryAddress): string[] {
  return [a.name, ...formatAddress(a)].filter(Boolean);
}
