import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { isValidCsrf } from "~/auth/csrf.server";
import { signOut } from "~/auth/supporter-auth.server";
import { readFormData } from "~/giving/forms.server";
import { redirectWithFlash } from "~/http/flash.server";

export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) throw redirect("/account", 303);
  const everywhere = formData.get("everywhere") === "on";
  const cookie = await signOut(getDb(), request, { everywhere });
  return redirectWithFlash(
    "/account/sign-in",
    { key: everywhere ? "flash.signedOutEverywhere" : "flash.signedOut", params: {} },
    [["Set-Cookie", cookie]],
  );
}

export function loader() {
  return redirect("/account", 303);
}
