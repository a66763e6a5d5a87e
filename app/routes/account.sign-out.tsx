import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { isValidCsrf } from "~/auth/csrf.server";
import { signOut } from "~/auth/supporter-auth.server";
import { readFormData } from "~/giving/forms.server";

export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) throw redirect("/account", 303);
  const cookie = await signOut(getDb(), request, { everywhere: formData.get("everywhere") === "on" });
  return redirect("/account/sign-in", { status: 303, headers: { "Set-Cookie": cookie } });
}

export function loader() {
  return redirect("/account", 303);
}
