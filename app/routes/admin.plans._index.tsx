import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable, LinkButton, Notice } from "~/ui/admin";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { listPlansForAdmin } from "~/campaigns/admin-plans.server";

export const meta: MetaFunction = () => [{ title: "Plans" }];

const NoticeSchema = z.object({
  done: z.enum(["created", "saved", "price"]).optional().catch(undefined),
  kept: z.coerce.number().int().min(0).optional().catch(undefined),
});

/** Plans and their prices are for administrators only. */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const plans = await listPlansForAdmin(db);
  const { done, kept } = NoticeSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const notice =
    done === "created"
      ? "Plan created."
      : done === "price"
        ? `Price changed for new supporters.${kept ? ` The ${kept} current supporter${kept === 1 ? "" : "s"} keep${kept === 1 ? "s" : ""} their price.` : ""}`
        : done === "saved"
          ? "Plan saved."
          : null;
  return json({ plans, notice }, { headers: { "Cache-Control": "private, no-store" } });
}

const BILLING = { monthly: "a month", one_time_year: "once, for 12 months" } as const;

export default function Plans() {
  const { plans, notice } = useLoaderData<typeof loader>();
  return (
    <div className="panel">
      <h1>Plans</h1>
      {notice ? <Notice tone="done">{notice}</Notice> : null}
      <p>
        <LinkButton to="/admin/plans/new" variant="primary">
          New plan
        </LinkButton>
      </p>
      <DataTable caption="Supporter plans, in the order the support page lists them">
        <thead>
          <tr>
            <th scope="col">Plan</th>
            <th scope="col">Tier</th>
            <th scope="col">Price</th>
            <th scope="col">Current supporters</th>
            <th scope="col">On the support page</th>
          </tr>
        </thead>
        <tbody>
          {plans.map((p) => (
            <tr key={p.id}>
              <td>
                <Link to={`/admin/plans/${p.id}`}>{p.name}</Link>
                <br />
                <span className="hint">{p.code}</span>
              </td>
              <td>{p.tier}</td>
              <td>
                {p.price} {p.currency} {BILLING[p.billing]}
              </td>
              <td>{p.currentSupporters}</td>
              <td>{p.active ? `Yes (position ${p.sortOrder})` : "No"}</td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      {plans.length === 0 ? <p>No plans yet.</p> : null}
    </div>
  );
}
