import { asc, eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, campaignTotals, plans } from "@db/schema";
import { latestObservedRate } from "./currencies.server";

/** The currencies a campaign or plan may be in (routes offer them from here, not from the schema). */
export { CURRENCIES } from "@db/schema";

export type Campaign = typeof campaigns.$inferSelect;
export type Plan = typeof plans.$inferSelect;

export async function getDefaultCampaign(db: DB): Promise<Campaign | undefined> {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.isDefault, true)).limit(1);
  return campaign;
}

export async function getCampaignBySlug(db: DB, { slug }: { slug: string }): Promise<Campaign | undefined> {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.slug, slug)).limit(1);
  return campaign;
}

/** The language a campaign's pages fall back to (ADR 049); null when there is no such campaign. */
export async function campaignLocaleBySlug(db: DB, slug: string): Promise<string | null> {
  const [row] = await db.select({ locale: campaigns.locale }).from(campaigns).where(eq(campaigns.slug, slug)).limit(1);
  return row?.locale ?? null;
}

export type CampaignProgress = {
  raisedMinor: number;
  targetMinor: number;
  currency: string;
  percent: number;
  supporters: number;
  daysLeft: number | null;
  /**
   * Gifts in other currencies that Stripe has not settled into the home currency yet (ADR 050):
   * `estimated` are in raisedMinor at the newest rate Stripe applied to their currency
   * (`estimatedMinor` of it); `pending` have no such rate yet and are not counted at all.
   */
  unconverted: { estimatedGifts: number; estimatedMinor: number; pendingGifts: number };
};

/**
 * Progress toward the target, from the ledger: every payment on the campaign (one-off,
 * recurring, offline) net of refunds. Fee cover is excluded: it pays the card processor, not
 * the campaign. Read from `campaign_totals`, which a trigger on payments keeps (ADR 012): one row
 * per currency paid in, however long the ledger grows. A gift in another currency counts at what
 * Stripe settled it for in the home currency; until then at a labelled estimate (ADR 050).
 */
export async function getCampaignProgress(db: DB, campaign: Campaign, now = new Date()): Promise<CampaignProgress> {
  const rows = await db
    .select({
      currency: campaignTotals.currency,
      homeMinor: campaignTotals.homeMinor,
      unconvertedMinor: campaignTotals.unconvertedMinor,
      unconvertedPayments: campaignTotals.unconvertedPayments,
      supporters: campaignTotals.supporters,
    })
    .from(campaignTotals)
    .where(eq(campaignTotals.campaignId, campaign.id));
  let raisedMinor = 0;
  let supporters = 0;
  const unconverted = { estimatedGifts: 0, estimatedMinor: 0, pendingGifts: 0 };
  for (const row of rows) {
    raisedMinor += row.homeMinor;
    supporters += row.supporters;
    if (row.unconvertedPayments === 0 || row.currency === campaign.currency) continue;
    const rate = await latestObservedRate(db, { from: row.currency, to: campaign.currency });
    if (rate === null) {
      unconverted.pendingGifts += row.unconvertedPayments;
      continue;
    }
    const estimate = estimateAtRate(row.unconvertedMinor, rate);
    raisedMinor += estimate;
    unconverted.estimatedMinor += estimate;
    unconverted.estimatedGifts += row.unconvertedPayments;
  }
  const msLeft = campaign.endsAt ? campaign.endsAt.getTime() - now.getTime() : null;
  return {
    raisedMinor,
    targetMinor: campaign.targetMinor,
    currency: campaign.currency,
    percent: campaign.targetMinor > 0 ? Math.floor((raisedMinor * 100) / campaign.targetMinor) : 0,
    supporters,
    daysLeft: msLeft === null ? null : Math.max(0, Math.ceil(msLeft / 86_400_000)),
    unconverted,
  };
}

/**
 * Minor units times Stripe's decimal rate, rounded half up, exactly: the rate ("1.0842") is
 * scaled to an integer rather than multiplied as a float. Both currencies have two decimals.
 */
export function estimateAtRate(amountMinor: number, rate: string): number {
  const match = /^(\d+)(?:\.(\d{1,12}))?$/.exec(rate.trim());
  if (!match) return 0;
  const fraction = match[2] ?? "";
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(amountMinor) * BigInt(`${match[1]}${fraction}`);
  return Number((scaled * 2n + scale) / (2n * scale));
}

/** One currency's income to a campaign (ADR 050): net as paid, and what of it is in the home currency yet. */
export type CurrencyIncome = {
  currency: string;
  /** Net of refunds and fee cover, in the currency paid. */
  paidMinor: number;
  /** Of it, in the home currency: the home currency's own payments, and the others at what Stripe settled. */
  homeMinor: number;
  /** Payments not settled into the home currency yet, and their net in the currency paid. */
  unconvertedPayments: number;
  unconvertedMinor: number;
};

/** Every currency a campaign has been paid in, home first, from the rollup (one row each). */
export async function getIncomeByCurrency(db: DB, campaign: Campaign): Promise<CurrencyIncome[]> {
  const rows = await db
    .select({
      currency: campaignTotals.currency,
      paidMinor: campaignTotals.raisedMinor,
      homeMinor: campaignTotals.homeMinor,
      unconvertedPayments: campaignTotals.unconvertedPayments,
      unconvertedMinor: campaignTotals.unconvertedMinor,
    })
    .from(campaignTotals)
    .where(eq(campaignTotals.campaignId, campaign.id))
    .orderBy(asc(campaignTotals.currency));
  return rows.sort((a, b) => Number(b.currency === campaign.currency) - Number(a.currency === campaign.currency));
}

export async function listActivePlans(db: DB): Promise<Plan[]> {
  return db.select().from(plans).where(eq(plans.active, true)).orderBy(asc(plans.sortOrder), asc(plans.id));
}

/** The campaigns to choose from in staff forms and filters: oldest first, or by name. */
export async function listCampaignChoices(
  db: DB,
  { orderBy = "id" }: { orderBy?: "id" | "name" } = {},
): Promise<{ id: number; name: string; currency: string; isDefault: boolean }[]> {
  return db
    .select({ id: campaigns.id, name: campaigns.name, currency: campaigns.currency, isDefault: campaigns.isDefault })
    .from(campaigns)
    .orderBy(asc(orderBy === "name" ? campaigns.name : campaigns.id));
}
