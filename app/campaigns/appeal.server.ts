import { z } from "zod";
import type { DB } from "@db/client.server";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { getCampaignBySlug, getCampaignProgress, type CampaignProgress } from "./campaigns.server";

/**
 * What the appeal block (/embed/<campaign>) and the progress image (/c/<campaign>/progress.svg and
 * .png) show of a campaign: the same public figures as the campaign page (campaign_totals), and
 * nothing about any reader (ADR 044).
 */
export type PublicAppeal = {
  campaign: { slug: string; name: string; headline: string; currency: string; presetAmountsMinor: number[] };
  progress: CampaignProgress;
  orgName: string;
  accentColor: string;
  /** The origins an admin allowed to frame the appeal block; empty: none. */
  embedOrigins: string[];
};

/** A campaign's slug as it appears in a public address; anything else names no campaign. */
const PublicSlugSchema = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  .max(100);

/** The campaign a public address names (`slug` straight from the URL), or undefined. */
export async function getPublicAppeal(db: DB, { slug }: { slug: unknown }): Promise<PublicAppeal | undefined> {
  const parsed = PublicSlugSchema.safeParse(slug);
  if (!parsed.success) return undefined;
  const campaign = await getCampaignBySlug(db, { slug: parsed.data });
  if (!campaign) return undefined;
  const [progress, settings] = await Promise.all([getCampaignProgress(db, campaign), getOrganisationSettings(db)]);
  return {
    campaign: {
      slug: campaign.slug,
      name: campaign.name,
      headline: campaign.headline,
      currency: campaign.currency,
      presetAmountsMinor: campaign.presetAmountsMinor,
    },
    progress,
    orgName: settings.orgName,
    accentColor: /^#[0-9a-fA-F]{6}$/.test(settings.accentColor) ? settings.accentColor : "#b3261e",
    embedOrigins: settings.embedOrigins,
  };
}
