import { and, eq, notInArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { campaigns, checkouts, payments, plans, subscriptions, supporters } from "@db/schema";
import { formatEmailDate, formatEmailList } from "@emails/components/format";
import { createLoginLink, MANAGE_LINK_TTL_MS } from "~/auth/supporter-auth.server";
import { noAccountLinkOf, withGiftOrigin } from "./discretion.server";
import { enqueueEmail } from "~/email/outbox.server";
import { emailLocale, type EmailLocale } from "~/email/templates";
import type { MessageKey } from "~/i18n/en";
import { t } from "~/i18n/t";
import { logger } from "~/log.server";
import { formatMoney } from "~/money";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";
import { addMonths, pausedPayments } from "./billing-dates";
import { assertNever } from "~/never";

/**
 * A change a supporter asked the provider for and the provider has not confirmed yet. It is
 * written before the provider is asked and cleared by the event that confirms it, which also
 * queues the one confirmation email (keyed on the change's id).
 */
const base = { id: z.string().min(1), requestedAt: z.string() };
const TierState = z.object({ planId: z.number().int(), planName: z.string(), amountMinor: z.number().int() });

export const PendingChangeSchema = z.discriminatedUnion("kind", [
  z.object({
    ...base,
    kind: z.literal("amount"),
    from: z.object({ amountMinor: z.number().int() }),
    to: z.object({ amountMinor: z.number().int() }),
  }),
  z.object({
    ...base,
    kind: z.literal("tier"),
    from: TierState.extend({ planId: z.number().int().nullable() }),
    to: TierState,
  }),
  z.object({
    ...base,
    kind: z.literal("pause"),
    from: z.object({ pausedUntil: z.null() }),
    to: z.object({ pausedUntil: z.string() }),
  }),
  z.object({
    ...base,
    kind: z.literal("resume"),
    from: z.object({ pausedUntil: z.string() }),
    to: z.object({ pausedUntil: z.null() }),
  }),
  z.object({
    ...base,
    kind: z.literal("cancel"),
    from: z.object({ cancelAtPeriodEnd: z.literal(false) }),
    to: z.object({ cancelAtPeriodEnd: z.literal(true) }),
    /** For staff; stored on the subscription once the provider confirms. */
    reason: z.string().nullable(),
  }),
  /** Undoes a pending cancellation: the subscription carries on as before. */
  z.object({
    ...base,
    kind: z.literal("keep"),
    from: z.object({ cancelAtPeriodEnd: z.literal(true) }),
    to: z.object({ cancelAtPeriodEnd: z.literal(false) }),
  }),
  /**
   * Written by the 12-month payment's own event, never before it is paid (ADR 035): the monthly
   * subscription then ends at the end of the period already paid, where the 12 months start.
   */
  z.object({
    ...base,
    kind: z.literal("switch_to_year"),
    from: z.object({ cancelAtPeriodEnd: z.boolean() }),
    to: z.object({
      cancelAtPeriodEnd: z.literal(true),
      planName: z.string(),
      checkoutId: z.string(),
      coversFrom: z.string().optional(),
      coversUntil: z.string().optional(),
    }),
  }),
]);

export type PendingChange = z.infer<typeof PendingChangeSchema>;
export type PendingChangeKind = PendingChange["kind"];

type Subscription = typeof subscriptions.$inferSelect;

const ENDED_STATUSES = ["canceled", "incomplete_expired"];

/** Whether the subscription, as the provider now reports it, is what the change asked for. */
function isSettledBy(change: PendingChange, row: Subscription): boolean {
  switch (change.kind) {
    case "amount":
      return row.amountMinor === change.to.amountMinor;
    case "tier":
      return row.planId === change.to.planId;
    case "pause":
      // Stripe keeps whole seconds.
      return row.pausedUntil !== null && Math.abs(row.pausedUntil.getTime() - Date.parse(change.to.pausedUntil)) < 1000;
    case "resume":
      return row.pausedUntil === null;
    case "keep":
      return !row.cancelAtPeriodEnd && !ENDED_STATUSES.includes(row.status);
    case "cancel":
    case "switch_to_year":
      return row.cancelAtPeriodEnd || row.status === "canceled";
    default:
      return assertNever(change, "pending change");
  }
}

/**
 * Called with a subscription row just written by an applied provider event. Clears the pending
 * change the event confirms (or one the subscription's end made moot) and queues the confirmation.
 */
export async function settlePendingChange(tx: DB, row: Subscription) {
  if (!row.pendingChange) return;
  const parsed = PendingChangeSchema.safeParse(row.pendingChange);
  const confirmed = parsed.success && isSettledBy(parsed.data, row);
  if (parsed.success && !confirmed && !ENDED_STATUSES.includes(row.status)) return;

  const cancelReason = confirmed && parsed.data.kind === "cancel" ? { cancelReason: parsed.data.reason } : {};
  await tx
    .update(subscriptions)
    .set({ pendingChange: null, ...cancelReason })
    .where(eq(subscriptions.id, row.id));
  if (!confirmed) {
    logger.warn(
      { subscriptionId: row.id, status: row.status, readable: parsed.success },
      "pending change dropped unconfirmed",
    );
    return;
  }
  await queueConfirmation(tx, row, parsed.data);
  logger.info(
    { subscriptionId: row.id, change: parsed.data.kind, changeId: parsed.data.id },
    "subscription change confirmed",
  );
}

/**
 * The 12-month payment that replaces a monthly subscription was recorded (in this transaction):
 * the subscription's end at its period end is now the change awaited. Confirmed at once if the
 * provider's event saying so came first, else by that event when it arrives (ADR 035).
 */
export async function settleYearSwitch(
  tx: DB,
  input: { subscriptionId: number; checkoutId: string; planName: string; coversFrom: Date },
) {
  const coversUntil = addMonths(input.coversFrom, 12);
  const [current] = await tx
    .select({ cancelAtPeriodEnd: subscriptions.cancelAtPeriodEnd })
    .from(subscriptions)
    .where(eq(subscriptions.id, input.subscriptionId));
  if (!current) return;
  const change: PendingChange = {
    kind: "switch_to_year",
    id: `year:${input.checkoutId}`,
    requestedAt: new Date().toISOString(),
    from: { cancelAtPeriodEnd: current.cancelAtPeriodEnd },
    to: {
      cancelAtPeriodEnd: true,
      planName: input.planName,
      checkoutId: input.checkoutId,
      coversFrom: input.coversFrom.toISOString(),
      coversUntil: coversUntil.toISOString(),
    },
  };
  const [row] = await tx
    .update(subscriptions)
    .set({ pendingChange: change })
    .where(and(eq(subscriptions.id, input.subscriptionId), notInArray(subscriptions.status, ENDED_STATUSES)))
    .returning();
  if (row) await settlePendingChange(tx, row);
}

async function queueConfirmation(tx: DB, row: Subscription, change: PendingChange) {
  const [owner] = await tx
    .select({ supporter: supporters, campaignName: campaigns.name, discreet: campaigns.discreet })
    .from(supporters)
    .innerJoin(campaigns, eq(campaigns.id, row.campaignId))
    .where(eq(supporters.id, row.supporterId));
  // Subscriptions belong to supporters with an email address; should staff remove it, no mail.
  if (!owner || owner.supporter.erasedAt || !owner.supporter.email) return;
  // What the reader chose about email when they started this support (ADR 051): no email at all,
  // or no link into an account.
  const [choice] = await tx
    .select({
      noEmail: sql<boolean>`bool_or(${checkouts.noEmail})`,
      noAccountLink: sql<boolean>`bool_or(${noAccountLinkOf})`,
      // Started at the onion address: the link points there, whoever or whatever settles the change.
      onion: sql<boolean>`coalesce(bool_or(${checkouts.onion}), false)`,
    })
    .from(payments)
    .innerJoin(checkouts, eq(checkouts.id, payments.checkoutId))
    .where(eq(payments.subscriptionId, row.id));
  if (choice?.noEmail) return;
  const organisation = organisationDetails(await getOrganisationSettings(tx));
  const supporter = { ...owner.supporter, email: owner.supporter.email };
  const manageUrl = choice?.noAccountLink
    ? null
    : await withGiftOrigin({ onion: Boolean(choice?.onion) }, () =>
        createLoginLink(tx, {
          supporterId: supporter.id,
          email: supporter.email,
          purpose: "manage",
          ttlMs: MANAGE_LINK_TTL_MS,
        }),
      );
  const [plan] = row.planId ? await tx.select({ name: plans.name }).from(plans).where(eq(plans.id, row.planId)) : [];
  const locale = emailLocale(supporter.locale);
  await enqueueEmail(tx, {
    template: "subscription-changed",
    to: supporter.email,
    locale,
    discreet: owner.discreet,
    idempotencyKey: `subscription-changed:${change.id}`,
    // Two changes in quick succession: only the newest email about this subscription is sent.
    supersedeKey: subscriptionEmailKey(row.id),
    props: {
      organisation,
      donorName: supporter.name || null,
      description:
        row.kind === "monthly"
          ? t("email.description.monthly", { campaign: owner.campaignName }, locale)
          : (plan?.name ?? t("email.changed.supporterSubscription", {}, locale)),
      summary: describeSettledChange(change, row, organisation.timeZone, locale),
      manageUrl,
    },
  });
}

/** What the outbox calls every email about one subscription's state (see enqueueEmail's supersedeKey). */
export const subscriptionEmailKey = (subscriptionId: number) => `subscription:${subscriptionId}`;

/** The confirmation in plain words, in the supporter's language: "from your next payment you give $30 a month (was $25)." */
export function describeSettledChange(
  change: PendingChange,
  row: Pick<Subscription, "amountMinor" | "currency" | "currentPeriodEnd" | "status">,
  timeZone: string,
  locale: EmailLocale = "en",
): string {
  const money = (amountMinor: number) => formatMoney(amountMinor, row.currency, locale === "ru" ? "ru-RU" : "en-AU");
  const date = (value: Date | string) =>
    formatEmailDate(typeof value === "string" ? value : value.toISOString(), timeZone, locale);
  const say = (key: MessageKey, params: Record<string, string | number> = {}) => t(key, params, locale);
  const periodEnd = row.currentPeriodEnd ? date(row.currentPeriodEnd) : null;
  switch (change.kind) {
    case "amount":
      return say("email.changed.amount", { to: money(change.to.amountMinor), from: money(change.from.amountMinor) });
    case "tier":
      return say("email.changed.tier", {
        toPlan: change.to.planName,
        to: money(change.to.amountMinor),
        fromPlan: change.from.planName,
        from: money(change.from.amountMinor),
      });
    case "pause": {
      if (!row.currentPeriodEnd) return say("email.changed.pausedUntil", { date: date(change.to.pausedUntil) });
      const { skipped, resumesOn } = pausedPayments(row.currentPeriodEnd, new Date(change.to.pausedUntil));
      const list = skipped.map((d) => date(d));
      const skippedText =
        list.length === 0
          ? say("email.changed.noneSkipped")
          : say("email.changed.skipped", { count: list.length, dates: formatEmailList(list, locale) });
      return say("email.changed.paused", { skipped: skippedText, date: date(resumesOn) });
    }
    case "resume":
      return periodEnd ? say("email.changed.resumedNext", { date: periodEnd }) : say("email.changed.resumed");
    case "keep":
      return periodEnd ? say("email.changed.keepNext", { date: periodEnd }) : say("email.changed.keep");
    case "cancel":
      return row.status === "canceled" || !periodEnd
        ? say("email.changed.cancelled")
        : say("email.changed.cancelledOn", { date: periodEnd });
    case "switch_to_year": {
      const from = change.to.coversFrom ? date(change.to.coversFrom) : periodEnd;
      const until = change.to.coversUntil ? say("email.changed.untilDate", { date: date(change.to.coversUntil) }) : "";
      return from
        ? say("email.changed.yearFrom", { from, plan: change.to.planName, until })
        : say("email.changed.yearToday", { plan: change.to.planName, until });
    }
    default:
      return assertNever(change, "pending change");
  }
}
