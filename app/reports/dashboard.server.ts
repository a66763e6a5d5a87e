import { and, asc, count, countDistinct, desc, eq, gt, gte, inArray, isNull, lt, lte, not, notInArray, or, sql, type Column, type SQL } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, payments, plans, subscriptions, supporters, type Currency, type PaymentMethod } from "@db/schema";
import { getCampaignBySlug, getCampaignProgress, getDefaultCampaign, type Campaign, type CampaignProgress } from "~/campaigns/campaigns.server";
import { safeTimeZone, startOfDayInZone, zonedParts } from "~/dates";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { ENTITLING_STATUSES } from "~/supporters/entitlements.server";

/**
 * The staff dashboard's figures, one aggregate query each. Months are calendar months in the
 * organisation's time zone. Income is net of refunds and of fee cover, and in the campaign's
 * currency, so it adds up to the progress bar's "raised".
 */

type CampaignAt = { campaignId: number; now: Date };

const OFFLINE_METHODS = ["cheque", "bank_transfer", "cash", "other"] as const satisfies readonly PaymentMethod[];
const RECURRING_KINDS = ["monthly", "tier_monthly"] as const;

const netMinor = sql`greatest(${payments.amountMinor} - ${payments.refundedMinor} - ${payments.feeCoverMinor}, 0)`;
const sumNet = (where?: SQL) => (where ? sql<string>`coalesce(sum(${netMinor}) filter (where ${where}), 0)` : sql<string>`coalesce(sum(${netMinor}), 0)`);

/** Payments on the campaign in its own currency (the same set getCampaignProgress counts). */
const inCampaignCurrency = (campaignId: number) =>
  and(eq(payments.campaignId, campaignId), eq(payments.currency, sql`(select ${campaigns.currency} from ${campaigns} where ${campaigns.id} = ${campaignId})`));

/** A subscription that will be collected next month: MRR and "monthly donors" both count these. */
const collecting = (now: Date) =>
  and(
    inArray(subscriptions.status, [...ENTITLING_STATUSES]),
    eq(subscriptions.cancelAtPeriodEnd, false),
    or(isNull(subscriptions.pausedUntil), lte(subscriptions.pausedUntil, now)),
  );

/** "2026-05" — a calendar month, as the chart and its table name it. */
export type MonthKey = string;

export type ReportingMonth = { timeZone: string; month: MonthKey; start: Date; end: Date };

/** The calendar month `now` falls in, `offset` months later (negative: earlier), in a zone. */
export function calendarMonth(now: Date, timeZone: string, offset = 0): ReportingMonth {
  const { year, month } = zonedParts(now, timeZone);
  const first = new Date(Date.UTC(year, month - 1 + offset, 1));
  const y = first.getUTCFullYear();
  const m = first.getUTCMonth() + 1;
  return { timeZone, month: `${y}-${String(m).padStart(2, "0")}`, start: startOfDayInZone(y, m, 1, timeZone), end: startOfDayInZone(y, m + 1, 1, timeZone) };
}

async function thisMonth(db: DB, now: Date): Promise<ReportingMonth> {
  return calendarMonth(now, safeTimeZone((await getOrganisationSettings(db)).timeZone));
}

export type MonthIncome = { oneOffMinor: number; recurringMinor: number; offlineMinor: number; totalMinor: number };

/** This month's income split by how it came: offline methods first, then recurring kinds, the rest one-off. */
export async function getIncomeThisMonth(db: DB, { campaignId, now }: CampaignAt): Promise<MonthIncome> {
  const { start, end } = await thisMonth(db, now);
  const offline = inArray(payments.method, [...OFFLINE_METHODS]);
  const online = notInArray(payments.method, [...OFFLINE_METHODS]);
  const recurring = inArray(payments.kind, [...RECURRING_KINDS]);
  const [row] = await db
    .select({
      offline: sumNet(offline),
      recurring: sumNet(and(online, recurring)),
      oneOff: sumNet(and(online, not(recurring))),
    })
    .from(payments)
    .where(and(inCampaignCurrency(campaignId), gte(payments.paidAt, start), lt(payments.paidAt, end)));
  const income = { oneOffMinor: Number(row.oneOff), recurringMinor: Number(row.recurring), offlineMinor: Number(row.offline) };
  return { ...income, totalMinor: income.oneOffMinor + income.recurringMinor + income.offlineMinor };
}

export type RecurringRevenue = { mrr: { currency: Currency; amountMinor: number }[]; monthlyDonors: number };

