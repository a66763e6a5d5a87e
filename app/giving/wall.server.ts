import type { DB } from "@db/client.server";
import type { Campaign } from "~/campaigns/campaigns.server";
import { formatDate } from "~/dates";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { listWall } from "./messages.server";

export type WallView = {
  messages: { id: number; message: string; signature: string; date: string; dateIso: string; amount: string | null }[];
  /** Links (no JavaScript needed): the next page of older messages, and back to the first. */
  olderHref: string | null;
  newestHref: string | null;
};

/**
 * The wall of solidarity as the campaign page shows it: one page of approved messages, newest
 * first, dated on the organisation's clock. `?before=` pages back (such pages are not cached:
 * ADR 021; the first page is, and approving or hiding a message makes it stale: ADR 043).
 */
export async function loadWall(
  db: DB,
  request: Request,
  { campaign, timeZone }: { campaign: Pick<Campaign, "id">; timeZone: string },
): Promise<WallView> {
  const url = new URL(request.url);
  // Passed on as it came: a cursor that is not one is the first page (listWall).
  const before = url.searchParams.get("before");
  const page = await listWall(db, { campaignId: campaign.id, before });
  return {
    messages: page.messages.map((m) => ({
      id: m.paymentId,
      message: m.message,
      signature: m.signature,
      date: formatDate(m.paidAt, timeZone, "long"),
      dateIso: m.paidAt.toISOString(),
      amount: m.amount ? t("wall.gave", { amount: formatMoney(m.amount.minor, m.amount.currency) }) : null,
    })),
    olderHref: page.next ? `${url.pathname}?before=${encodeURIComponent(page.next)}#wall` : null,
    newestHref: page.paged ? `${url.pathname}#wall` : null,
  };
}
