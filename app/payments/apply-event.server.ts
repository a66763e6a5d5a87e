import { t } from "~/i18n/t";
import { and, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { commitWithNextStatement, type DB } from "@db/client.server";
import { builtOnce, builtOnceStatement, inOrder } from "@db/built-once.server";
import { one } from "@db/rows";
import {
  campaigns,
  checkouts,
  counters,
  loginTokens,
  outbox,
  payments,
  plans,
  pledges,
  providerEvents,
  receipts,
  webhookFailures,
  refundObservations,
  settings,
  subscriptions,
  supporters,
} from "@db/schema";
import { createLoginLink, MANAGE_LINK_TTL_MS, newLoginLink, type LoginTokenRow } from "~/auth/supporter-auth.server";
import { publicOrigin } from "~/origins.server";
import { enqueueEmail, outboxRow, type OutboxRow } from "~/email/outbox.server";
import { emailLocale, type ReceiptSnapshot } from "~/email/templates";
import { logger, sqlState } from "~/log.server";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";
import { forbidsAccountLink, withGiftOrigin } from "~/supporters/discretion.server";
import { applyCardChanged } from "~/supporters/cards.server";
import { addMonths } from "~/supporters/billing-dates";
import { settlePendingChange, settleYearSwitch } from "~/supporters/pending-changes.server";
import {
  completeRecordFromItsCheckout,
  deliveryAddressFrom,
  differingDetails,
  formatDeliveryAddress,
  formatPostalAddress,
  supporterForCheckout,
  supporterKeyShared,
  type DetailsGiven,
  type SupporterNow,
} from "~/supporters/supporters.server";
import type { CheckoutSessionFacts, NormalizedEvent, ProviderDelivery } from "./events";
import { paymentPurpose, type PaymentPurpose } from "./labels";
import type { DeliveryAddress } from "@db/schema";
import { assertNever } from "~/never";
import { planPriceIn, planPricesOf } from "~/campaigns/currencies.server";

type Checkout = typeof checkouts.$inferSelect;

/**
 * Verify → record → apply → acknowledge, the "record" and "apply" halves: the event id is
 * inserted and the event applied in one transaction, so a failure leaves no trace and the
 * provider's retry starts afresh, and a second delivery of the same id changes nothing.
 */
export async function applyDelivery(db: DB, delivery: ProviderDelivery): Promise<"applied" | "duplicate"> {
  return db.transaction((tx) => applyDeliveryIn(tx, delivery));
}

/**
 * applyDelivery inside the caller's transaction (no savepoint of its own). `resolveFailure`: an
 * open failure of this event is resolved by the same statement that records the event, before
 * anything else is locked (ADR 016's lock order).
 */
export async function applyDeliveryIn(
  tx: DB,
  delivery: ProviderDelivery,
  resolveFailure?: "redelivered" | "replayed",
  { commitWithLastStatement = false }: ApplyOptions = {},
): Promise<"applied" | "duplicate"> {
  // Processed when this transaction commits, and not at all if it fails.
  const now = new Date().toISOString();
  const events = pairedEvents(delivery.events);
  // The first event's checkout (locked) and subscription are read in the same round trip, after
  // the event is recorded (inOrder): what its apply would read first anyway.
  const { checkoutId, providerSubscriptionId } = readFirst(events[0]);
  const [recorded, checkoutRows, subscriptionRows] = await inOrder(
    recordEvent(tx, {
      eventId: delivery.eventId,
      type: delivery.type,
      createdAt: delivery.createdAt.toISOString(),
      now,
      resolution: resolveFailure ?? null,
    }),
    checkoutId ? lockedCheckout(tx, { checkoutId }) : Promise.resolve([]),
    providerSubscriptionId ? subscriptionByProviderId(tx, { providerSubscriptionId }) : Promise.resolve([]),
  );
  if (recorded.length === 0) return "duplicate";
  const ahead: ReadAhead = {
    checkout: checkoutId ? { id: checkoutId, row: checkoutRows[0] } : undefined,
    subscription: providerSubscriptionId ? { id: providerSubscriptionId, row: subscriptionRows[0] ?? null } : undefined,
  };
  readAhead.set(tx, ahead);
  try {
    for (const [i, event] of events.entries())
      await applyEvent(tx, event, commitWithLastStatement && i === events.length - 1);
  } finally {
    readAhead.delete(tx);
  }
  return "applied";
}

export type ApplyOptions = {
  /**
   * The caller writes nothing after the delivery: where the last event's last statement is known
   * before it is sent (a payment with nothing written after it, a card's details), COMMIT is sent
   * with it (ADR 056). Should a payment's statement find the payment recorded meanwhile or the
   * counter missing, the transaction fails with CommitWithPaymentError, to be run again without
   * this.
   */
  commitWithLastStatement?: boolean;
};

/** The checkout and subscription an event's apply reads first (findCheckout, knownSubscription). */
function readFirst(event: NormalizedEvent | undefined) {
  const withCheckout =
    event?.type === "checkout.completed" ||
    event?.type === "payment.succeeded" ||
    event?.type === "payment.failed" ||
    event?.type === "subscription.changed";
  return {
    checkoutId: withCheckout ? event.checkoutId : null,
    providerSubscriptionId:
      event?.type === "payment.succeeded" || event?.type === "subscription.changed"
        ? (event.providerSubscriptionId ?? null)
        : null,
  };
}

const recordEvent = builtOnceStatement<{ id: string }>(
  () => sql`
    with resolved as (
      update ${webhookFailures}
      set resolved_at = ${sql.placeholder("now")}::timestamptz, resolution = ${sql.placeholder("resolution")}::text
      where ${sql.placeholder("resolution")}::text is not null and event_id = ${sql.placeholder("eventId")}
        and resolved_at is null
    )
    insert into ${providerEvents} (id, type, provider_created_at, processed_at)
    values (${sql.placeholder("eventId")}, ${sql.placeholder("type")}, ${sql.placeholder("createdAt")}::timestamptz,
      ${sql.placeholder("now")}::timestamptz)
    on conflict (id) do nothing
    returning id`,
);

/**
 * What applyDeliveryIn read with the event's record, for the first look of its apply: each is
 * used once (a second look, after the apply changed things, reads again).
 */
type ReadAhead = {
  checkout?: { id: string; row: Checkout | undefined };
  subscription?: { id: string; row: KnownSubscription | null };
};
const readAhead = new WeakMap<DB, ReadAhead>();

/** What was read ahead for this transaction under `key`, if it was for `id`; used up by the taking. */
function takeReadAhead<K extends keyof ReadAhead>(tx: DB, key: K, id: string): ReadAhead[K] {
  const ahead = readAhead.get(tx);
  const read = ahead?.[key];
  if (!ahead || read?.id !== id) return undefined;
  ahead[key] = undefined;
  return read;
}

/**
 * A paid Checkout Session arrives as two events of one checkout: "completed" and its payment.
 * The payment completes the checkout itself, after the same check that the session is ours, so
 * the pair is applied once, as the payment carrying its session (the checkout read and updated
 * once, not twice).
 */
function pairedEvents(events: readonly NormalizedEvent[]): NormalizedEvent[] {
  return events.flatMap((event) => {
    if (event.type === "checkout.completed" && event.paid)
      return events.some((e) => e.type === "payment.succeeded" && e.checkoutId === event.checkoutId) ? [] : [event];
    if (event.type !== "payment.succeeded" || event.session) return [event];
    const completed = events.find(
      (e): e is Extract<NormalizedEvent, { type: "checkout.completed" }> =>
        e.type === "checkout.completed" && e.paid && e.checkoutId === event.checkoutId,
    );
    return [completed?.session ? { ...event, session: completed.session } : event];
  });
}

async function applyEvent(tx: DB, event: NormalizedEvent, last: boolean) {
  switch (event.type) {
    case "checkout.completed":
      return applyCheckoutCompleted(tx, event);
    case "checkout.failed":
      return applyCheckoutFailed(tx, event);
    case "payment.succeeded":
      return applyPaymentSucceeded(tx, event, last);
    case "payment.failed":
      return applyPaymentFailed(tx, event);
    case "subscription.changed":
      return applySubscriptionChanged(tx, event);
    case "payment.refunded":
      return applyRefund(tx, event);
    case "payment.settled":
      return applySettlement(tx, event);
    case "card.changed":
      return applyCardChanged(tx, event, { last });
    default:
      return assertNever(event, "event type");
  }
}

/**
 * Parallel deliveries take their locks in one order, so that they wait for each other instead of
 * deadlocking: the checkout row (here, first of all), the supporter (supporterForCheckout's advisory
 * locks and row, or recordPayment's share lock), the receipt counter, then ledger rows.
 * "No key update" still lets payments referencing the checkout be inserted meanwhile.
 */
async function findCheckout(tx: DB, checkoutId: string, eventType: string): Promise<Checkout | undefined> {
  const read = takeReadAhead(tx, "checkout", checkoutId);
  const [checkout] = read ? [read.row] : await lockedCheckout(tx, { checkoutId });
  // Objects made outside this app (the Stripe dashboard, another integration) carry no
  // checkout of ours: acknowledged and left alone, deliberately.
  if (!checkout) logger.warn({ checkoutId, eventType }, "event for an unknown checkout ignored");
  return checkout;
}

const lockedCheckout = builtOnce((db) =>
  db
    .select()
    .from(checkouts)
    .where(eq(checkouts.id, sql.placeholder("checkoutId")))
    .for("no key update"),
);

type Customer = Extract<NormalizedEvent, { customer: unknown }>["customer"];

/** What the person paying typed about themselves: on our form, or on the provider's page. */
function detailsGiven(checkout: Checkout, customer: Customer): DetailsGiven {
  return {
    name: customer.name || checkout.name || null,
    phone: customer.phone ?? null,
    address: customer.address ?? null,
  };
}

function identityFromCheckout(checkout: Checkout, customer: Customer) {
  return {
    checkoutId: checkout.id,
    email: customer.email || checkout.email,
    stripeCustomerId: customer.providerCustomerId ?? null,
    anonymous: checkout.anonymous,
    details: detailsGiven(checkout, customer),
    ownerId: checkout.supporterId,
    locale: checkout.locale,
  };
}

/**
 * The supporter an event is about. A subscription's later events belong to whoever owns it now,
 * even if they changed their email since the checkout; otherwise the checkout's facts decide.
 */
async function resolveSupporter(
  tx: DB,
  checkout: Checkout,
  customer: Customer,
  providerSubscriptionId?: string | null,
  known?: KnownSubscription | null,
) {
  if (providerSubscriptionId) {
    const owned = known === undefined ? await knownSubscription(tx, providerSubscriptionId) : known;
    if (owned) return completeRecordFromItsCheckout(tx, owned.supporterId, identityFromCheckout(checkout, customer));
  }
  return supporterForCheckout(tx, identityFromCheckout(checkout, customer));
}

/**
 * A completed session must be the one we created, for the amount we asked: anything else is not
 * applied (the webhook keeps it for staff, ADR 032). The simulated provider makes no sessions.
 */
export function checkSessionMatches(checkout: Checkout, event: { session?: CheckoutSessionFacts }) {
  if (!event.session) return;
  const expected = checkout.amountMinor + checkout.feeCoverMinor;
  if (checkout.providerSessionId !== event.session.id)
    throw new CheckoutMismatchError(
      `session ${event.session.id} is not the session created for checkout ${checkout.id}`,
    );
  if (event.session.currency !== checkout.currency || event.session.amountMinor !== expected) {
    throw new CheckoutMismatchError(
      `session amount ${event.session.amountMinor ?? "none"} ${event.session.currency ?? ""} does not match checkout ${checkout.id} (${expected} ${checkout.currency})`,
    );
  }
}

/** A signed event that contradicts the checkout we created: never applied, kept for staff. */
export class CheckoutMismatchError extends Error {
  constructor(reason: string) {
    super(`checkout mismatch: ${reason}`);
    this.name = "CheckoutMismatchError";
  }
}

async function applyCheckoutCompleted(tx: DB, event: Extract<NormalizedEvent, { type: "checkout.completed" }>) {
  const checkout = await findCheckout(tx, event.checkoutId, event.type);
  if (!checkout) return;
  checkSessionMatches(checkout, event);
  // No supporter yet: a record is made by the first payment, never for someone who has not paid.
  // "completed" and "failed" are final; "processing" (an async payment method) only replaces "open".
  if (event.paid) {
    await tx
      .update(checkouts)
      .set({ status: "completed", completedAt: new Date() })
      .where(and(eq(checkouts.id, checkout.id), inArray(checkouts.status, ["open", "processing", "failed"])));
  } else {
    await tx
      .update(checkouts)
      .set({ status: "processing" })
      .where(and(eq(checkouts.id, checkout.id), eq(checkouts.status, "open")));
  }
}

async function applyCheckoutFailed(tx: DB, event: Extract<NormalizedEvent, { type: "checkout.failed" }>) {
  await tx
    .update(checkouts)
    .set({ status: "failed" })
    .where(and(eq(checkouts.id, event.checkoutId), inArray(checkouts.status, ["open", "processing"])));
}

const SUBSCRIPTION_STATUS_RANK: Record<string, number> = { incomplete: 0, incomplete_expired: 2, canceled: 2 };
const statusRank = (status: string) => SUBSCRIPTION_STATUS_RANK[status] ?? 1;

/**
 * Stripe delivers subscription events unordered. An event applies when it is newer than the
 * last one applied; on a tie (Stripe's clock has one-second resolution) the state further
 * along the lifecycle wins. A cancelled subscription is never resurrected.
 */
async function applySubscriptionChanged(tx: DB, event: Extract<NormalizedEvent, { type: "subscription.changed" }>) {
  const checkout = await findCheckout(tx, event.checkoutId, event.type);
  if (!checkout || (checkout.kind !== "monthly" && checkout.kind !== "tier_monthly")) return;
  const { id: supporterId } = await resolveSupporter(tx, checkout, event.customer, event.providerSubscriptionId);
  // A tier switch shows up as the price's lookup key; a price without one (a gift) keeps the plan.
  const [plan] = event.planLookupKey
    ? await tx.select().from(plans).where(eq(plans.lookupKey, event.planLookupKey))
    : [];
  // The amount the provider did not say: the plan's price in the subscription's currency (ADR 050),
  // else what the checkout asked for (a new row) or what the row holds already.
  // Read only when the amount is not given (the plan's row and prices are otherwise not needed).
  const planId = plan?.id ?? checkout.planId;
  const planPrice = async () => {
    const [current] = plan ? [plan] : planId === null ? [] : await tx.select().from(plans).where(eq(plans.id, planId));
    return current ? planPriceIn(current, await planPricesOf(tx, current), event.currency) : undefined;
  };
  const amountMinor = event.amountMinor ?? (await planPrice()) ?? null;
  const [applied] = await tx
    .insert(subscriptions)
    .values({
      supporterId,
      campaignId: checkout.campaignId,
      planId: plan?.id ?? checkout.planId,
      kind: checkout.kind,
      amountMinor: amountMinor ?? checkout.amountMinor,
      currency: event.currency,
      status: event.status,
      provider: checkout.provider,
      providerSubscriptionId: event.providerSubscriptionId,
      currentPeriodEnd: event.currentPeriodEnd,
      cancelAtPeriodEnd: event.cancelAtPeriodEnd,
      pausedUntil: event.pausedUntil,
      providerUpdatedAt: event.occurredAt,
    })
    .onConflictDoUpdate({
      target: subscriptions.providerSubscriptionId,
      set: {
        status: event.status,
        amountMinor: amountMinor ?? sql`${subscriptions.amountMinor}`,
        currency: event.currency,
        currentPeriodEnd: event.currentPeriodEnd,
        cancelAtPeriodEnd: event.cancelAtPeriodEnd,
        pausedUntil: event.pausedUntil,
        ...(plan ? { planId: plan.id } : {}),
        providerUpdatedAt: event.occurredAt,
      },
      setWhere: sql`${subscriptions.status} not in ('canceled', 'incomplete_expired') and (
        ${subscriptions.providerUpdatedAt} < excluded.provider_updated_at
        or (${subscriptions.providerUpdatedAt} = excluded.provider_updated_at
            and ${statusRank(event.status)} >= (case ${subscriptions.status} when 'incomplete' then 0 else 1 end)))`,
    })
    .returning();
  // Only an event that was applied can confirm a change the supporter asked for.
  if (applied) await settlePendingChange(tx, applied);
}

type KnownSubscription = { id: number; supporterId: number; currentPeriodEnd: Date | null };

/** The subscription row of a provider's subscription id, if there is one yet. */
async function knownSubscription(tx: DB, providerSubscriptionId: string): Promise<KnownSubscription | null> {
  const read = takeReadAhead(tx, "subscription", providerSubscriptionId);
  if (read) return read.row;
  const [row] = await subscriptionByProviderId(tx, { providerSubscriptionId });
  return row ?? null;
}

const subscriptionByProviderId = builtOnce((db) =>
  db
    .select({
      id: subscriptions.id,
      supporterId: subscriptions.supporterId,
      currentPeriodEnd: subscriptions.currentPeriodEnd,
    })
    .from(subscriptions)
    .where(eq(subscriptions.providerSubscriptionId, sql.placeholder("providerSubscriptionId"))),
);

/** A payment may arrive before the subscription it belongs to: create a placeholder any real event overrides. */
async function ensureSubscriptionRow(
  tx: DB,
  checkout: Checkout,
  supporterId: number,
  event: Extract<NormalizedEvent, { type: "payment.succeeded" }>,
  known: KnownSubscription | null,
) {
  if (!event.providerSubscriptionId || (checkout.kind !== "monthly" && checkout.kind !== "tier_monthly")) return null;
  if (known) return known.id;
  await tx
    .insert(subscriptions)
    .values({
      supporterId,
      campaignId: checkout.campaignId,
      planId: checkout.planId,
      kind: checkout.kind,
      amountMinor: event.amountMinor,
      currency: event.currency,
      status: "active",
      provider: checkout.provider,
      providerSubscriptionId: event.providerSubscriptionId,
      providerUpdatedAt: new Date(0),
    })
    .onConflictDoNothing({ target: subscriptions.providerSubscriptionId });
  // Inserted above, or there already: either way the row is there.
  const row = one(
    await tx
      .select({ id: subscriptions.id })
      .from(subscriptions)
      .where(eq(subscriptions.providerSubscriptionId, event.providerSubscriptionId)),
    "subscription just inserted or already there",
  );
  return row.id;
}

/**
 * A plan's name often says its billing already ("Digital supporter — 12 months"): the billing is
 * added only when the name does not, so no description repeats itself (ADR 035–036).
 */
function withBilling(planName: string | null, billing: string): string {
  const name = (planName ?? "Supporter").trim();
  const words = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
  return ` ${words(name)} `.includes(` ${words(billing)} `) ? name : `${name} — ${billing}`;
}

export function describeGift(
  kind: Checkout["kind"],
  campaignName: string,
  planName: string | null,
): { description: string; frequency: ReceiptSnapshot["frequency"]; purpose: PaymentPurpose } {
  const purpose = paymentPurpose(kind);
  switch (kind) {
    case "one_off":
      return { description: `One-off gift to ${campaignName}`, frequency: "once", purpose };
    case "monthly":
      return { description: `Monthly gift to ${campaignName}`, frequency: "monthly", purpose };
    case "tier_monthly":
      return { description: withBilling(planName, "monthly"), frequency: "monthly", purpose };
    case "tier_one_time":
      return { description: withBilling(planName, "12 months"), frequency: "year", purpose };
    default:
      return assertNever(kind, "payment kind");
  }
}

/**
 * A gift's description in the reader's language (ADR 049): the snapshot keeps the English words
 * staff see; a campaign gift is said again from its frequency and campaign, a plan keeps its name.
 */
export function giftDescriptionForReader(
  snapshot: Pick<ReceiptSnapshot, "description" | "frequency" | "campaignName" | "purpose">,
): string {
  if (snapshot.purpose !== "gift" || !snapshot.campaignName) return snapshot.description;
  if (snapshot.frequency === "once") return t("email.description.oneOff", { campaign: snapshot.campaignName });
  if (snapshot.frequency === "monthly") return t("email.description.monthly", { campaign: snapshot.campaignName });
  return snapshot.description;
}

async function applyPaymentSucceeded(
  tx: DB,
  event: Extract<NormalizedEvent, { type: "payment.succeeded" }>,
  last: boolean,
) {
  const checkout = await findCheckout(tx, event.checkoutId, event.type);
  if (!checkout) return;
  // Paid with its session (pairedEvents): the session must be the one we made, as on its own.
  checkSessionMatches(checkout, event);
  // A renewal's subscription is read once: its owner, its row, and when the next payment is due.
  const known = event.providerSubscriptionId ? await knownSubscription(tx, event.providerSubscriptionId) : null;
  // The supporter's locks are taken and what the receipt needs is read after them, in one round
  // trip (receiptFactsAhead is called while resolveSupporter's first statements are being sent).
  const [{ id: supporterId, profile, created }, ahead] = await Promise.all([
    resolveSupporter(tx, checkout, event.customer, event.providerSubscriptionId, known),
    receiptFactsAhead(tx, checkout, event),
  ]);
  // The receipt's supporter, where recordPayment need not read it: a renewal's owner as read
  // key-share locked (or as this transaction then left it), or the record this transaction made.
  const supporterNow = known || created ? profile : null;
  const receiptFacts = ahead && supporterNow ? { ...ahead, supporter: supporterNow } : undefined;
  const subscriptionId = await ensureSubscriptionRow(tx, checkout, supporterId, event, known);
  // An address given at checkout that the profile does not hold (someone else's checkout) is
  // where this subscription's or year's editions go; the same as the profile's, they follow the
  // profile, which its owner and staff keep up to date. The session's event brings it, in
  // whichever order it arrives; the first one given stays.
  const given = detailsGiven(checkout, event.customer);
  const deliveryAddress = await ownDeliveryAddress(tx, supporterId, given, checkout.name, profile);
  if (subscriptionId && deliveryAddress) {
    await tx
      .update(subscriptions)
      .set({ deliveryAddress })
      .where(and(eq(subscriptions.id, subscriptionId), isNull(subscriptions.deliveryAddress)));
  }
  // A 12-month payment that replaces a monthly subscription starts where the month paid for ends.
  const replaced = await replacedSubscription(tx, checkout, event.paidAt);

  const recorded = await recordPayment(tx, {
    supporterId,
    campaignId: checkout.campaignId,
    subscriptionId,
    coversFrom: replaced?.coversFrom,
    planId: checkout.planId,
    checkoutId: checkout.id,
    kind: checkout.kind,
    method: event.method,
    provider: checkout.provider,
    providerPaymentId: event.providerPaymentId,
    stripePaymentIntentId: event.paymentIntentId ?? null,
    amountMinor: event.amountMinor,
    feeCoverMinor: checkout.feeCoverMinor,
    currency: event.currency,
    anonymous: checkout.anonymous,
    // The message of support goes with the first payment only, not every renewal.
    message:
      checkout.kind === "one_off" || checkout.kind === "tier_one_time" || event.firstOfSubscription
        ? checkout.message
        : null,
    paidAt: event.paidAt,
    firstOfSubscription: event.firstOfSubscription,
    // The checkout's own payment carries what was typed there; a renewal, the supporter's name.
    donorName: event.firstOfSubscription || !subscriptionId ? (given.name ?? null) : undefined,
    deliveryAddress: subscriptionId ? null : deliveryAddress,
    ...(known && known.id === subscriptionId ? { subscriptionPeriodEnd: known.currentPeriodEnd } : {}),
    // Completed by the statement that records the payment (the row is locked: findCheckout). A
    // payment recorded already changes nothing: its checkout was completed with it; every
    // renewal's checkout is completed already.
    completesCheckout: checkout.status !== "completed",
    receiptFacts,
    // Nothing is written after it: not a year that settles a switch, not a pledge marked paid.
    commitsTransaction: last && !replaced && checkout.pledgeId === null,
  });
  // After the payment (and the receipt counter), like a renewal: the subscription's row lock is
  // taken after the counter on every path.
  if (replaced && recorded.status === "recorded") {
    await settleYearSwitch(tx, {
      subscriptionId: replaced.subscriptionId,
      checkoutId: checkout.id,
      planName: replaced.planName,
      coversFrom: replaced.coversFrom,
    });
  }
  if (recorded.status === "duplicate") {
    if (event.paymentIntentId && !recorded.stripePaymentIntentId) {
      await tx
        .update(payments)
        .set({ stripePaymentIntentId: event.paymentIntentId })
        .where(eq(payments.id, recorded.paymentId));
    }
    return;
  }
  // A phone pledge paid through its link: marked paid by the same transaction that records the money.
  if (checkout.pledgeId !== null) {
    await tx
      .update(pledges)
      .set({ status: "paid", paymentId: recorded.paymentId, updatedAt: new Date() })
      .where(and(eq(pledges.id, checkout.pledgeId), isNull(pledges.paymentId)));
  }
}

/**
 * The monthly subscription a 12-month checkout replaces, if it is still running: the 12 months
 * start at the end of the period it has paid for, so nobody pays twice for the same weeks and
 * nobody has a gap. (The provider was already asked to end it there: endSubscriptionsReplacedBy.)
 */
async function replacedSubscription(tx: DB, checkout: Checkout, paidAt: Date) {
  if (checkout.kind !== "tier_one_time" || checkout.replacesSubscriptionId === null) return null;
  const [row] = await tx
    .select({
      id: subscriptions.id,
      status: subscriptions.status,
      currentPeriodEnd: subscriptions.currentPeriodEnd,
      planName: plans.name,
    })
    .from(subscriptions)
    .leftJoin(plans, eq(plans.id, checkout.planId ?? -1))
    .where(eq(subscriptions.id, checkout.replacesSubscriptionId));
  if (!row || row.status === "canceled" || row.status === "incomplete_expired") return null;
  const coversFrom = row.currentPeriodEnd && row.currentPeriodEnd > paidAt ? row.currentPeriodEnd : paidAt;
  return { subscriptionId: row.id, coversFrom, planName: row.planName ?? "Supporter" };
}

export type NewPayment = {
  supporterId: number;
  campaignId: number;
  subscriptionId: number | null;
  planId: number | null;
  checkoutId: string | null;
  kind: Checkout["kind"];
  method: (typeof payments.$inferInsert)["method"];
  provider: (typeof payments.$inferInsert)["provider"];
  providerPaymentId: string;
  stripePaymentIntentId: string | null;
  amountMinor: number;
  feeCoverMinor: number;
  currency: Checkout["currency"];
  anonymous: boolean;
  message: string | null;
  paidAt: Date;
  firstOfSubscription: boolean;
  /** Offline payments: cheque number or bank reference, and who recorded it. */
  reference?: string | null;
  recordedByStaffId?: number | null;
  /** The name typed at the checkout this payment came from, for its receipt; else the supporter's. */
  donorName?: string | null;
  /** A 12-month payment that replaces a monthly subscription: its 12 months start here, not at paidAt. */
  coversFrom?: Date;
  /** One-time print years: where editions go, as given at checkout. */
  deliveryAddress?: DeliveryAddress | null;
  /** The subscription's period end as the caller read it in this transaction (else it is read here). */
  subscriptionPeriodEnd?: Date | null;
  /** Mark the payment's checkout completed with it (the caller holds the checkout's row lock). */
  completesCheckout?: boolean;
  /**
   * What the receipt needs, when the caller read it in this transaction already, under the same
   * locks recordPayment's own read takes (receiptFactsAhead); else it is read here.
   */
  receiptFacts?: ReceiptFacts;
  /**
   * The caller writes nothing after this payment: COMMIT is sent with its statement where the
   * driver can (commitWithNextStatement). That statement then records the payment or fails (with
   * CommitWithPaymentError, the transaction rolled back) instead of finding it recorded.
   */
  commitsTransaction?: boolean;
};

export type RecordedPayment =
  | { status: "recorded"; paymentId: number; receiptNumber: number }
  | { status: "duplicate"; paymentId: number; stripePaymentIntentId: string | null };

/**
 * Records one payment in the ledger with the next gapless receipt number, its receipt snapshot
 * and the receipt email, all in the caller's transaction. Card (webhook/simulated) and offline
 * payments go through here alike. A payment already known by (provider, providerPaymentId)
 * changes nothing.
 *
 * Two round trips: one statement reads (and key-share locks) everything the receipt needs, the
 * email and the link are made here, and one statement takes the number and writes the payment,
 * its receipt and its email (recordWithNextNumber). So deliveries queue for the counter and the
 * campaign's totals (the payment's rollup triggers) during one statement and the commit (ADR 054).
 */
export async function recordPayment(tx: DB, input: NewPayment): Promise<RecordedPayment> {
  // One round trip for everything the receipt needs. The supporter's key-share lock comes before
  // the counter (see findCheckout): the payment's foreign key needs it anyway, and taken after the
  // counter it could wait on a delivery that is waiting for the counter.
  const context =
    input.receiptFacts ??
    (await readForReceipt(tx, {
      supporterId: input.supporterId,
      campaignId: input.campaignId,
      planId: input.planId ?? -1,
      checkoutId: input.checkoutId,
      provider: input.provider,
      providerPaymentId: input.providerPaymentId,
    }));
  if (!context) throw new Error("recordPayment: the payment's supporter or campaign is missing");
  const { supporter, campaign, plan } = context;
  if (context.recorded)
    return {
      status: "duplicate",
      paymentId: context.recorded.id,
      stripePaymentIntentId: context.recorded.stripePaymentIntentId,
    };
  if (!context.settings) throw new Error("Organisation settings are missing: the database has not been seeded");
  const settingsRow = context.settings;
  const organisation = organisationDetails(settingsRow);
  // A payment without a checkout: every email.
  const choice = {
    noEmail: context.choice?.noEmail ?? false,
    noAccountLink: forbidsAccountLink(context.choice ?? {}),
    onion: context.choice?.onion ?? false,
  };
  // No address, no email: no sign-in link, and the receipt waits in "receipts to post".
  // A reader who asked for no email, or for none that signs them in, gets no link (ADR 051).
  const link =
    supporter.email && !choice.noAccountLink
      ? withGiftOrigin(choice, () =>
          newLoginLink({
            supporterId: input.supporterId,
            email: supporter.email ?? "",
            purpose: "manage",
            ttlMs: MANAGE_LINK_TTL_MS,
          }),
        )
      : null;
  const manageUrl = link?.url ?? null;
  const coversUntil = input.kind === "tier_one_time" ? addMonths(input.coversFrom ?? input.paidAt, 12) : null;
  const feeCoverMinor = input.feeCoverMinor < input.amountMinor ? input.feeCoverMinor : 0;

  const { description, frequency, purpose } = describeGift(input.kind, campaign.name, plan?.name ?? null);
  // The number is put in by the statement that takes it (recordWithNextNumber).
  const snapshot: ReceiptSnapshot = {
    receiptNumber: 0,
    issuedAt: new Date().toISOString(),
    paidAt: input.paidAt.toISOString(),
    amountMinor: input.amountMinor,
    feeCoverMinor,
    currency: input.currency,
    description,
    frequency,
    campaignName: campaign.name,
    // "" for a caller of the phone line without an email address (their receipt is posted).
    donor: {
      name: (input.donorName === undefined ? supporter.name : input.donorName) || null,
      email: supporter.email ?? "",
    },
    organisation,
    purpose,
    nextPaymentAt:
      frequency === "monthly"
        ? (await nextPaymentAfter(tx, input.subscriptionId, input.paidAt, input.subscriptionPeriodEnd)).toISOString()
        : null,
  };

  const idempotencyKey = "receipt:"; // + the payment's id, put in by recordWithNextNumber
  const discreet = campaign.discreet;
  const locale = emailLocale(supporter.locale);
  let email: OutboxRow | null = null;
  if (choice.noEmail) {
    // The receipt is on the thank-you page only, as the reader chose (ADR 051).
  } else if (plan && (input.kind === "tier_one_time" || input.firstOfSubscription)) {
    email = outboxRow({
      template: "supporter-welcome",
      to: supporter.email,
      locale,
      idempotencyKey,
      discreet,
      props: {
        receipt: snapshot,
        tierName: plan.name,
        benefits: plan.benefits,
        billing: plan.billing,
        postalAddress:
          plan.tier === "print"
            ? input.deliveryAddress
              ? formatDeliveryAddress(input.deliveryAddress)
              : await subscriptionDeliveryLines(tx, input.subscriptionId, supporter)
            : null,
        coversUntil: coversUntil?.toISOString() ?? null,
        firstEditionBy:
          plan.tier === "print" && settingsRow.firstPrintEditionDays !== null
            ? addDays(input.paidAt, settingsRow.firstPrintEditionDays).toISOString()
            : null,
        manageUrl,
      },
    });
  } else {
    email = outboxRow({
      template: input.kind === "one_off" || input.firstOfSubscription ? "donation-receipt" : "recurring-receipt",
      to: supporter.email,
      locale,
      idempotencyKey,
      discreet,
      props: { receipt: snapshot, manageUrl },
    });
  }

  const recorded = await recordWithNextNumber(tx, {
    payment: {
      ...input,
      feeCoverMinor,
      anonymous: input.anonymous || supporter.anonymous,
      coversUntil,
    },
    snapshot,
    needsPosting: !supporter.email,
    loginToken: link?.row ?? null,
    email,
  });
  if (recorded.status === "duplicate") return recorded;
  if (choice.noEmail) logger.info({ paymentId: recorded.paymentId }, "receipt not emailed: the reader chose no email");
  logger.info(
    { paymentId: recorded.paymentId, receiptNumber: recorded.receiptNumber, campaignId: input.campaignId },
    "payment recorded",
  );
  return recorded;
}

/**
 * What recordPayment reads, in one round trip (inOrder): the supporter, key-share locked, then
 * the rest of the receipt's facts. Undefined when the supporter or the campaign is missing.
 */
async function readForReceipt(tx: DB, keys: ReceiptKeys & { supporterId: number }): Promise<ReceiptFacts | undefined> {
  const [[supporter], [facts]] = await inOrder(
    supporterKeyShared(tx, { supporterId: keys.supporterId }),
    receiptFactsBesideTheSupporter(tx, keys),
  );
  return supporter && facts ? { ...facts, supporter } : undefined;
}

type ReceiptKeys = {
  campaignId: number;
  planId: number;
  checkoutId: string | null;
  provider: string;
  providerPaymentId: string;
};
type ReceiptFacts = Awaited<ReturnType<typeof receiptFactsBesideTheSupporter>>[number] & {
  supporter: typeof supporters.$inferSelect;
};

/**
 * What a card payment's receipt needs beside its supporter, read in the round trip that takes
 * the supporter's locks (sent after them, so run under them; ADR 056), for recordPayment to use
 * with the supporter resolveSupporter gave where it can: a renewal's owner (read key-share
 * locked, supporterKeyShared) or a record this transaction made (no other can lock it). An
 * existing supporter found by email or customer id is read by recordPayment, its lock taken
 * there, as before. Undefined when a part is missing (recordPayment then reads, and says what).
 */
async function receiptFactsAhead(
  tx: DB,
  checkout: Checkout,
  event: Extract<NormalizedEvent, { type: "payment.succeeded" }>,
): Promise<Omit<ReceiptFacts, "supporter"> | undefined> {
  const [facts] = await receiptFactsBesideTheSupporter(tx, {
    campaignId: checkout.campaignId,
    planId: checkout.planId ?? -1,
    checkoutId: checkout.id,
    provider: checkout.provider,
    providerPaymentId: event.providerPaymentId,
  });
  return facts;
}

/** Everything a receipt needs but its supporter: the campaign, plan, settings, the checkout's email choice, "recorded already?". */
const receiptFactsBesideTheSupporter = builtOnce((db) => {
  const recorded = alias(payments, "recorded");
  const value = (name: string) => sql.placeholder(name);
  return db
    .select({
      campaign: campaigns,
      plan: plans,
      settings,
      recorded: { id: recorded.id, stripePaymentIntentId: recorded.stripePaymentIntentId },
      choice: { noEmail: checkouts.noEmail, noAccountLink: checkouts.noAccountLink, onion: checkouts.onion },
    })
    .from(campaigns)
    .leftJoin(plans, eq(plans.id, value("planId")))
    .leftJoin(settings, sql`true`)
    .leftJoin(checkouts, sql`${checkouts.id} = ${value("checkoutId")}`)
    .leftJoin(
      recorded,
      and(eq(recorded.provider, value("provider")), eq(recorded.providerPaymentId, value("providerPaymentId"))),
    )
    .where(eq(campaigns.id, value("campaignId")));
});

/**
 * The gapless number taken last, with everything that needs it, in one statement (ADR 054): the
 * counter row is locked, the payment inserted with the next number (`on conflict do nothing`:
 * a delivery that committed the same payment while this one waited for the counter), and only if
 * it was inserted are the counter moved on, the receipt, the sign-in link and the email written
 * and the subscription's shown failure cleared. The counter's lock is then held for this one
 * statement and the commit, not for a round trip per row; a duplicate takes no number at all.
 */
async function recordWithNextNumber(
  tx: DB,
  input: {
    payment: NewPayment & { feeCoverMinor: number; anonymous: boolean; coversUntil: Date | null };
    snapshot: ReceiptSnapshot;
    needsPosting: boolean;
    loginToken: LoginTokenRow | null;
    email: OutboxRow | null;
  },
): Promise<RecordedPayment> {
  const p = input.payment;
  const token = input.loginToken;
  const email = input.email;
  const asJson = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
  const values = {
    supporterId: p.supporterId,
    campaignId: p.campaignId,
    subscriptionId: p.subscriptionId,
    planId: p.planId,
    checkoutId: p.checkoutId,
    kind: p.kind,
    method: p.method,
    provider: p.provider,
    providerPaymentId: p.providerPaymentId,
    stripePaymentIntentId: p.stripePaymentIntentId,
    amountMinor: p.amountMinor,
    feeCoverMinor: p.feeCoverMinor,
    currency: p.currency,
    anonymous: p.anonymous,
    message: p.message,
    reference: p.reference ?? null,
    recordedByStaffId: p.recordedByStaffId ?? null,
    paidAt: p.paidAt.toISOString(),
    coversUntil: p.coversUntil?.toISOString() ?? null,
    deliveryAddress: asJson(p.deliveryAddress),
    snapshot: asJson(input.snapshot),
    needsPosting: input.needsPosting,
    tokenHash: token?.tokenHash ?? null,
    tokenSupporterId: token?.supporterId ?? null,
    tokenEmail: token?.email ?? null,
    tokenPurpose: token?.purpose ?? null,
    tokenExpiresAt: token?.expiresAt.toISOString() ?? null,
    completesCheckout: p.completesCheckout ?? false,
    template: email?.template ?? null,
    toEmail: email?.toEmail ?? null,
    props: asJson(email?.props),
    idempotencyKey: email?.idempotencyKey ?? null,
    discreet: email?.discreet ?? false,
  };
  if (p.commitsTransaction && commitWithNextStatement(tx)) {
    // The transaction's last statement, sent with its COMMIT: it must record the payment or fail
    // (a payment recorded meanwhile or a missing counter would otherwise commit without it).
    const rows = await paymentWithNextNumberOrFail(tx, values).catch((error: unknown) => {
      const state = sqlState(error);
      throw state === "23505" || state === "23502" ? new CommitWithPaymentError(state, error) : error;
    });
    const inserted = one(rows, "recordWithNextNumber: the payment recorded with the commit");
    return { status: "recorded", paymentId: inserted.id, receiptNumber: inserted.receipt_number };
  }
  for (let attempt = 0; ; attempt++) {
    const rows = await paymentWithNextNumber(tx, values);
    const [inserted] = rows;
    if (inserted) return { status: "recorded", paymentId: inserted.id, receiptNumber: inserted.receipt_number };
    // Recorded by a delivery that committed while this one waited for the counter.
    const recorded = await findRecordedPayment(tx, p);
    if (recorded) return recorded;
    // A database that has never issued a receipt: make the counter (or find it made by a payment
    // that committed meanwhile), then take its first number.
    if (attempt > 0) throw new Error("payment conflict without a recorded payment");
    await tx.insert(counters).values({ name: "receipt", value: 0 }).onConflictDoNothing();
  }
}

/**
 * The payment recorded with the transaction's COMMIT right behind it: the same statement, except
 * that a payment recorded meanwhile (23505) or a missing counter (23502, the number null) is an
 * error rather than nothing inserted, so that the COMMIT rolls the transaction back.
 */
export class CommitWithPaymentError extends Error {
  constructor(sqlState: string, cause: unknown) {
    super(`the payment was not recorded by the transaction's last statement (SQLSTATE ${sqlState})`, { cause });
    this.name = "CommitWithPaymentError";
  }
}

const paymentWithNextNumber = builtOnceStatement<{ id: number; receipt_number: number }>(() =>
  paymentStatement({ strict: false }),
);
const paymentWithNextNumberOrFail = builtOnceStatement<{ id: number; receipt_number: number }>(() =>
  paymentStatement({ strict: true }),
);

function paymentStatement({ strict }: { strict: boolean }) {
  const v = (name: string) => sql.placeholder(name);
  // Strict: without a counter the number is null (a left join), so the row is refused, and a
  // conflict is an error. Either way the row is made from `taken`'s, so the payment's id is drawn
  // once the counter is locked, and ids rise with numbers.
  const source = strict
    ? sql`from (values (1)) as one_row (n) left join taken on true`
    : sql`from taken on conflict (provider, provider_payment_id) do nothing`;
  return sql`
    with taken as (
      select value + 1 as next from ${counters} where name = 'receipt' for update
    ), paid as (
      insert into ${payments} (supporter_id, campaign_id, subscription_id, plan_id, checkout_id, kind, method,
        provider, provider_payment_id, stripe_payment_intent_id, amount_minor, fee_cover_minor, currency,
        anonymous, message, receipt_number, reference, recorded_by_staff_id, paid_at, covers_until,
        delivery_address)
      select ${v("supporterId")}::int, ${v("campaignId")}::int, ${v("subscriptionId")}::int, ${v("planId")}::int,
        ${v("checkoutId")}::uuid, ${v("kind")}::text, ${v("method")}::text, ${v("provider")}::text,
        ${v("providerPaymentId")}::text, ${v("stripePaymentIntentId")}::text, ${v("amountMinor")}::bigint,
        ${v("feeCoverMinor")}::bigint, ${v("currency")}::text, ${v("anonymous")}::boolean, ${v("message")}::text,
        taken.next, ${v("reference")}::text, ${v("recordedByStaffId")}::int,
        ${v("paidAt")}::timestamptz, ${v("coversUntil")}::timestamptz, ${v("deliveryAddress")}::jsonb
      ${source}
      returning id, receipt_number
    ), counted as (
      update ${counters} set value = paid.receipt_number from paid where ${counters}.name = 'receipt'
    ), receipt as (
      insert into ${receipts} (payment_id, receipt_number, snapshot, needs_posting)
      select paid.id, paid.receipt_number,
        jsonb_set(${v("snapshot")}::jsonb, '{receiptNumber}', to_jsonb(paid.receipt_number)),
        ${v("needsPosting")}::boolean
      from paid
    ), link as (
      insert into ${loginTokens} (token_hash, supporter_id, email, purpose, expires_at)
      select ${v("tokenHash")}::text, ${v("tokenSupporterId")}::int, ${v("tokenEmail")}::text,
        ${v("tokenPurpose")}::text, ${v("tokenExpiresAt")}::timestamptz
      from paid where ${v("tokenHash")}::text is not null
      on conflict (token_hash) do nothing
    ), completed as (
      update ${checkouts} set status = 'completed', completed_at = now()
      from paid
      where ${v("completesCheckout")}::boolean and ${checkouts}.id = ${v("checkoutId")}::uuid
        and ${checkouts}.status in ('open', 'processing', 'failed')
    ), cleared as (
      update ${subscriptions} set last_failure_reason = null, next_retry_at = null
      from paid where ${subscriptions}.id = ${v("subscriptionId")}::int
    ), mail as (
      insert into ${outbox} (template, to_email, props, idempotency_key, discreet)
      select ${v("template")}::text, ${v("toEmail")}::text,
        jsonb_set(${v("props")}::jsonb, '{receipt,receiptNumber}', to_jsonb(paid.receipt_number)),
        ${v("idempotencyKey")}::text || paid.id, ${v("discreet")}::boolean
      from paid where ${v("template")}::text is not null
      on conflict (idempotency_key) do nothing
    )
    select id, receipt_number from paid`;
}

/**
 * When a monthly payment's successor is due, as its receipt says: the subscription's period end
 * when the provider told us already, else a month on (how Stripe Billing anchors a new subscription).
 */
async function nextPaymentAfter(
  tx: DB,
  subscriptionId: number | null,
  paidAt: Date,
  periodEnd?: Date | null,
): Promise<Date> {
  const end = periodEnd !== undefined ? periodEnd : await periodEndOf(tx, subscriptionId);
  return end && end > paidAt ? end : addMonths(paidAt, 1);
}

async function periodEndOf(tx: DB, subscriptionId: number | null): Promise<Date | null> {
  if (!subscriptionId) return null;
  const [row] = await tx
    .select({ end: subscriptions.currentPeriodEnd })
    .from(subscriptions)
    .where(eq(subscriptions.id, subscriptionId));
  return row?.end ?? null;
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 24 * 60 * 60_000);
}