/** Monthly recurring revenue per currency (gifts and tiers), and how many people give monthly gifts. */
export async function getRecurringRevenue(db: DB, { campaignId, now }: CampaignAt): Promise<RecurringRevenue> {
  const live = and(eq(subscriptions.campaignId, campaignId), inArray(subscriptions.kind, [...RECURRING_KINDS]), collecting(now));
  const mrr = await db
    .select({ currency: subscriptions.currency, amount: sql<string>`sum(${subscriptions.amountMinor})` })
    .from(subscriptions)
    .where(live)
    .groupBy(subscriptions.currency)
    .orderBy(asc(subscriptions.currency));
  const [donors] = await db
    .select({ count: countDistinct(subscriptions.supporterId) })
    .from(subscriptions)
    .where(and(live, eq(subscriptions.kind, "monthly")));
  return { mrr: mrr.map((r) => ({ currency: r.currency, amountMinor: Number(r.amount) })), monthlyDonors: donors.count };
}

export type SupportersByTier = { digital: number; print: number };

/**
 * Distinct supporters entitled now, by the rules of listEntitlements: a tier subscription in an
 * entitling status, or an unexpired, unrefunded one-time tier payment. Print includes digital,
 * so each person counts once, at their highest tier.
 */
export async function getSupportersByTier(db: DB, { campaignId, now }: CampaignAt): Promise<SupportersByTier> {
  const monthly = db
    .select({ supporterId: subscriptions.supporterId, tier: plans.tier })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(and(eq(subscriptions.campaignId, campaignId), eq(subscriptions.kind, "tier_monthly"), inArray(subscriptions.status, [...ENTITLING_STATUSES])));
  const oneTime = db
    .select({ supporterId: payments.supporterId, tier: plans.tier })
    .from(payments)
    .innerJoin(plans, eq(plans.id, payments.planId))
    .where(and(eq(payments.campaignId, campaignId), eq(payments.kind, "tier_one_time"), gt(payments.coversUntil, now), lt(payments.refundedMinor, sql`${payments.amountMinor}`)));
  const entitled = monthly.unionAll(oneTime).as("entitled");
  const people = db
    .select({ supporterId: entitled.supporterId, print: sql<boolean>`bool_or(${entitled.tier} = 'print')`.as("print") })
    .from(entitled)
    .groupBy(entitled.supporterId)
    .as("people");
  const [row] = await db
    .select({ print: sql<number>`count(*) filter (where ${people.print})::int`, digital: sql<number>`count(*) filter (where not ${people.print})::int` })
    .from(people);
  return { print: Number(row.print), digital: Number(row.digital) };
}

export type SubscriptionChanges = { started: number; cancelled: number };

/**
 * Subscriptions started and cancelled this month. A cancellation is dated by the provider event
 * that applied it (providerUpdatedAt): a cancelled subscription takes no later events.
 */
export async function getSubscriptionChangesThisMonth(db: DB, { campaignId, now }: CampaignAt): Promise<SubscriptionChanges> {
  const { start, end } = await thisMonth(db, now);
  const inMonth = (column: Column) => and(gte(column, start), lt(column, end));
  const [row] = await db
    .select({
      started: sql<number>`count(*) filter (where ${and(inMonth(subscriptions.createdAt), notInArray(subscriptions.status, ["incomplete", "incomplete_expired"]))})::int`,
      cancelled: sql<number>`count(*) filter (where ${and(eq(subscriptions.status, "canceled"), inMonth(subscriptions.providerUpdatedAt))})::int`,
    })
    .from(subscriptions)
    .where(eq(subscriptions.campaignId, campaignId));
  return { started: Number(row.started), cancelled: Number(row.cancelled) };
}

export type FailingSubscription = {
  subscriptionId: number;
  supporterId: number;
  supporterName: string;
  kind: "monthly" | "tier_monthly";
  planName: string | null;
  amountMinor: number;
  currency: Currency;
  lastEventAt: Date;
};

const FAILING_LIST_LIMIT = 50;

