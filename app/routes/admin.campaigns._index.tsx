import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable, LinkButton, Notice } from "~/ui/admin";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { listCampaignsForAdmin } from "~/campaigns/admin-campaigns.server";

export const meta: MetaFunction = () => [{ title: "Campaigns" }];

const NoticeSchema = z.object({ done: z.enum(["created", "saved"]).optional().catch(undefined) });
const NOTICES = { created: "Campaign created.", saved: "Campaign saved." };

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
      <h1>Campaigns</h1>
      {notice ? <Notice tone="done">{NOTICES[notice]}</Notice> : null}
      {isAdmin ? (
        <p>
          <LinkButton to="/admin/campaigns/new" variant="primary">
            New campaign
          </LinkButton>
        </p>
      ) : null}
      <DataTable caption="Campaigns, the default first">
        <thead>
          <tr>
            <th scope="col">Campaign</th>
            <th scope="col">Web address</th>
            <th scope="col">Raised of target</th>
            <th scope="col">Dates</th>
            <th scope="col">Phone</th>
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
                    <strong>(default)</strong>
                  </>
                ) : null}
              </td>
              <td>
                <Link to={`/c/${c.slug}`}>/c/{c.slug}</Link>
              </td>
              <td>
                {c.raised} of {c.target} {c.currency} ({c.percent}%)
              </td>
              <td>
                {c.starts} – {c.ends ?? "no end"}
              </td>
              <td>{c.phone || "—"}</td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      {campaigns.length === 0 ? <p>No campaigns yet.</p> : null}
    </div>
  );
}
