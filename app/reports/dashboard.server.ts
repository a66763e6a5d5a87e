import { and, asc, count, desc, eq, gt, gte, lt, notInArray, sql, type Column, type SQL } from "drizzle-orm";
import { rowsOf, type DB } from "@db/client.server";
import { one } from "@db/rows";
import {
  campaignIncomeBuckets,
  campaigns,
  campaignSubscriptionFigures,
  campaignSubscriptionPeople,
  plans,
  pledges,
  subscriptions,
  supporters,
  type Currency,
} from "@db/schema";
import {
  getCampaignBySlug,
  getCampaignProgress,
  getIncomeByCurrency,
  type CurrencyIncome,
  getDefaultCampaign,
  type Campaign,
  type CampaignProgress,
} from "~/campaigns/campaigns.server";
import { safeTimeZone, startOfDayInZone, zonedParts } from "~/dates";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { ENTITLING_STATUSES } from "~/supporters/entitlements.server";

/**
 * The staff dashboard's figures, one aggregate query each, run side by side. Months are calendar
 * months in the organisation's time zone. Income is net of refunds and of fee cover, and in the
 * campaign's currency, so it adds up to the progress bar's "raised". Income comes from the
 * quarter-hour rollup a trigger keeps (ADR 012), never from summing the ledger per request.
 */

type CampaignAt = { campaignId: number; now: Date };

const buckets = campaignIncomeBuckets;
const bucketNet = sql`${buckets.oneOffMinor} + ${buckets.recurringMinor} + ${buckets.offlineMinor}`;
const total = (column: SQL | Column) => sql<string>`coalesce(sum(${column}), 0)`;

/** The campaign's income in its own currency (the same payments getCampaignProgress counts) from `start` to `end`. */
const campaignIncomeBetween = (campaignId: number, start: Date, end: Date) =>
  and(
    eq(buckets.campaignId, campaignId),
    eq(buckets.currency, sql`(select ${campaigns.currency} from ${campaigns} where ${campaigns.id} = ${campaignId})`),
    gte(buckets.bucketStart, start),
    lt(buckets.bucketStart, end),
  );

/**
 * `column in ('a', 'b')` with the values written into the SQL: a partial index is used only when
 * the query's own text implies the index's predicate, which a bound parameter never does.
 * For constants of the code only, never for input.
 */
const inLiterals = (column: Column, values: readonly string[]) =>
  sql`${column} in (${sql.raw(values.map((v) => `'${v.replaceAll("'", "''")}'`).join(", "))})`;

/** Entitling subscriptions, the list written into the SQL so that a partial index may serve it. */
const entitling = inLiterals(subscriptions.status, ENTITLING_STATUSES);

/** "2026-05" — a calendar month, as the chart and its table name it. */
export type MonthKey = string;

export type ReportingMonth = { timeZone: string; month: MonthKey; start: Date; end: Date };

/** The calendar month `now` falls in, `offset` months later (negative: earlier), in a zone. */
export function calendarMonth(now: Date, timeZone: string, offset = 0): ReportingMonth {
  const { year, month } = zonedParts(now, timeZone);
  const first = new Date(Date.UTC(year, month - 1 + offset, 1));
  const y = first.getUTCFullYear();
  const m = first.getUTCMonth() + 1;
  return {
    timeZone,
    month: `${y}-${String(m).padStart(2, "0")}`,
    start: startOfDayInZone(y, m, 1, timeZone),
    end: startOfDayInZone(y, m + 1, 1, timeZone),
  };
}

async function thisMonth(db: DB, now: Date): Promise<ReportingMonth> {
  return calendarMonth(now, safeTimeZone((await getOrganisationSettings(db)).timeZone));
}

export type MonthIncome = { oneOffMinor: number; recurringMinor: number; offlineMinor: number; totalMinor: number };

