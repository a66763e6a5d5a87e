import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable, LinkButton, Notice } from "~/ui/admin";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { listPlansForAdmin } from "~/campaigns/admin-plans.server";
import { t } from "~/i18n/t";

export const meta: MetaFunction = () => [{ title: t("admin.plans.plans") }];

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
      ? t("admin.plans.planCreated")
      : done === "price"
        ? kept
          ? t("admin.plans.priceChangedKept", { kept })
          : t("admin.plans.priceChanged")
        : done === "saved"
          ? t("admin.plans.planSaved")
          : null;
  return json({ plans, notice }, { headers: { "Cache-Control": "private, no-store" } });
}

const BILLING = { monthly: t("admin.plans.aMonth"), one_time_year: t("admin.plans.onceFor12Months") } as const;

export default function Plans() {
  const { plans, notice } = useLoaderData<typeof loader>();
  return (
    <div className="panel">
      <h1>{t("admin.plans.plans")}</h1>
      {notice ? <Notice tone="done">{notice}</Notice> : null}
      <p>
        <LinkButton to="/admin/plans/new" variant="primary">
          {t("admin.plans.newPlan")}
        </LinkButton>
      </p>
      <DataTable caption={t("admin.plans.supporterPlansInTheOrder")}>
        <thead>
          <tr>
            <th scope="col">{t("admin.plans.plan")}</th>
            <th scope="col">{t("admin.plans.tier")}</th>
            <th scope="col">{t("admin.plans.price")}</th>
            <th scope="col">{t("admin.plans.currentSupporters")}</th>
            <th scope="col">{t("admin.plans.onTheSupportPage")}</th>
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
              <td>
                {p.active
                  ? t("admin.plans.yesPositionSortorder", { sortOrder: String(p.sortOrder) })
                  : t("admin.plans.no")}
              </td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      {plans.length === 0 ? <p>{t("admin.plans.noPlansYet")}</p> : null}
    </div>
  );
}
