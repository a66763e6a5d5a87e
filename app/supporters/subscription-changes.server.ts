import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, isNull, notInArray, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { NOT_RUNNING_STATUSES } from "./subscription-status";
import { campaigns, checkouts, payments, plans, subscriptions, supporters, type Currency } from "@db/schema";
import type { Plan } from "~/campaigns/campaigns.server";
import { planPriceIn, planPricesOf } from "~/campaigns/currencies.server";
import { recordAudit } from "~/audit/audit.server";
import { noControl, parseAmount } from "~/validation/fields";
import { publicOrigin } from "~/origins.server";
import { startCheckout } from "~/giving/checkout.server";
import { formValues, zodFieldErrors, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { logger } from "~/log.server";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { getPaymentProvider, PaymentProviderError, type SubscriptionRef } from "~/payments/provider.server";
import { pausedPayments, planPause } from "./billing-dates";
import type { PendingChange } from "./pending-changes.server";
import type { DomainError } from "~/domain-result";
import { assertNever } from "~/never";

/**
 * Changes a supporter makes to their own subscription. Each one: loads the subscription owned by
 * the signed-in supporter (ownership is part of every query), marks the change pending with an
 * audit entry in its own transaction, then asks the provider. Our amount, tier, pause and
 * cancellation change only when the provider's event confirms (settlePendingChange).
 */

export type ChangeFailure = {
  ok: false;
  error: Extract<DomainError, "invalid" | "not_found" | "conflict" | "unavailable">;
  errors: FieldErrors;
  formError: string;
  needsAddress?: boolean;
};
/**
 * `confirmed`: the provider had already confirmed the change when the request returned (the
 * simulated provider always, Stripe when its webhook was quicker); otherwise the page says it
 * is waiting. `paymentPageUrl`: the supporter goes to the provider's payment page; nothing has changed yet.
 */
export type ChangeOutcome =
  | {
      ok: true;
      /** The provider's payment page the supporter must go to (a year's payment, a restart); nothing has changed yet. */
      paymentPageUrl?: string;
      change: ChangeKind;
      confirmed: boolean;
      now?: { amountMinor: number; currency: string; planName?: string };
    }
  | ChangeFailure;
export type ChangeKind = SubscriptionChangeForm["intent"];

/** `actor`: staff acting on the supporter's behalf (audited as staff). */
type Owner = { supporterId: number; subscriptionId: number; actor?: { type: "staff"; id: number } };

const ENDED_STATUSES = ["canceled", "incomplete_expired"];
/** A change the provider never confirmed stops blocking new ones after this long. */
const STALE_PENDING_MS = 15 * 60_000;

const fail = (
  error: ChangeFailure["error"],
  formError: string,
  errors: FieldErrors = {},
  extra: Partial<ChangeFailure> = {},
): ChangeFailure => ({
  ok: false,
  error,
  errors,
  formError,
  ...extra,
});
const notFound = () => fail("not_found", "Not found");
const invalid = (field: string, message: string, extra: Partial<ChangeFailure> = {}) =>
  fail("invalid", t("error.form"), { [field]: message }, extra);

// ---------------------------------------------------------------------------------------------
// The form: one zod schema per intent.

const CHANGE_FIELDS = ["intent", "monthlyAmount", "plan", "months", "reason"] as const;
/** Pause lengths a supporter may choose. */
export const PAUSE_MONTHS = [1, 2, 3, 4, 5, 6] as const;

export const SubscriptionChangeFormSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("amount"),
    monthlyAmount: z.string({ message: t("error.amount.empty") }).max(50, t("error.amount.not_a_number")),
  }),
  z.object({
    intent: z.literal("tier"),
    plan: z
      .string({ message: t("account.sub.error.plan") })
      .min(1, t("account.sub.error.plan"))
      .max(100, t("account.sub.error.plan")),
  }),
  z.object({
    intent: z.literal("pause"),
    months: z.coerce
      .number({ message: t("account.sub.error.months") })
      .int(t("account.sub.error.months"))
      .min(1, t("account.sub.error.months"))
      .max(6, t("account.sub.error.months")),
  }),
  z.object({ intent: z.literal("resume") }),
  z.object({
    intent: z.literal("cancel"),
    reason: z
      .string()
      .trim()
      .max(500, t("account.sub.error.reason"))
      .refine(...noControl({ multiline: true }))
      .optional()
      .transform((v) => v || null),
  }),
  z.object({ intent: z.literal("year") }),
  z.object({ intent: z.literal("keep") }),
  z.object({ intent: z.literal("restart") }),
]);
export type SubscriptionChangeForm = z.infer<typeof SubscriptionChangeFormSchema>;