/** This month's income split by how it came: offline methods first, then recurring kinds, the rest one-off. */
export async function getIncomeThisMonth(db: DB, { campaignId, now }: CampaignAt): Promise<MonthIncome> {
  const { start, end } = await thisMonth(db, now);
  const row = one(
    await db
      .select({
        offline: total(buckets.offlineMinor),
        recurring: total(buckets.recurringMinor),
        oneOff: total(buckets.oneOffMinor),
      })
      .from(buckets)
      .where(campaignIncomeBetween(campaignId, start, end)),
    "getIncomeThisMonth: sums",
  );
  const income = {
    oneOffMinor: Number(row.oneOff),
    recurringMinor: Number(row.recurring),
    offlineMinor: Number(row.offline),
  };
  return { ...income, totalMinor: income.oneOffMinor + income.recurringMinor + income.offlineMinor };
}

export type RecurringRevenue = { mrr: { currency: Currency; amountMinor: number }[]; monthlyDonors: number };

const figures = campaignSubscriptionFigures;
const people = campaignSubscriptionPeople;

type StoredFigures = Awaited<ReturnType<typeof storedFigures>>;

/** The campaign's subscription figures as the triggers keep them (pauses and years not yet applied). */
async function storedFigures(db: DB, campaignId: number) {
  const rows = await db
    .select({
      currency: figures.currency,
      recurring: total(figures.recurringMinor),
      monthlyDonors: total(figures.monthlyDonors),
      tierPeople: total(figures.tierPeople),
      printPeople: total(figures.printPeople),
    })
    .from(figures)
    .where(eq(figures.campaignId, campaignId))
    .groupBy(figures.currency);
  const sum = (key: "monthlyDonors" | "tierPeople" | "printPeople") => rows.reduce((n, row) => n + Number(row[key]), 0);
  return {
    recurring: rows
      .filter((row) => row.currency !== null)
      .map((row) => ({ currency: row.currency as Currency, amountMinor: Number(row.recurring) })),
    monthlyDonors: sum("monthlyDonors"),
    tierPeople: sum("tierPeople"),
    printPeople: sum("printPeople"),
  };
}

/**
 * Monthly recurring revenue per currency (gifts and tiers) and how many people give monthly
 * gifts, from the rollups the triggers keep (ADR 024), less what is paused at `now`: the
 * subscriptions paused past it, and the donors whose every gift is.
 */
export async function getRecurringRevenue(
  db: DB,
  { campaignId, now }: CampaignAt,
  stored: Promise<StoredFigures> = storedFigures(db, campaignId),
): Promise<RecurringRevenue> {
  const [{ recurring, monthlyDonors }, paused, pausedDonors] = await Promise.all([
    stored,
    db
      .select({ currency: subscriptions.currency, amount: total(subscriptions.amountMinor) })
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.campaignId, campaignId),
          gt(subscriptions.pausedUntil, now),
          entitling,
          eq(subscriptions.cancelAtPeriodEnd, false),
        ),
      )
      .groupBy(subscriptions.currency),
    db
      .select({ n: count() })
      .from(people)
      .where(and(eq(people.campaignId, campaignId), gt(people.monthlyPausedUntil, now)))
      .then((rows) => one(rows, "getRecurringRevenue: count of paused donors")),
  ]);
  const pausedIn = new Map(paused.map((row) => [row.currency, Number(row.amount)]));
  const mrr = recurring
    .map(({ currency, amountMinor }) => ({ currency, amountMinor: amountMinor - (pausedIn.get(currency) ?? 0) }))
    .filter((row) => row.amountMinor > 0)
    .sort((a, b) => a.currency.localeCompare(b.currency));
  return { mrr, monthlyDonors: monthlyDonors - pausedDonors.n };
}

/**
 * Folds the figures' appended changes into one row per campaign and currency (a scheduled job):
 * reading them stays a sum of a few rows. Returns how many rows it took away.
 */
export async function foldSubscriptionFigures(db: DB): Promise<{ folded: number }> {
  const row = one(
    rowsOf<{ folded: number }>(await db.execute(sql`select fold_subscription_figures() as folded`)),
    "fold_subscription_figures()",
  );
  return { folded: Number(row.folded) };
}