/** Subscriptions whose last payment failed (past_due), longest-failing first; the total is counted apart. */
export async function listFailingPayments(db: DB, { campaignId }: CampaignAt): Promise<{ total: number; subscriptions: FailingSubscription[] }> {
  const where = and(eq(subscriptions.campaignId, campaignId), eq(subscriptions.status, "past_due"));
  const [{ total }] = await db.select({ total: count() }).from(subscriptions).where(where);
  const rows = await db
    .select({
      subscriptionId: subscriptions.id,
      supporterId: subscriptions.supporterId,
      supporterName: sql<string>`case when ${supporters.erasedAt} is not null then 'Erased supporter' else coalesce(nullif(${supporters.name}, ''), ${supporters.email}) end`,
      kind: subscriptions.kind,
      planName: plans.name,
      amountMinor: subscriptions.amountMinor,
      currency: subscriptions.currency,
      lastEventAt: subscriptions.providerUpdatedAt,
    })
    .from(subscriptions)
    .innerJoin(supporters, eq(supporters.id, subscriptions.supporterId))
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .where(where)
    .orderBy(asc(subscriptions.providerUpdatedAt), asc(subscriptions.id))
    .limit(FAILING_LIST_LIMIT);
  return { total, subscriptions: rows };
}

export type MonthlyIncome = { month: MonthKey; netMinor: number };

/** The 12 calendar months ending with the one `now` is in, oldest first. */
export function lastTwelveMonths(now: Date, timeZone: string): ReportingMonth[] {
  return Array.from({ length: 12 }, (_, i) => calendarMonth(now, timeZone, i - 11));
}

/** One bar per month, months without income included. */
export function toMonthlyBars(months: ReportingMonth[], rows: { month: MonthKey; netMinor: number }[]): MonthlyIncome[] {
  const byMonth = new Map(rows.map((r) => [r.month, r.netMinor]));
  return months.map(({ month }) => ({ month, netMinor: byMonth.get(month) ?? 0 }));
}

/** Net income per calendar month over the last 12, grouped by the database at the organisation's time zone. */
export async function getIncomeByMonth(db: DB, { campaignId, now }: CampaignAt): Promise<MonthlyIncome[]> {
  const { timeZone } = await thisMonth(db, now);
  const months = lastTwelveMonths(now, timeZone);
  const month = sql<string>`to_char(date_trunc('month', ${payments.paidAt} at time zone ${timeZone}), 'YYYY-MM')`;
  const rows = await db
    .select({ month, net: sumNet() })
    .from(payments)
    .where(and(inCampaignCurrency(campaignId), gte(payments.paidAt, months[0].start), lt(payments.paidAt, months[11].end)))
    // By position: the zone is a bound parameter, and Postgres would not see two copies as one expression.
    .groupBy(sql`1`);
  return toMonthlyBars(months, rows.map((r) => ({ month: r.month, netMinor: Number(r.net) })));
}

export type CampaignChoice = { slug: string; name: string; isDefault: boolean };

/** Campaigns to choose between, the default first, then the newest. */
export async function listCampaignChoices(db: DB): Promise<CampaignChoice[]> {
  return db
    .select({ slug: campaigns.slug, name: campaigns.name, isDefault: campaigns.isDefault })
    .from(campaigns)
    .orderBy(desc(campaigns.isDefault), desc(campaigns.startsAt), asc(campaigns.id));
}

export type Dashboard = {
  campaign: Campaign;
  campaigns: CampaignChoice[];
  month: MonthKey;
  timeZone: string;
  progress: CampaignProgress;
  income: MonthIncome;
  recurring: RecurringRevenue;
  tiers: SupportersByTier;
  changes: SubscriptionChanges;
  failing: Awaited<ReturnType<typeof listFailingPayments>>;
  chart: MonthlyIncome[];
};

/** Everything on /admin for one campaign (the default when no slug is given); null if there is no such campaign. */
export async function getDashboard(db: DB, { campaignSlug, now = new Date() }: { campaignSlug?: string; now?: Date }): Promise<Dashboard | null> {
  const campaign = campaignSlug ? await getCampaignBySlug(db, { slug: campaignSlug }) : await getDefaultCampaign(db);
  if (!campaign) return null;
  const at = { campaignId: campaign.id, now };
  const choices = await listCampaignChoices(db);
  const { month, timeZone } = await thisMonth(db, now);
  return {
    campaign,
    campaigns: choices,
    month,
    timeZone,
    progress: await getCampaignProgress(db, campaign, now),
    income: await getIncomeThisMonth(db, at),
    recurring: await getRecurringRevenue(db, at),
    tiers: await getSupportersByTier(db, at),
    changes: await getSubscriptionChangesThisMonth(db, at),
    failing: await listFailingPayments(db, at),
    chart: await getIncomeByMonth(db, at),
  };
}