export function parseSubscriptionChangeForm(
  formData: FormData,
):
  | { ok: true; value: SubscriptionChangeForm; values: FormValues }
  | { ok: false; errors: FieldErrors; values: FormValues; formError: string } {
  const values = formValues(formData, CHANGE_FIELDS);
  const parsed = SubscriptionChangeFormSchema.safeParse(values);
  if (parsed.success) return { ok: true, value: parsed.data, values };
  const errors = zodFieldErrors(parsed.error);
  if (errors.intent) return { ok: false, errors: {}, values, formError: t("account.sub.error.intent") };
  return { ok: false, errors, values, formError: t("error.form") };
}

/** The route's one call: the change the form asked for. */
export function submitSubscriptionChange(db: DB, owner: Owner, form: SubscriptionChangeForm): Promise<ChangeOutcome> {
  switch (form.intent) {
    case "amount":
      return changeGiftAmount(db, { ...owner, amount: form.monthlyAmount });
    case "tier":
      return switchTier(db, { ...owner, planCode: form.plan });
    case "pause":
      return pauseSubscription(db, { ...owner, months: form.months });
    case "resume":
      return resumeSubscription(db, owner);
    case "cancel":
      return cancelSubscription(db, { ...owner, reason: form.reason });
    case "year":
      return switchToOneTimeYear(db, owner);
    case "keep":
      return keepSubscription(db, owner);
    case "restart":
      return restartSubscription(db, owner);
    default:
      return assertNever(form, "subscription change");
  }
}

// ---------------------------------------------------------------------------------------------
// Loading, always by owner.

async function loadOwnedSubscription(db: DB, { supporterId, subscriptionId }: Owner) {
  const [row] = await db
    .select({ sub: subscriptions, campaign: campaigns, plan: plans, supporter: supporters })
    .from(subscriptions)
    .innerJoin(campaigns, eq(campaigns.id, subscriptions.campaignId))
    .innerJoin(supporters, eq(supporters.id, subscriptions.supporterId))
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .where(
      and(
        eq(subscriptions.id, subscriptionId),
        eq(subscriptions.supporterId, supporterId),
        isNull(supporters.erasedAt),
      ),
    );
  return row ?? null;
}
type Owned = NonNullable<Awaited<ReturnType<typeof loadOwnedSubscription>>>;

function isPendingFresh(pending: Owned["sub"]["pendingChange"], now: Date) {
  return Boolean(pending && now.getTime() - Date.parse(pending.requestedAt) < STALE_PENDING_MS);
}

const isPaused = (sub: Owned["sub"], now: Date) => sub.pausedUntil !== null && sub.pausedUntil > now;

/** Why this subscription cannot be changed now, if it cannot. Only "keep" applies to one that is ending. */
function refusal(owned: Owned, now: Date, { ending = false }: { ending?: boolean } = {}): ChangeFailure | null {
  const { sub } = owned;
  if (ENDED_STATUSES.includes(sub.status)) return fail("conflict", t("account.sub.error.ended"));
  if (sub.status === "incomplete") return fail("conflict", t("account.sub.error.notStarted"));
  if (isPendingFresh(sub.pendingChange, now)) return fail("conflict", t("account.sub.error.busy"));
  if (ending ? !sub.cancelAtPeriodEnd : sub.cancelAtPeriodEnd)
    return fail("conflict", t(ending ? "account.sub.error.notEnding" : "account.sub.error.ending"));
  return null;
}