/** `known`: the supporter's record as it now stands, when the caller has it (else it is read). */
async function ownDeliveryAddress(
  tx: DB,
  supporterId: number,
  given: DetailsGiven,
  fallbackName: string,
  known: SupporterNow["profile"],
) {
  if (!given.address) return null;
  const profile =
    known ??
    one(await tx.select().from(supporters).where(eq(supporters.id, supporterId)), "ownDeliveryAddress: the supporter");
  const differing = differingDetails(profile, { name: given.name, address: given.address });
  return differing.name || differing.address ? deliveryAddressFrom(given, fallbackName) : null;
}

/** Where a print subscription's editions go, as its welcome email says: its own address, else the profile's. */
async function subscriptionDeliveryLines(
  tx: DB,
  subscriptionId: number | null,
  supporter: typeof supporters.$inferSelect,
) {
  const [row] = subscriptionId
    ? await tx
        .select({ deliveryAddress: subscriptions.deliveryAddress })
        .from(subscriptions)
        .where(eq(subscriptions.id, subscriptionId))
    : [];
  return row?.deliveryAddress ? formatDeliveryAddress(row.deliveryAddress) : formatPostalAddress(supporter);
}

async function findRecordedPayment(
  tx: DB,
  input: Pick<NewPayment, "provider" | "providerPaymentId">,
): Promise<RecordedPayment | null> {
  const [existing] = await tx
    .select({ id: payments.id, stripePaymentIntentId: payments.stripePaymentIntentId })
    .from(payments)
    .where(and(eq(payments.provider, input.provider), eq(payments.providerPaymentId, input.providerPaymentId)));
  return existing
    ? { status: "duplicate", paymentId: existing.id, stripePaymentIntentId: existing.stripePaymentIntentId }
    : null;
}

