import { and, asc, eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, campaignTotals, plans } from "@db/schema";

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

export type CampaignProgress = {
  raisedMinor: number;
  targetMinor: number;
  currency: string;
  percent: number;
  supporters: number;
  daysLeft: number | null;
};

/**
 * Progress toward the target, from the ledger: every payment on the campaign (one-off,
 * recurring, offline) net of refunds. Fee cover is excluded: it pays the card processor, not
 * the campaign. Read from `campaign_totals`, which a trigger on payments keeps (ADR 012), so a
 * page view costs one primary-key lookup however long the ledger grows.
 */
export async function getCampaignProgress(db: DB, campaign: Campaign, now = new Date()): Promise<CampaignProgress> {
  const [row] = await db
    .select({ raised: campaignTotals.raisedMinor, supporters: campaignTotals.supporters })
    .from(campaignTotals)
    .where(and(eq(campaignTotals.campaignId, campaign.id), eq(campaignTotals.currency, campaign.currency)));
  const raisedMinor = row?.raised ?? 0;
  const msLeft = campaign.endsAt ? campaign.endsAt.getTime() - now.getTime() : null;
  return {
    raisedMinor,
    targetMinor: campaign.targetMinor,
    currency: campaign.currency,
    percent: campaign.targetMinor > 0 ? Math.floor((raisedMinor * 100) / campaign.targetMinor) : 0,
    supporters: row?.supporters ?? 0,
    daysLeft: msLeft === null ? null : Math.max(0, Math.ceil(msLeft / 86_400_000)),
  };
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