/** The checkout that started the subscription: the simulated provider reports events against it. */
async function subscriptionRef(db: DB, sub: Owned["sub"]): Promise<SubscriptionRef> {
  const [first] = await db
    .select({ checkoutId: payments.checkoutId })
    .from(payments)
    .where(and(eq(payments.subscriptionId, sub.id), sql`${payments.checkoutId} is not null`))
    .orderBy(asc(payments.id))
    .limit(1);
  return { providerSubscriptionId: sub.providerSubscriptionId, checkoutId: first?.checkoutId ?? null };
}

type NewChange = PendingChange extends infer C ? (C extends unknown ? Omit<C, "id" | "requestedAt"> : never) : never;

/**
 * Marks the change pending (refused if another is under way, or the subscription ended, since it
 * was read), then asks the provider. If the provider fails, the mark is taken off again: neither
 * side has changed, and the supporter is told so.
 */
async function requestChange(
  db: DB,
  owned: Owned,
  change: NewChange,
  ask: (ref: SubscriptionRef & { idempotencyKey: string }) => Promise<void>,
  actor: { type: "supporter" | "staff"; id: number } = { type: "supporter", id: owned.supporter.id },
): Promise<ChangeOutcome> {
  const now = new Date();
  const pending = { ...change, id: randomUUID(), requestedAt: now.toISOString() } as PendingChange;
  const { sub, supporter } = owned;
  const claimed = await db.transaction(async (tx) => {
    const rows = await tx
      .update(subscriptions)
      .set({ pendingChange: pending })
      .where(
        and(
          eq(subscriptions.id, sub.id),
          eq(subscriptions.supporterId, supporter.id),
          notInArray(subscriptions.status, ENDED_STATUSES),
          or(
            isNull(subscriptions.pendingChange),
            sql`(${subscriptions.pendingChange}->>'requestedAt')::timestamptz < ${new Date(now.getTime() - STALE_PENDING_MS).toISOString()}::timestamptz`,
          ),
        ),
      )
      .returning({ id: subscriptions.id });
    if (rows.length === 0) return false;
    await recordAudit(tx, {
      actor,
      action: `subscription.${pending.kind}`,
      target: { type: "subscription", id: sub.id },
      // Ids and amounts only: a cancellation reason is free text and stays out of the log.
      details: {
        changeId: pending.id,
        from: pending.from,
        to: pending.to,
        ...(pending.kind === "cancel" ? { hasReason: pending.reason !== null } : {}),
      },
    });
    return true;
  });
  if (!claimed) return fail("conflict", t("account.sub.error.busy"));

  const ref = await subscriptionRef(db, sub);
  try {
    await ask({ ...ref, idempotencyKey: `sub-change:${pending.id}` });
  } catch (error) {
    await db.transaction(async (tx) => {
      await tx
        .update(subscriptions)
        .set({ pendingChange: null })
        .where(
          and(
            eq(subscriptions.id, sub.id),
            eq(subscriptions.supporterId, supporter.id),
            sql`${subscriptions.pendingChange}->>'id' = ${pending.id}`,
          ),
        );
      await recordAudit(tx, {
        actor,
        action: "subscription.change_failed",
        target: { type: "subscription", id: sub.id },
        details: { changeId: pending.id, kind: pending.kind },
      });
    });
    logger.warn(
      { subscriptionId: sub.id, change: pending.kind, changeId: pending.id },
      "subscription change refused by the provider",
    );
    if (error instanceof PaymentProviderError) return fail("unavailable", error.message);
    throw error;
  }
  const [after] = await db
    .select({ pendingChange: subscriptions.pendingChange })
    .from(subscriptions)
    .where(eq(subscriptions.id, sub.id));
  const confirmed = (after?.pendingChange as { id?: string } | null)?.id !== pending.id;
  const result =
    pending.kind === "amount"
      ? { amountMinor: pending.to.amountMinor, currency: sub.currency }
      : pending.kind === "tier"
        ? { amountMinor: pending.to.amountMinor, currency: sub.currency, planName: pending.to.planName }
        : undefined;
  return {
    ok: true,
    change: pending.kind === "switch_to_year" ? "year" : pending.kind,
    confirmed,
    now: result,
  };
}

