import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { isValidCsrf } from "~/auth/csrf.server";
import { requireSupporter } from "~/http/guards.server";
import { readFormData } from "~/giving/forms.server";
import { exportSupporterData } from "~/supporters/privacy.server";

/** The download is a POST: it is audit-logged, and no other site can make a browser fetch it. */
export async function loader() {
  return redirect("/account/privacy", 303);
}

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) return redirect("/account/privacy", 303);
  const data = await exportSupporterData(db, { supporterId });
  if (!data) throw new Response("Not found", { status: 404 });
  const day = data.exportedAt.slice(0, 10);
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="my-data-${day}.json"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
