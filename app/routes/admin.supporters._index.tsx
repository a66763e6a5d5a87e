import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { listCampaignChoices } from "~/campaigns/campaigns.server";
import { requireStaff } from "~/http/guards.server";
import { hasNoControlCharacters } from "~/validation/fields";
import { RowId } from "~/ids";
import { searchSupporters, type SupporterFilters } from "~/supporters/search.server";
import { FILTER_TIERS, STATUS_LABELS, SUPPORTER_STATUSES, TIER_LABELS } from "~/supporters/supporter-filters";
import { Button } from "~/ui/admin";
import { t } from "~/i18n/t";

const withoutControlCharacters = hasNoControlCharacters();

export const meta: MetaFunction = () => [{ title: t("admin.supporters.supporters") }];

const PAGE = 25;
const Checked = z
  .literal("1")
  .transform(() => true)
  .optional()
  .catch(undefined);
/** Anything that is not a filter is no filter: the page never fails on a hand-edited address. */
const QuerySchema = z.object({
  q: z.string().trim().max(200).refine(withoutControlCharacters).catch("").default(""),
  // A page's cursor, checked where it is read (db/keyset.server.ts): one that is not is the first page.
  after: z.string().max(400).optional().catch(undefined),
  tier: z.enum(FILTER_TIERS).optional().catch(undefined),
  status: z.enum(SUPPORTER_STATUSES).optional().catch(undefined),
  failing: Checked,
  noEmail: Checked,
  campaign: RowId.optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const filters: SupporterFilters = {
    tier: query.tier,
    status: query.status,
    failing: query.failing,
    noEmail: query.noEmail,
    campaignId: query.campaign,
  };
  const [{ rows, next }, campaignChoices] = await Promise.all([
    searchSupporters(db, { q: query.q, after: query.after, limit: PAGE, filters }),
    listCampaignChoices(db, { orderBy: "name" }).then((rows) => rows.map(({ id, name }) => ({ id, name }))),
  ]);
  // What the form shows again and every page link keeps.
  const kept = {
    q: query.q,
    tier: query.tier ?? "",
    status: query.status ?? "",
    failing: query.failing ? "1" : "",
    noEmail: query.noEmail ? "1" : "",
    campaign: query.campaign ? String(query.campaign) : "",
  };
  return json(
    { kept, paged: Boolean(query.after), rows, next, campaigns: campaignChoices },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export default function SupporterSearch() {
  const { kept, paged, rows, next, campaigns: campaignChoices } = useLoaderData<typeof loader>();
  const filtered = Boolean(kept.tier || kept.status || kept.failing || kept.noEmail || kept.campaign);
  const link = (extra: Record<string, string>) => {
    const params = new URLSearchParams(Object.entries({ ...kept, ...extra }).filter(([, v]) => v !== ""));
    return `/admin/supporters${params.size ? `?${params}` : ""}`;
  };
  const caption = kept.q
    ? t("admin.supporters.supportersMatchingQBestMatches", { q: String(kept.q) })
    : t("admin.supporters.supportersNewestFirst");
  return (
    <div className="panel">
      <h1>{t("admin.supporters.supporters")}</h1>
      <Form method="get" role="search" className="admin-search supporter-finder">
        <div className="field">
          <label htmlFor="q">{t("admin.supporters.nameTownEmailPhoneOr")}</label>
          <input id="q" name="q" type="search" defaultValue={kept.q} maxLength={200} autoComplete="off" />
        </div>
        <fieldset className="supporter-filters">
          <legend>{t("admin.supporters.onlyShow")}</legend>
          <FilterSelect
            name="tier"
            label={t("admin.supporters.tier")}
            value={kept.tier}
            choices={FILTER_TIERS.map((tier) => [tier, TIER_LABELS[tier]])}
          />
          <FilterSelect
            name="status"
            label={t("admin.supporters.status")}
            value={kept.status}
            choices={SUPPORTER_STATUSES.map((status) => [status, STATUS_LABELS[status]])}
          />
          <FilterSelect
            name="campaign"
            label={t("admin.supporters.campaign")}
            value={kept.campaign}
            choices={campaignChoices.map((c) => [String(c.id), c.name])}
          />
          <div className="check">
            <input id="failing" name="failing" type="checkbox" value="1" defaultChecked={kept.failing === "1"} />
            <label htmlFor="failing">{t("admin.supporters.paymentFailing")}</label>
          </div>
          <div className="check">
            <input id="noEmail" name="noEmail" type="checkbox" value="1" defaultChecked={kept.noEmail === "1"} />
            <label htmlFor="noEmail">{t("admin.supporters.noEmailAddress")}</label>
          </div>
        </fieldset>
        <Button>{t("admin.supporters.search")}</Button>
        {kept.q || filtered ? (
          <p>
            <Link to="/admin/supporters">{t("admin.supporters.clearSearchAndFilters")}</Link>
          </p>
        ) : null}
      </Form>
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.supporters.name")}</th>
                <th scope="col">{t("admin.supporters.email")}</th>
                <th scope="col">{t("admin.supporters.phone")}</th>
                <th scope="col">{t("admin.supporters.postcodeAndTown")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/admin/supporters/${s.id}`}>{s.name || t("admin.supporters.noName")}</Link>
                  </td>
                  <td>{s.email ?? t("admin.supporters.noEmail")}</td>
                  <td>{s.phone ?? ""}</td>
                  <td>{[s.postalCode, s.city].filter(Boolean).join(" ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : kept.q ? (
        <p>
          {t("admin.supporters.noSupportersMatch")}
          {kept.q}”{filtered ? t("admin.supporters.withTheseFilters") : ""}
          {t("admin.supporters.tryFewerLettersOrAnother")}
        </p>
      ) : (
        <p>
          {t("admin.supporters.noSupporters")}
          {filtered ? t("admin.supporters.withTheseFilters") : t("admin.supporters.yet")}.
        </p>
      )}
      <nav aria-label={t("admin.supporters.pagesOfSupporters")} className="pager">
        {paged ? <Link to={link({})}>{t("admin.supporters.firstPage")}</Link> : null}
        {next ? <Link to={link({ after: next })}>{t("admin.supporters.nextPage")}</Link> : null}
      </nav>
    </div>
  );
}

/** One filter of the list: "Any", then its choices as [value, label]. */
function FilterSelect({
  name,
  label,
  value,
  choices,
}: {
  name: string;
  label: string;
  value: string;
  choices: [string, string][];
}) {
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <select id={name} name={name} defaultValue={value}>
        <option value="">{t("admin.supporters.any")}</option>
        {choices.map(([choice, text]) => (
          <option key={choice} value={choice}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