// ---------------------------------------------------------------------------------------------
// The changes.

export async function changeGiftAmount(db: DB, input: Owner & { amount: string }): Promise<ChangeOutcome> {
  const owned = await loadOwnedSubscription(db, input);
  if (!owned) return notFound();
  const refused = refusal(owned, new Date());
  if (refused) return refused;
  const { sub, campaign } = owned;
  if (sub.kind !== "monthly") return fail("invalid", t("account.sub.error.notGift"));
  const checked = parseAmount(input.amount, sub.currency, {
    min: campaign.minGiftMinor,
    max: campaign.maxGiftMinor,
  });
  if ("error" in checked) return invalid("monthlyAmount", checked.error);
  if (checked.amountMinor === sub.amountMinor) return invalid("monthlyAmount", t("account.sub.error.sameAmount"));
  const amountMinor = checked.amountMinor;
  return requestChange(
    db,
    owned,
    { kind: "amount", from: { amountMinor: sub.amountMinor }, to: { amountMinor } },
    (ref) =>
      getPaymentProvider().changeGiftAmount({
        ...ref,
        amountMinor,
        currency: sub.currency,
        description: `Monthly gift to ${campaign.name}`,
      }),
  );
}

/**
 * A plan with what it costs in the subscription's own currency (ADR 050): its own amount when it is
 * priced in that currency, else its price there from `plan_prices`; undefined when it has none.
 */
type PricedPlan = { plan: Plan; amountMinor: number };

async function priceInSubscriptionCurrency(db: DB, owned: Owned, plan: Plan): Promise<number | undefined> {
  if (plan.currency === owned.sub.currency) return plan.amountMinor;
  return planPriceIn(plan, await planPricesOf(db, plan), owned.sub.currency);
}

/**
 * Active plans of one family as the supporter's (the same currency as their plan), priced in the
 * subscription's currency where they have a price in it: a euro subscription on a dollar plan
 * moves to the other tier's euro price, never to its dollar amount.
 */
async function findPlan(
  db: DB,
  owned: Owned,
  where: { billing: "monthly" | "one_time_year"; otherTier: boolean; planCode?: string },
): Promise<PricedPlan | "not_priced" | null> {
  if (!owned.plan) return null;
  const candidates = await db
    .select()
    .from(plans)
    .where(
      and(
        eq(plans.active, true),
        eq(plans.billing, where.billing),
        eq(plans.currency, owned.plan.currency),
        where.otherTier ? sql`${plans.tier} <> ${owned.plan.tier}` : eq(plans.tier, owned.plan.tier),
        ...(where.planCode ? [eq(plans.code, where.planCode)] : []),
      ),
    )
    .orderBy(asc(plans.sortOrder), asc(plans.id));
  for (const plan of candidates) {
    const amountMinor = await priceInSubscriptionCurrency(db, owned, plan);
    if (amountMinor !== undefined) return { plan, amountMinor };
  }
  return candidates.length > 0 ? "not_priced" : null;
}

/** The monthly plan of the other tier, if the supporter's tier has one. */
const findOtherTierPlan = (db: DB, owned: Owned, planCode?: string) =>
  findPlan(db, owned, { billing: "monthly", otherTier: true, planCode });

/** The 12-month plan of the supporter's tier. */
const findYearPlan = (db: DB, owned: Owned) => findPlan(db, owned, { billing: "one_time_year", otherTier: false });

const priced = (found: PricedPlan | "not_priced" | null) => (found === "not_priced" ? null : found);