async function applyPaymentFailed(tx: DB, event: Extract<NormalizedEvent, { type: "payment.failed" }>) {
  const checkout = await findCheckout(tx, event.checkoutId, event.type);
  if (!checkout) return;
  const campaign = one(
    await tx.select().from(campaigns).where(eq(campaigns.id, checkout.campaignId)),
    "the failed checkout's campaign",
  );
  const [plan] = checkout.planId ? await tx.select().from(plans).where(eq(plans.id, checkout.planId)) : [];
  const organisation = organisationDetails(await getOrganisationSettings(tx));
  // The subscription knows the supporter (whose email may have changed since checkout).
  const [owner] = event.providerSubscriptionId
    ? await tx
        .select({ id: supporters.id, email: supporters.email, name: supporters.name, locale: supporters.locale })
        .from(subscriptions)
        .innerJoin(supporters, eq(supporters.id, subscriptions.supporterId))
        .where(eq(subscriptions.providerSubscriptionId, event.providerSubscriptionId))
    : [];
  // Otherwise whoever already has the checkout's email: a failed payment makes no record and
  // changes none (the first payment of a subscription can fail before anyone has paid).
  const [known] = owner
    ? [owner]
    : await tx
        .select({ id: supporters.id, email: supporters.email, name: supporters.name, locale: supporters.locale })
        .from(supporters)
        .where(eq(supporters.emailKey, checkout.email.trim().toLowerCase()));
  const supporterId = known?.id ?? null;
  const email = known?.email ?? checkout.email;
  // Staff tell a caller what went wrong and when the card is tried again; a failure delivered
  // after the invoice was paid (Stripe delivers in any order) is over and changes nothing.
  const [paidSince] = await tx
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.provider, checkout.provider), eq(payments.providerPaymentId, event.providerPaymentId)));
  if (event.providerSubscriptionId && !paidSince) {
    await tx
      .update(subscriptions)
      .set({ lastFailureReason: event.reason, nextRetryAt: event.nextAttemptAt })
      .where(eq(subscriptions.providerSubscriptionId, event.providerSubscriptionId));
  }
  if (checkout.noEmail) {
    logger.info(
      { checkoutId: checkout.id, attempt: event.attemptCount },
      "payment failure recorded; no email, as chosen",
    );
    return;
  }
  const manageUrl =
    supporterId !== null && !checkout.noAccountLink
      ? await withGiftOrigin(checkout, () =>
          createLoginLink(tx, { supporterId, email, purpose: "manage", ttlMs: MANAGE_LINK_TTL_MS }),
        )
      : null;
  await enqueueEmail(tx, {
    template: "payment-failed",
    to: email,
    // Someone not yet known to us (a first payment that failed): English.
    locale: emailLocale(known?.locale),
    discreet: campaign.discreet,
    // One message per failed attempt, however often the event is delivered.
    idempotencyKey: `payment-failed:${event.providerPaymentId}:${event.attemptCount}`,
    props: {
      organisation,
      donorName: known?.name || checkout.name || null,
      description: describeGift(checkout.kind, campaign.name, plan?.name ?? null).description,
      amountMinor: event.amountMinor,
      currency: event.currency,
      reason: event.reason,
      nextAttemptAt: event.nextAttemptAt?.toISOString() ?? null,
      fixUrl: event.fixUrl ?? manageUrl ?? withGiftOrigin(checkout, () => `${publicOrigin()}/account/sign-in`),
      manageUrl,
    },
  });
  logger.info({ checkoutId: checkout.id, attempt: event.attemptCount }, "payment failure recorded");
}

