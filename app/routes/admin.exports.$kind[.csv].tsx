import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { csvResponse } from "~/http/csv.server";
import { EXPORT_KINDS, startExport, type ExportKind } from "~/reports/exports.server";
import { t } from "~/i18n/t";

/** /admin/exports/print-list.csv?on=…, /admin/exports/payments.csv?from=…&to=…, /admin/exports/supporters.csv */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const kind = params.kind as ExportKind;
  if (!EXPORT_KINDS.includes(kind)) throw new Response(t("admin.exportsKindCsv.notFound"), { status: 404 });
  const query = Object.fromEntries(new URL(request.url).searchParams);
  // server.mjs hands us a way to wait for the client's socket to drain (see csvStream's `ready`).
  const ready =
    typeof context.responseDrained === "function" ? (context.responseDrained as () => Promise<void> | void) : undefined;
  const result = await startExport(db, { kind, query, staffUserId: staff.staffUserId, ready });
  if (!result.ok)
    return new Response(
      t("admin.exportsKindCsv.invalidExportRequestValue", { value: String(Object.values(result.errors).join("; ")) }),
      {
        status: 400,
        headers: { "Cache-Control": "no-store" },
      },
    );
  return csvResponse(result.filename, result.body);
}