/** Digital ↔ print, monthly. Prorated by the provider; print needs somewhere to post it. */
export async function switchTier(db: DB, input: Owner & { planCode: string }): Promise<ChangeOutcome> {
  const owned = await loadOwnedSubscription(db, input);
  if (!owned) return notFound();
  const refused = refusal(owned, new Date());
  if (refused) return refused;
  const { sub, plan: current, supporter } = owned;
  if (sub.kind !== "tier_monthly" || !current) return fail("invalid", t("account.sub.error.notTier"));
  const found = await findOtherTierPlan(db, owned, input.planCode);
  if (!found) return invalid("plan", t("account.sub.error.plan"));
  if (found === "not_priced") return invalid("plan", t("account.sub.error.notPricedIn", { currency: sub.currency }));
  const { plan: target, amountMinor } = found;
  if (target.tier === "print" && !supporter.addressLine1)
    return invalid("plan", t("account.sub.error.needsAddress"), { needsAddress: true });
  return requestChange(
    db,
    owned,
    {
      kind: "tier",
      from: { planId: current.id, planName: current.name, amountMinor: sub.amountMinor },
      to: { planId: target.id, planName: target.name, amountMinor },
    },
    // Stripe's Price answers in the subscription's currency from its currency options.
    (ref) =>
      getPaymentProvider().switchTier({ ...ref, lookupKey: target.lookupKey, amountMinor, currency: sub.currency }),
  );
}

export async function pauseSubscription(db: DB, input: Owner & { months: number }): Promise<ChangeOutcome> {
  if (!Number.isInteger(input.months) || input.months < 1 || input.months > 6)
    return invalid("months", t("account.sub.error.months"));
  const owned = await loadOwnedSubscription(db, input);
  if (!owned) return notFound();
  const now = new Date();
  const refused = refusal(owned, now);
  if (refused) return refused;
  if (isPaused(owned.sub, now)) return fail("conflict", t("account.sub.error.alreadyPaused"));
  const { resumesAt } = planPause(nextPaymentFrom(owned.sub, now), input.months);
  return requestChange(
    db,
    owned,
    { kind: "pause", from: { pausedUntil: null }, to: { pausedUntil: resumesAt.toISOString() } },
    (ref) => getPaymentProvider().pauseCollection({ ...ref, resumesAt }),
    input.actor,
  );
}

export async function resumeSubscription(db: DB, input: Owner): Promise<ChangeOutcome> {
  const owned = await loadOwnedSubscription(db, input);
  if (!owned) return notFound();
  const now = new Date();
  const refused = refusal(owned, now);
  if (refused) return refused;
  const { pausedUntil } = owned.sub;
  if (!pausedUntil || !isPaused(owned.sub, now)) return fail("conflict", t("account.sub.error.notPaused"));
  return requestChange(
    db,
    owned,
    { kind: "resume", from: { pausedUntil: pausedUntil.toISOString() }, to: { pausedUntil: null } },
    (ref) => getPaymentProvider().resumeCollection(ref),
  );
}

/** At the end of the paid period; the optional reason is kept for staff once the provider confirms. */
export async function cancelSubscription(db: DB, input: Owner & { reason: string | null }): Promise<ChangeOutcome> {
  const reason = input.reason?.trim() || null;
  if (reason && reason.length > 500) return invalid("reason", t("account.sub.error.reason"));
  const owned = await loadOwnedSubscription(db, input);
  if (!owned) return notFound();
  const refused = refusal(owned, new Date());
  if (refused) return refused;
  return requestChange(
    db,
    owned,
    { kind: "cancel", from: { cancelAtPeriodEnd: false }, to: { cancelAtPeriodEnd: true }, reason },
    (ref) => getPaymentProvider().cancelSubscription({ ...ref, atPeriodEnd: true }),
    input.actor,
  );
}

/** Undo: a cancellation at the period end that has not happened yet is taken back in one step. */
export async function keepSubscription(db: DB, input: Owner): Promise<ChangeOutcome> {
  const owned = await loadOwnedSubscription(db, input);
  if (!owned) return notFound();
  const refused = refusal(owned, new Date(), { ending: true });
  if (refused) return refused;
  const [replaced] = await db
    .select({ id: checkouts.id })
    .from(checkouts)
    .innerJoin(payments, eq(payments.checkoutId, checkouts.id))
    .where(eq(checkouts.replacesSubscriptionId, owned.sub.id))
    .limit(1);
  if (replaced) return fail("conflict", t("account.sub.error.replaced"));
  return requestChange(
    db,
    owned,
    { kind: "keep", from: { cancelAtPeriodEnd: true }, to: { cancelAtPeriodEnd: false } },
    (ref) => getPaymentProvider().keepSubscription(ref),
    input.actor,
  );
}

