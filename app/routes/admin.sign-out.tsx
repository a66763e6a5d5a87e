import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { isValidCsrf } from "~/auth/csrf.server";
import { signOutStaff } from "~/auth/staff-auth.server";
import { readFormData } from "~/giving/forms.server";

export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) throw redirect("/admin", 303);
  return redirect("/admin/sign-in", { status: 303, headers: { "Set-Cookie": await signOutStaff(getDb(), request) } });
}

export function loader() {
  return redirect("/admin", 303);
}
