import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { listCampaignChoices } from "~/campaigns/campaigns.server";
import { requireStaff } from "~/http/guards.server";
import { formatDate, safeTimeZone } from "~/dates";
import { listMessagesForPrint, PRINT_BUNDLE_LIMIT, PrintBundleQuerySchema } from "~/giving/messages.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { getOrganisationSettings } from "~/organisation/settings.server";
import stylesheet from "~/styles/message-bundle.css";
import { Notice } from "~/ui/admin";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }];

export const meta: MetaFunction = () => [{ title: t("admin.messagesPrint.messagesOfSupportToPrint") }];

/**
 * Approved messages as a printable bundle, to send on: one message a block, signed as the wall
 * signs it (first name and town, or "Anonymous"), dated, an amount only where its writer allowed
 * it. A GET form narrows it to a campaign and a date range; the browser's Print does the rest.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const query = PrintBundleQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const settings = await getOrganisationSettings(db);
  const timeZone = safeTimeZone(settings.timeZone);
  const [bundle, campaignChoices] = await Promise.all([
    listMessagesForPrint(db, { campaignId: query.campaign, from: query.from, to: query.to, timeZone }),
    listCampaignChoices(db, { orderBy: "name" }),
  ]);
  return json(
    {
      query,
      campaigns: campaignChoices,
      truncated: bundle.truncated,
      messages: bundle.messages.map((m) => ({
        id: m.paymentId,
        message: m.message,
        signature: m.signature,
        date: formatDate(m.paidAt, timeZone, "long"),
        dateIso: m.paidAt.toISOString(),
        campaignName: m.campaignName,
        amount: m.amount ? t("wall.gave", { amount: formatMoney(m.amount.minor, m.amount.currency) }) : null,
      })),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export default function MessageBundle() {
  const { query, campaigns, truncated, messages } = useLoaderData<typeof loader>();
  const campaignName = campaigns.find((c) => c.id === query.campaign)?.name;
  return (
    <div className="panel bundle">
      <div className="no-print">
        <p>
          <Link to="/admin/messages?show=approved">{t("admin.messagesPrint.backToMessagesOfSupport")}</Link>
        </p>
        <h1>{t("admin.messagesPrint.messagesOfSupportToPrint")}</h1>
        <p>{t("admin.messagesPrint.approvedMessagesOldestFirstOne")}</p>
        <Form method="get" className="bundle-filters">
          <div className="field">
            <label htmlFor="campaign">{t("admin.messagesPrint.campaign")}</label>
            <select id="campaign" name="campaign" defaultValue={query.campaign ? String(query.campaign) : ""}>
              <option value="">{t("admin.messagesPrint.allCampaigns")}</option>
              {campaigns.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="from">{t("admin.messagesPrint.fromDateGiven")}</label>
            <input type="date" id="from" name="from" defaultValue={query.from ?? ""} />
          </div>
          <div className="field">
            <label htmlFor="to">{t("admin.messagesPrint.to")}</label>
            <input type="date" id="to" name="to" defaultValue={query.to ?? ""} />
          </div>
          <div className="field">
            <button type="submit" className="button-secondary">
              {t("admin.messagesPrint.showMessages")}
            </button>
          </div>
        </Form>
        {truncated ? (
          <Notice tone="done">
            {t("admin.messagesPrint.onlyTheFirst")} {PRINT_BUNDLE_LIMIT}{" "}
            {t("admin.messagesPrint.messagesAreShownChooseA")}
          </Notice>
        ) : null}
      </div>
      <h2>
        {messages.length === 1
          ? t("admin.messagesPrint.1MessageOfSupport")
          : t("admin.messagesPrint.lengthMessagesOfSupport", { length: String(messages.length) })}
        {campaignName ? t("admin.messagesPrint.forCampaignname", { campaignName: String(campaignName) }) : ""}
      </h2>
      {messages.length === 0 ? (
        <p>{t("admin.messagesPrint.noApprovedMessagesMatchApprove")}</p>
      ) : (
        <ol className="message-list" aria-label={t("admin.messagesPrint.messagesOfSupport")}>
          {messages.map((m) => (
            <li key={m.id}>
              <figure className="bundle-message">
                <blockquote>
                  <p>{m.message}</p>
                </blockquote>
                <figcaption>
                  <span className="bundle-signature">{m.signature}</span>
                  {m.amount ? <span>{m.amount}</span> : null}
                  <time dateTime={m.dateIso}>{m.date}</time>
                  {campaignName ? null : <span>{m.campaignName}</span>}
                </figcaption>
              </figure>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