/** Whether a provider event has been applied already (a repeat changes nothing). */
export async function isAppliedEvent(db: DB, eventId: string): Promise<boolean> {
  const [row] = await db.select({ id: providerEvents.id }).from(providerEvents).where(eq(providerEvents.id, eventId));
  return row !== undefined;
}

/** Whether the ledger knows a Stripe payment by any of these ids (PaymentIntent or Invoice). */
export async function isKnownStripePayment(db: DB, ids: readonly string[]): Promise<boolean> {
  if (ids.length === 0) return false;
  const [row] = await db
    .select({ id: payments.id })
    .from(payments)
    .where(
      or(
        inArray(payments.stripePaymentIntentId, ids),
        and(eq(payments.provider, "stripe"), inArray(payments.providerPaymentId, ids)),
      ),
    )
    .limit(1);
  return Boolean(row);
}

/**
 * Refund totals only grow, so an older charge.refunded event cannot undo a newer one. A total
 * that grew queues one refund confirmation (keyed by payment and total: a redelivery adds none).
 */
async function applyRefund(tx: DB, event: Extract<NormalizedEvent, { type: "payment.refunded" }>) {
  if (event.providerPaymentIds.length === 0) return;
  const matches = or(
    inArray(payments.stripePaymentIntentId, event.providerPaymentIds),
    and(
      inArray(payments.provider, ["stripe", "simulated"]),
      inArray(payments.providerPaymentId, event.providerPaymentIds),
    ),
  );
  const before = await tx
    .select({
      id: payments.id,
      refundedMinor: payments.refundedMinor,
      stripePaymentIntentId: payments.stripePaymentIntentId,
    })
    .from(payments)
    .where(matches)
    .for("update");
  if (before.length === 0) {
    if (await isAwaitedPayment(tx, event)) throw new PaymentNotRecordedYetError(event.providerPaymentIds);
    logger.warn(
      { providerPaymentIds: event.providerPaymentIds },
      "refund of a payment not made through the app ignored",
    );
    return;
  }
  // A subscription payment found through its invoice learns its PaymentIntent: its next refund,
  // or this one delivered again, is placed without asking Stripe. (One statement: a second update
  // of a row this transaction changed would re-check its foreign keys, taking locks out of order.)
  const sole = before.length === 1 ? before[0] : undefined;
  const learnsIntent =
    event.paymentIntentId && sole && !sole.stripePaymentIntentId
      ? { stripePaymentIntentId: event.paymentIntentId }
      : {};
  const updated = await tx
    .update(payments)
    .set({
      refundedMinor: sql`greatest(${payments.refundedMinor}, least(${event.refundedTotalMinor}, ${payments.amountMinor}))`,
      ...learnsIntent,
    })
    .where(matches)
    .returning({ id: payments.id, refundedMinor: payments.refundedMinor, amountMinor: payments.amountMinor });
  // What this event says, kept whether or not it raised the total: an older event delivered late
  // still dates the refund it reports (ADR 046).
  const observed = updated
    .map((row) => ({
      paymentId: row.id,
      observedAt: event.occurredAt,
      refundedTotalMinor: Math.min(event.refundedTotalMinor, row.amountMinor),
    }))
    .filter((o) => o.refundedTotalMinor > 0);
  if (observed.length > 0) await tx.insert(refundObservations).values(observed).onConflictDoNothing();
  for (const row of updated) {
    const previous = before.find((b) => b.id === row.id)?.refundedMinor ?? row.refundedMinor;
    if (row.refundedMinor > previous)
      await queueRefundConfirmation(tx, {
        paymentId: row.id,
        previousRefundedMinor: previous,
        refundedTotalMinor: row.refundedMinor,
      });
  }
}