/**
 * The next payment a pause skips first: the end of the period paid for, or now for a
 * subscription whose period is unknown or behind (a failed payment being retried).
 */
function nextPaymentFrom(sub: Owned["sub"], now: Date): Date {
  return sub.currentPeriodEnd && sub.currentPeriodEnd > now ? sub.currentPeriodEnd : now;
}

/**
 * From monthly to one payment for 12 months of the same tier. Only the payment page is made
 * here, linked to this subscription; the subscription is not touched. The payment's own event,
 * and nothing else, ends the monthly subscription at the end of the period already paid, where
 * the 12 months start (ADR 035). Leaving the payment page changes nothing and sends nothing.
 */
export async function switchToOneTimeYear(db: DB, input: Owner): Promise<ChangeOutcome> {
  const owned = await loadOwnedSubscription(db, input);
  if (!owned) return notFound();
  const refused = refusal(owned, new Date());
  if (refused) return refused;
  if (owned.sub.kind !== "tier_monthly") return fail("invalid", t("account.sub.error.notTier"));
  const year = await findYearPlan(db, owned);
  if (year === "not_priced")
    return fail("conflict", t("account.sub.error.notPricedIn", { currency: owned.sub.currency }));
  if (!year) return fail("conflict", t("account.sub.error.noYearPlan"));
  const { plan: yearPlan, amountMinor } = year;
  // Checkout needs an email address (subscriptions always start with one; staff could remove it).
  const email = owned.supporter.email;
  if (!email) return fail("conflict", t("account.sub.error.needsEmail"));
  return startReplacementCheckout(db, owned, {
    plan: yearPlan,
    kind: "tier_one_time",
    currency: owned.sub.currency,
    amountMinor,
    email,
    description: yearPlan.name,
    replacesSubscriptionId: owned.sub.id,
    change: "year",
  });
}

/**
 * After support has ended: a new checkout with the same tier (or the same monthly gift) and
 * the supporter's details, back on this page if they leave it. Print editions go to the
 * supporter's postal address, which the checkout asks for again.
 */
export async function restartSubscription(db: DB, input: Owner): Promise<ChangeOutcome> {
  const owned = await loadOwnedSubscription(db, input);
  if (!owned) return notFound();
  if (!ENDED_STATUSES.includes(owned.sub.status)) return fail("conflict", t("account.sub.error.notEnded"));
  if (await runningOfSameKind(db, owned)) return fail("conflict", t("account.sub.error.runningAgain"));
  const email = owned.supporter.email;
  if (!email) return fail("conflict", t("account.sub.error.needsEmail"));
  const restart = owned.sub.kind === "tier_monthly" ? await findRestartPlan(db, owned) : null;
  if (owned.sub.kind === "tier_monthly" && !restart) return fail("conflict", t("account.sub.error.noRestartPlan"));
  const plan = restart?.plan ?? null;
  return startReplacementCheckout(db, owned, {
    plan,
    kind: owned.sub.kind,
    // In the currency it was paid in, as it was (ADR 050).
    currency: owned.sub.currency,
    amountMinor: restart ? restart.amountMinor : owned.sub.amountMinor,
    email,
    description: plan ? plan.name : `Monthly gift to ${owned.campaign.name}`,
    replacesSubscriptionId: null,
    change: "restart",
  });
}

/**
 * The supporter's running subscription of the same kind for the same campaign (started again, or
 * started anew from /support): while there is one, an ended one is not offered again, since a
 * second would charge twice for the same support.
 */
