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

const html = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);

/**
 * What a site pastes into a page to show a campaign's appeal block: the frame, a plain link inside it
 * for readers whose app strips frames, and the optional script that sets the frame's height from the
 * block's message, accepted only from our origin and that frame. docs/embedding.md shows it for
 * https://give.example.org and "winter-appeal" (a test keeps the two the same).
 */
export function appealBlockSnippet({ appUrl, slug, name }: { appUrl: string; slug: string; name: string }): string {
  const origin = new URL(appUrl).origin;
  return `<iframe
  id="fighting-fund-appeal"
  src="${origin}/embed/${slug}"
  title="Support our journalism"
  style="display: block; width: 100%; max-width: 36rem; height: 41rem; border: 0"
  loading="lazy"
>
  <a href="${origin}/c/${slug}">Support our journalism: give to ${html(name)}</a>
</iframe>
<script>
  window.addEventListener("message", function (event) {
    var frame = document.getElementById("fighting-fund-appeal");
    if (event.origin !== "${origin}" || !frame || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (data && data.type === "fighting-fund:embed-height" && data.height > 0 && data.height < 4000) {
      frame.style.height = data.height + "px";
    }
  });
</script>
`;
}