/** The payments a refund's or a settlement's ids name: by PaymentIntent, or by the provider's payment id. */
function paymentsNamedBy(ids: readonly string[]) {
  return or(
    inArray(payments.stripePaymentIntentId, ids),
    and(inArray(payments.provider, ["stripe", "simulated"]), inArray(payments.providerPaymentId, ids)),
  );
}

/** Whether the ledger has settled the payment a settlement event is about (a repeat needs no look-up). */
export async function isSettledStripePayment(
  db: DB,
  event: Extract<NormalizedEvent, { type: "payment.settled" }>,
): Promise<boolean> {
  if (event.providerPaymentIds.length === 0) return false;
  const [row] = await db
    .select({ id: payments.id })
    .from(payments)
    .where(and(paymentsNamedBy(event.providerPaymentIds), isNotNull(payments.settledAt)))
    .limit(1);
  return Boolean(row);
}

/**
 * The provider settled a payment (ADR 050): its balance transaction's amount, currency and rate
 * are written once, and the rollup trigger moves the campaign's home-currency total from the
 * estimate to the settled amount. A balance transaction never changes, so whichever of its
 * events (charge.succeeded, charge.updated, a redelivery) arrives first writes it and the rest
 * find it written. One that arrives before its payment is retried, like a refund.
 */