export type SupportersByTier = { digital: number; print: number };

/**
 * Distinct supporters entitled now, by the rules of listEntitlements: a tier subscription in an
 * entitling status, or an unexpired, unrefunded one-time tier payment. Print includes digital,
 * so each person counts once, at their highest tier: digital = everyone entitled − print.
 * Subscribers come from the rollups (ADR 024); to them are added the people with no such
 * subscription whose latest one-time year ends after `now`.
 */
export async function getSupportersByTier(
  db: DB,
  { campaignId, now }: CampaignAt,
  stored: Promise<StoredFigures> = storedFigures(db, campaignId),
): Promise<SupportersByTier> {
  const [{ tierPeople, printPeople }, yearsOnly, printYearsOnly] = await Promise.all([
    stored,
    db
      .select({ n: count() })
      .from(people)
      .where(and(eq(people.campaignId, campaignId), eq(people.tierSubscriptions, 0), gt(people.tierYearsUntil, now)))
      .then((rows) => one(rows, "getSupportersByTier: count of tier years")),
    db
      .select({ n: count() })
      .from(people)
      .where(and(eq(people.campaignId, campaignId), eq(people.printSubscriptions, 0), gt(people.printYearsUntil, now)))
      .then((rows) => one(rows, "getSupportersByTier: count of print years")),
  ]);
  const everyone = tierPeople + yearsOnly.n;
  const print = printPeople + printYearsOnly.n;
  return { print, digital: everyone - print };
}

export type SubscriptionChanges = { started: number; cancelled: number };

/**
 * Subscriptions started and cancelled this month. A cancellation is dated by the provider event
 * that applied it (providerUpdatedAt): a cancelled subscription takes no later events.
 */