async function runningOfSameKind(db: DB, owned: Owned) {
  const [row] = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.supporterId, owned.supporter.id),
        eq(subscriptions.campaignId, owned.sub.campaignId),
        eq(subscriptions.kind, owned.sub.kind),
        notInArray(subscriptions.status, [...NOT_RUNNING_STATUSES]),
      ),
    )
    .orderBy(desc(subscriptions.id))
    .limit(1);
  return row ?? null;
}

/**
 * The same monthly plan, if still offered; else the current monthly plan of the same tier; either
 * at its price in the subscription's currency (ADR 050), and none when it has no price in it.
 */
async function findRestartPlan(db: DB, owned: Owned): Promise<PricedPlan | null> {
  if (!owned.plan) return null;
  if (owned.plan.active && owned.plan.billing === "monthly") {
    const amountMinor = await priceInSubscriptionCurrency(db, owned, owned.plan);
    if (amountMinor !== undefined) return { plan: owned.plan, amountMinor };
  }
  return priced(await findPlan(db, owned, { billing: "monthly", otherTier: false }));
}

async function startReplacementCheckout(
  db: DB,
  owned: Owned,
  input: {
    plan: typeof plans.$inferSelect | null;
    kind: "tier_one_time" | "tier_monthly" | "monthly";
    /** The currency of the subscription it replaces; the campaign's home currency when not given. */
    currency?: Currency;
    amountMinor: number;
    email: string;
    description: string;
    replacesSubscriptionId: number | null;
    change: "year" | "restart";
  },
): Promise<ChangeOutcome> {
  let checkout: { checkoutId: string; url: string };
  try {
    checkout = await startCheckout(db, {
      campaign: owned.campaign,
      plan: input.plan,
      kind: input.kind,
      currency: input.currency,
      amountMinor: input.amountMinor,
      feeCoverMinor: 0,
      email: input.email,
      name: owned.supporter.name || null,
      anonymous: owned.supporter.anonymous,
      message: null,
      description: input.description,
      returnPath: `/account/subscriptions/${owned.sub.id}`,
      supporterId: owned.supporter.id,
      providerCustomerId: owned.supporter.stripeCustomerId,
    });
  } catch (error) {
    if (error instanceof PaymentProviderError) return fail("unavailable", error.message);
    throw error;
  }
  if (input.replacesSubscriptionId !== null) {
    // Before anyone has the payment page's address, so its payment always finds the link.
    await db
      .update(checkouts)
      .set({ replacesSubscriptionId: input.replacesSubscriptionId })
      .where(eq(checkouts.id, checkout.checkoutId));
  }
  await recordAudit(db, {
    actor: { type: "supporter", id: owned.supporter.id },
    action: input.change === "year" ? "subscription.year_checkout" : "subscription.restart_checkout",
    target: { type: "subscription", id: owned.sub.id },
    details: { checkoutId: checkout.checkoutId },
  });
  return { ok: true, paymentPageUrl: checkout.url, change: input.change, confirmed: false };
}