async function applySettlement(tx: DB, event: Extract<NormalizedEvent, { type: "payment.settled" }>) {
  const { settlement } = event;
  if (event.providerPaymentIds.length === 0) return;
  const found = await tx
    .select({ id: payments.id, settledAt: payments.settledAt, currency: payments.currency })
    .from(payments)
    .where(paymentsNamedBy(event.providerPaymentIds))
    .for("update");
  if (found.length === 0) {
    if (await isAwaitedPayment(tx, event)) throw new PaymentNotRecordedYetError(event.providerPaymentIds);
    logger.warn(
      { providerPaymentIds: event.providerPaymentIds },
      "settlement of a payment not made through the app ignored",
    );
    return;
  }
  const [payment] = found;
  if (found.length > 1 || !payment) {
    logger.warn({ paymentIds: found.map((f) => f.id) }, "settlement names several payments: not applied");
    return;
  }
  if (payment.settledAt) return;
  // Ours and not settled, but the webhook did not learn the figures (settled meanwhile, then undone
  // by a rollback): answered 500, so Stripe delivers it again and the figures are asked for then.
  if (!settlement) throw new Error(`settlement of payment ${payment.id} without its balance transaction`);
  await tx
    .update(payments)
    .set({
      settledAmountMinor: settlement.amountMinor,
      settledCurrency: settlement.currency,
      settledExchangeRate: settlement.exchangeRate,
      stripeBalanceTransactionId: settlement.balanceTransactionId.startsWith("txn_")
        ? settlement.balanceTransactionId
        : null,
      settledAt: settlement.settledAt,
    })
    .where(and(eq(payments.id, payment.id), isNull(payments.settledAt)));
}

