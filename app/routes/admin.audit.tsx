import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { listAuditEntries } from "~/audit/audit-log.server";
import { requireStaff } from "~/http/guards.server";
import { AUDIT_TARGET_LABELS, describeAuditAction, describeAuditTarget } from "~/audit/audit-labels";
import { formatMoney } from "~/money";
import { REFUND_REASON_LABELS } from "~/payments/labels";
import { DataTable } from "~/ui/admin";
import { useOrgTime } from "~/ui/org-time";
import { t } from "~/i18n/t";

export const meta: MetaFunction = () => [{ title: t("admin.audit.auditLog") }];

const QuerySchema = z.object({ before: z.string().max(400).optional().catch(undefined) });
const PAGE = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const { before } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const { entries, next } = await listAuditEntries(db, { before, limit: PAGE });
  return json({ entries, next }, { headers: { "Cache-Control": "private, no-store" } });
}

/** Who acted, in words: the member of staff by name and email, or what kind of actor it was. */
function actorOf(e: { actorType: string; actorId: number | null; actorStaff: { name: string; email: string } | null }) {
  if (e.actorStaff) return `${e.actorStaff.name || e.actorStaff.email} (${e.actorStaff.email})`;
  if (e.actorType === "staff")
    return e.actorId ? t("admin.audit.formerStaffNumbered", { id: String(e.actorId) }) : t("admin.audit.formerStaff");
  if (e.actorType === "supporter") return t("admin.audit.theSupporterFromTheirAccount");
  return t("admin.audit.theSystem");
}

/** A few details worth reading in words: a refund's amount and reason. */
function detailsOf(e: { action: string; details: unknown }) {
  const d = (e.details ?? {}) as Record<string, unknown>;
  if (e.action === "payment.refund" && typeof d.amountMinor === "number" && typeof d.currency === "string") {
    const reason =
      typeof d.reason === "string" && d.reason in REFUND_REASON_LABELS
        ? `: ${REFUND_REASON_LABELS[d.reason as keyof typeof REFUND_REASON_LABELS].toLowerCase()}`
        : "";
    return ` — ${formatMoney(d.amountMinor, d.currency, "en-AU", { alwaysShowCents: true })} ${d.currency}${reason}`;
  }
  return "";
}

export default function AuditLog() {
  const { entries, next } = useLoaderData<typeof loader>();
  const { dateTime, timeZone } = useOrgTime();
  return (
    <div className="panel">
      <h1>{t("admin.audit.auditLog")}</h1>
      <p>
        {t("admin.audit.whoDidWhatToWhich")}
        {timeZone}).
      </p>
      <DataTable caption={t("admin.audit.auditEntriesNewestFirst")}>
        <thead>
          <tr>
            <th scope="col">{t("admin.audit.when")}</th>
            <th scope="col">{t("admin.audit.who")}</th>
            <th scope="col">{t("admin.audit.what")}</th>
            <th scope="col">{t("admin.audit.record")}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const target = AUDIT_TARGET_LABELS[e.targetType];
            const label = e.targetStaff
              ? `${describeAuditTarget(e.targetType)}: ${e.targetStaff.name || e.targetStaff.email}`
              : `${describeAuditTarget(e.targetType)}${e.targetId ? ` #${e.targetId}` : ""}`;
            return (
              <tr key={e.id}>
                <td>{dateTime(e.createdAt)}</td>
                <td>{actorOf(e)}</td>
                <td>
                  {describeAuditAction(e.action)}
                  {detailsOf(e)}
                </td>
                <td>{target?.path && e.targetId ? <Link to={target.path(e.targetId)}>{label}</Link> : label}</td>
              </tr>
            );
          })}
        </tbody>
      </DataTable>
      {next ? (
        <p>
          <Link to={`/admin/audit?before=${encodeURIComponent(next)}`}>{t("admin.audit.olderEntries")}</Link>
        </p>
      ) : null}
    </div>
  );
}
