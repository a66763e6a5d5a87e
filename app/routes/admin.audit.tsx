import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { listAuditEntries } from "~/audit/audit-log.server";
import { requireStaff } from "~/auth/staff-auth.server";
import { RowId } from "~/ids";
import { useOrgTime } from "~/ui/org-time";

export const meta: MetaFunction = () => [{ title: "Audit log" }];

const QuerySchema = z.object({ before: RowId.optional().catch(undefined) });
const PAGE = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const { before } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const entries = await listAuditEntries(db, { before, limit: PAGE });
  return json({ entries, next: entries.length === PAGE ? entries[entries.length - 1].id : null }, { headers: { "Cache-Control": "private, no-store" } });
}

export default function AuditLog() {
  const { entries, next } = useLoaderData<typeof loader>();
  const { dateTime, timeZone } = useOrgTime();
  return (
    <div className="panel">
      <h1>Audit log</h1>
      <p>Who did what, to which record. Times on the organisation's clock ({timeZone}).</p>
      <table>
        <caption className="visually-hidden">Audit entries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Record</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td>{dateTime(e.createdAt)}</td>
              <td>
                {e.actorType}
                {e.actorId ? ` #${e.actorId}` : ""}
              </td>
              <td>{e.action}</td>
              <td>
                {e.targetType}
                {e.targetId ? ` #${e.targetId}` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <p>
          <Link to={`/admin/audit?before=${next}`}>Older entries</Link>
        </p>
      ) : null}
    </div>
  );
}