/**
 * Stripe delivers a refund as readily before the payment it refunds as after. Answering 500 has
 * Stripe deliver it again later (and the webhook lists it for staff meanwhile); acknowledging it
 * would lose the refund for good.
 */
export class PaymentNotRecordedYetError extends Error {
  constructor(providerPaymentIds: readonly string[]) {
    super(`refund of a payment not in the ledger yet (${providerPaymentIds.join(", ")}): Stripe will deliver it again`);
    this.name = "PaymentNotRecordedYetError";
  }
}

/**
 * Whether a refund the ledger cannot place is of a payment of ours still on its way: the charge
 * names a checkout of ours (a one-off charge carries its PaymentIntent's metadata), or Stripe
 * said its PaymentIntent paid an invoice of ours (the webhook asked, reading each invoice's
 * subscription metadata; our subscription payments are recorded by invoice). A charge or an
 * invoice made in the Dashboard has neither and is left alone.
 */
async function isAwaitedPayment(
  tx: DB,
  event: Extract<NormalizedEvent, { type: "payment.refunded" | "payment.settled" }>,
): Promise<boolean> {
  if (event.providerPaymentIds.some((id) => id !== event.paymentIntentId) && event.paymentIntentId) return true;
  if (!event.checkoutId) return false;
  const [checkout] = await tx.select({ id: checkouts.id }).from(checkouts).where(eq(checkouts.id, event.checkoutId));
  return Boolean(checkout);
}

