import type { MetaDescriptor } from "@remix-run/node";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";

/**
 * The Open Graph and X card tags of a campaign page (ADR 044): a shared link shows the campaign's
 * name, its headline and the live progress image (/c/<slug>/progress.png), all as absolute
 * addresses from APP_URL, which the root loader hands to every page.
 */
export function campaignOpenGraph({
  root,
  path,
  campaign,
  progress,
}: {
  root: { appUrl?: string; orgName?: string } | undefined;
  /** The page's own path: `/` or `/c/<slug>`. */
  path: string;
  campaign: { slug: string; name: string; headline: string };
  progress: { raisedMinor: number; targetMinor: number; currency: string };
}): MetaDescriptor[] {
  if (!root?.appUrl) return [];
  const image = `${root.appUrl}/c/${campaign.slug}/progress.png`;
  const alt = t("progressImage.alt", {
    campaign: campaign.name,
    raised: formatMoney(progress.raisedMinor, progress.currency),
    target: formatMoney(progress.targetMinor, progress.currency),
  });
  return [
    { property: "og:type", content: "website" },
    { property: "og:title", content: campaign.name },
    { property: "og:description", content: campaign.headline },
    { property: "og:url", content: `${root.appUrl}${path}` },
    ...(root.orgName ? [{ property: "og:site_name", content: root.orgName }] : []),
    { property: "og:image", content: image },
    { property: "og:image:type", content: "image/png" },
    { property: "og:image:width", content: "1200" },
    { property: "og:image:height", content: "630" },
    { property: "og:image:alt", content: alt },
    { name: "twitter:card", content: "summary_large_image" },
    { name: "twitter:image:alt", content: alt },
  ];
}

/** The root loader's data, as a route's meta function finds it among its matches. */
export function rootDataOf(matches: readonly { id: string; data?: unknown }[]) {
  return matches.find((match) => match.id === "root")?.data as { appUrl?: string; orgName?: string } | undefined;
}