export async function getSubscriptionChangesThisMonth(
  db: DB,
  { campaignId, now }: CampaignAt,
): Promise<SubscriptionChanges> {
  const { start, end } = await thisMonth(db, now);
  const inMonth = (column: Column) => and(gte(column, start), lt(column, end));
  // Two counts, each a range of one index, rather than one pass over every subscription.
  const [started, cancelled] = await Promise.all([
    db
      .select({ n: count() })
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.campaignId, campaignId),
          inMonth(subscriptions.createdAt),
          notInArray(subscriptions.status, ["incomplete", "incomplete_expired"]),
        ),
      )
      .then((rows) => one(rows, "count of subscriptions started")),
    db
      .select({ n: count() })
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.campaignId, campaignId),
          eq(subscriptions.status, "canceled"),
          inMonth(subscriptions.providerUpdatedAt),
        ),
      )
      .then((rows) => one(rows, "count of subscriptions cancelled")),
  ]);
  return { started: started.n, cancelled: cancelled.n };
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
export async function listFailingPayments(
  db: DB,
  { campaignId }: CampaignAt,
): Promise<{ total: number; subscriptions: FailingSubscription[] }> {
  const where = and(eq(subscriptions.campaignId, campaignId), eq(subscriptions.status, "past_due"));
  const { total } = one(
    await db.select({ total: count() }).from(subscriptions).where(where),
    "count of failing subscriptions",
  );
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

export type PendingPledges = { count: number; amountMinor: number; oldestAt: Date | null };

/** Pledges taken on the phone line and not yet paid, cancelled or expired: money promised, not received. */
export async function getPendingPledges(db: DB, { campaignId }: CampaignAt): Promise<PendingPledges> {
  const row = one(
    await db
      .select({
        count: sql<number>`count(*)::int`,
        amountMinor: sql<string>`coalesce(sum(${pledges.amountMinor}), 0)`,
        oldestAt: sql<Date | null>`min(${pledges.createdAt})`.mapWith((value: string | Date | null) =>
          value === null ? null : new Date(value),
        ),
      })
      .from(pledges)
      .where(and(eq(pledges.campaignId, campaignId), eq(pledges.status, "pending"))),
    "getPendingPledges: sums",
  );
  return { count: row.count, amountMinor: Number(row.amountMinor), oldestAt: row.oldestAt };
}

export type MonthlyIncome = { month: MonthKey; netMinor: number };

/** The 12 calendar months ending with the one `now` is in, oldest first. */
export function lastTwelveMonths(now: Date, timeZone: string): ReportingMonth[] {
  return Array.from({ length: 12 }, (_, i) => calendarMonth(now, timeZone, i - 11));
}

/** One bar per month, months without income included. */
export function toMonthlyBars(
  months: ReportingMonth[],
  rows: { month: MonthKey; netMinor: number }[],
): MonthlyIncome[] {
  const byMonth = new Map(rows.map((r) => [r.month, r.netMinor]));
  return months.map(({ month }) => ({ month, netMinor: byMonth.get(month) ?? 0 }));
}

/**
 * Net income per calendar month over the last 12. The months' bounds are instants computed here
 * in the organisation's time zone, so the database only compares timestamps (converting each
 * quarter hour to local time costs more than all the rest).
 */
export async function getIncomeByMonth(db: DB, { campaignId, now }: CampaignAt): Promise<MonthlyIncome[]> {
  const { timeZone } = await thisMonth(db, now);
  const months = lastTwelveMonths(now, timeZone);
  const perMonth = Object.fromEntries(
    months.map(({ start, end }, i) => [
      `m${i}`,
      sql<string>`coalesce(sum(${bucketNet}) filter (where ${and(gte(buckets.bucketStart, start), lt(buckets.bucketStart, end))}), 0)`,
    ]),
  );
  const first = months[0];
  const last = months[months.length - 1];
  if (!first || !last) throw new Error("lastTwelveMonths returned no months");
  const row = one(
    await db
      .select(perMonth)
      .from(buckets)
      .where(campaignIncomeBetween(campaignId, first.start, last.end)),
    "getIncomeByMonth: sums",
  );
  return toMonthlyBars(
    months,
    months.map(({ month }, i) => ({ month, netMinor: Number(row[`m${i}`]) })),
  );
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
  /** All-time income per currency paid, and the total settled into the home currency (ADR 050). */
  byCurrency: CurrencyIncome[];
  income: MonthIncome;
  recurring: RecurringRevenue;
  tiers: SupportersByTier;
  changes: SubscriptionChanges;
  failing: Awaited<ReturnType<typeof listFailingPayments>>;
  pending: PendingPledges;
  chart: MonthlyIncome[];
};

/** Everything on /admin for one campaign (the default when no slug is given); null if there is no such campaign. */
export async function getDashboard(
  db: DB,
  { campaignSlug, now = new Date() }: { campaignSlug?: string; now?: Date },
): Promise<Dashboard | null> {
  const campaign = campaignSlug ? await getCampaignBySlug(db, { slug: campaignSlug }) : await getDefaultCampaign(db);
  if (!campaign) return null;
  const at = { campaignId: campaign.id, now };
  // Revenue and tiers share one read of the stored figures.
  const stored = storedFigures(db, campaign.id);
  const [
    choices,
    { month, timeZone },
    progress,
    byCurrency,
    income,
    recurring,
    tiers,
    changes,
    failing,
    pending,
    chart,
  ] = await Promise.all([
    listCampaignChoices(db),
    thisMonth(db, now),
    getCampaignProgress(db, campaign, now),
    getIncomeByCurrency(db, campaign),
    getIncomeThisMonth(db, at),
    getRecurringRevenue(db, at, stored),
    getSupportersByTier(db, at, stored),
    getSubscriptionChangesThisMonth(db, at),
    listFailingPayments(db, at),
    getPendingPledges(db, at),
    getIncomeByMonth(db, at),
  ]);
  return {
    campaign,
    campaigns: choices,
    month,
    timeZone,
    progress,
    byCurrency,
    income,
    recurring,
    tiers,
    changes,
    failing,
    pending,
    chart,
  };
}