/** The refund confirmation for a payment whose refunded total grew, from its receipt as issued. */
export async function queueRefundConfirmation(
  tx: DB,
  input: { paymentId: number; previousRefundedMinor: number; refundedTotalMinor: number },
) {
  const [row] = await tx
    .select({
      payment: payments,
      snapshot: receipts.snapshot,
      email: supporters.email,
      name: supporters.name,
      locale: supporters.locale,
      erasedAt: supporters.erasedAt,
      discreet: campaigns.discreet,
      noEmail: checkouts.noEmail,
    })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .leftJoin(checkouts, eq(checkouts.id, payments.checkoutId))
    .leftJoin(receipts, eq(receipts.paymentId, payments.id))
    .where(eq(payments.id, input.paymentId));
  // No email at all, as the reader chose for this gift (ADR 051).
  if (!row || row.erasedAt || !row.email || row.noEmail) return;
  const snapshot = row.snapshot;
  await enqueueEmail(tx, {
    template: "refund-confirmation",
    to: row.email,
    locale: emailLocale(row.locale),
    discreet: row.discreet,
    idempotencyKey: `refund:${input.paymentId}:${input.refundedTotalMinor}`,
    props: {
      organisation: snapshot?.organisation ?? organisationDetails(await getOrganisationSettings(tx)),
      donorName: row.name || null,
      receiptNumber: row.payment.receiptNumber,
      description: snapshot?.description ?? row.payment.kind,
      refundMinor: input.refundedTotalMinor - input.previousRefundedMinor,
      refundedTotalMinor: input.refundedTotalMinor,
      amountMinor: row.payment.amountMinor,
      currency: row.payment.currency,
    },
  });
}