/** A hosted page where the supporter replaces their card; it then pays for all their support. */
export async function startCardUpdate(
  db: DB,
  { supporterId }: { supporterId: number },
): Promise<{ ok: true; url: string } | { ok: false; formError: string }> {
  const [supporter] = await db
    .select({ id: supporters.id, stripeCustomerId: supporters.stripeCustomerId })
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!supporter) return { ok: false, formError: "Not found" };
  try {
    const { url } = await getPaymentProvider().startCardUpdate({
      providerCustomerId: supporter.stripeCustomerId,
      supporterId,
      // Back to the address the supporter came from (the onion one too, ADR 051).
      returnUrl: `${publicOrigin()}/account/card?returned=1`,
    });
    return { ok: true, url };
  } catch (error) {
    if (error instanceof PaymentProviderError) return { ok: false, formError: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// What the subscription page shows.

export async function getSubscriptionPage(db: DB, owner: Owner) {
  const owned = await loadOwnedSubscription(db, owner);
  if (!owned) return null;
  const now = new Date();
  const { sub, campaign, plan, supporter } = owned;
  const [otherTier, yearPlan, settings] = await Promise.all([
    sub.kind === "tier_monthly" ? findOtherTierPlan(db, owned).then(priced) : null,
    sub.kind === "tier_monthly" ? findYearPlan(db, owned).then(priced) : null,
    getOrganisationSettings(db),
  ]);
  const ended = ENDED_STATUSES.includes(sub.status);
  const paused = isPaused(sub, now);
  const pending = isPendingFresh(sub.pendingChange, now) ? sub.pendingChange : null;
  const canChange = !ended && sub.status !== "incomplete" && !sub.cancelAtPeriodEnd && pending === null;
  const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
  const pausedDates =
    paused && sub.pausedUntil && sub.currentPeriodEnd ? pausedPayments(sub.currentPeriodEnd, sub.pausedUntil) : null;
  const runningAgain = ended ? await runningOfSameKind(db, owned) : null;
  const restartPlan = ended && !runningAgain && sub.kind === "tier_monthly" ? await findRestartPlan(db, owned) : null;
  // A paid 12-month move ends this subscription on purpose: keeping it would charge twice.
  const [replacedBy] =
    sub.kind === "tier_monthly"
      ? await db
          .select({ coversUntil: payments.coversUntil })
          .from(payments)
          .innerJoin(checkouts, eq(checkouts.id, payments.checkoutId))
          .where(and(eq(checkouts.replacesSubscriptionId, sub.id), eq(payments.supporterId, supporter.id)))
          .limit(1)
      : [];
  return {
    id: sub.id,
    kind: sub.kind,
    what: plan?.name ?? `Monthly gift to ${campaign.name}`,
    tier: plan?.tier ?? null,
    amountMinor: sub.amountMinor,
    currency: sub.currency,
    status: sub.status,
    nextPaymentAt: ended || sub.cancelAtPeriodEnd || paused ? null : sub.currentPeriodEnd,
    endsAt: sub.cancelAtPeriodEnd ? sub.currentPeriodEnd : null,
    pausedUntil: paused ? sub.pausedUntil : null,
    updating: pending !== null,
    pendingKind: pending?.kind ?? null,
    canChange,
    /** A cancellation at the period end that can still be taken back. */
    canKeep: !ended && sub.status !== "incomplete" && sub.cancelAtPeriodEnd && pending === null && !replacedBy,
    replacedByYearUntil: replacedBy?.coversUntil ?? null,
    /** Each pause length with the payments it skips and the first payment after it. */
    pauseOptions:
      canChange && !paused
        ? PAUSE_MONTHS.map((months) => {
            const plan = planPause(nextPaymentFrom(sub, now), months);
            return { months, skipped: iso(plan.skipped), resumesOn: plan.resumesOn.toISOString() };
          })
        : [],
    paused: pausedDates ? { skipped: iso(pausedDates.skipped), resumesOn: pausedDates.resumesOn.toISOString() } : null,
    /** After support ended: the same tier (or gift) again, through a new checkout. */
    /** The subscription that carries this support on now, when it was started again. */
    runningAgainId: runningAgain?.id ?? null,
    restart:
      ended && !runningAgain && (sub.kind === "monthly" || restartPlan)
        ? {
            what: restartPlan?.plan.name ?? `a monthly gift to ${campaign.name}`,
            amountMinor: restartPlan?.amountMinor ?? sub.amountMinor,
          }
        : null,
    amountBounds: sub.kind === "monthly" ? { minMinor: campaign.minGiftMinor, maxMinor: campaign.maxGiftMinor } : null,
    otherTier: otherTier
      ? {
          code: otherTier.plan.code,
          name: otherTier.plan.name,
          tier: otherTier.plan.tier,
          amountMinor: otherTier.amountMinor,
        }
      : null,
    yearPlan: yearPlan
      ? { code: yearPlan.plan.code, name: yearPlan.plan.name, amountMinor: yearPlan.amountMinor }
      : null,
    hasPostalAddress: Boolean(supporter.addressLine1),
    timeZone: settings.timeZone,
  };
}
export type SubscriptionPage = NonNullable<Awaited<ReturnType<typeof getSubscriptionPage>>>;
