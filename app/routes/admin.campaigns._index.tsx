import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable, LinkButton, Notice } from "~/ui/admin";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { listCampaignsForAdmin } from "~/campaigns/admin-campaigns.server";
import { t } from "~/i18n/t";

export const meta: MetaFunction = () => [{ title: t("admin.campaigns.campaigns") }];

const NoticeSchema = z.object({ done: z.enum(["created", "saved"]).optional().catch(undefined) });
const NOTICES = { created: t("admin.campaigns.campaignCreated"), saved: t("admin.campaigns.campaignSaved") };

/** Everyone on staff may read the list (the phone line needs names, numbers and dates); only admins edit. */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const campaigns = await listCampaignsForAdmin(db);
  const { done } = NoticeSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return json(
    { campaigns, isAdmin: staff.role === "admin", notice: done ?? null },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export default function Campaigns() {
  const { campaigns, isAdmin, notice } = useLoaderData<typeof loader>();
  return (
    <div className="panel">
      <h1>{t("admin.campaigns.campaigns")}</h1>
      {notice ? <Notice tone="done">{NOTICES[notice]}</Notice> : null}
      {isAdmin ? (
        <p>
          <LinkButton to="/admin/campaigns/new" variant="primary">
            {t("admin.campaigns.newCampaign")}
          </LinkButton>
        </p>
      ) : null}
      <DataTable caption={t("admin.campaigns.campaignsTheDefaultFirst")}>
        <thead>
          <tr>
            <th scope="col">{t("admin.campaigns.campaign")}</th>
            <th scope="col">{t("admin.campaigns.webAddress")}</th>
            <th scope="col">{t("admin.campaigns.raisedOfTarget")}</th>
            <th scope="col">{t("admin.campaigns.dates")}</th>
            <th scope="col">{t("admin.campaigns.phone")}</th>
          </tr>
        </thead>
        <tbody>
          {campaigns.map((c) => (
            <tr key={c.id}>
              <td>
                {isAdmin ? <Link to={`/admin/campaigns/${c.id}`}>{c.name}</Link> : c.name}
                {c.isDefault ? (
                  <>
                    {" "}
                    <strong>{t("admin.campaigns.default")}</strong>
                  </>
                ) : null}
              </td>
              <td>
                <Link to={`/c/${c.slug}`}>
                  {t("admin.campaigns.c")}
                  {c.slug}
                </Link>
              </td>
              <td>
                {c.raised} {t("admin.campaigns.of")} {c.target} {c.currency} ({c.percent}%)
              </td>
              <td>
                {c.starts} – {c.ends ?? t("admin.campaigns.noEnd")}
              </td>
              <td>{c.phone || "—"}</td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      {campaigns.length === 0 ? <p>{t("admin.campaigns.noCampaignsYet")}</p> : null}
    </div>
  );
}
