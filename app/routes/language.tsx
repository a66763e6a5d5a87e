import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { getSupporterSession } from "~/auth/supporter-auth.server";
import { isLocale } from "~/i18n/locales";
import { langCookie, sameOriginPath } from "~/i18n/request-locale.server";
import { rememberSupporterLocale } from "~/supporters/locale.server";

/**
 * The language switcher's link (ADR 049): `/language?to=ru&back=/c/winter`. Keeps the choice in a
 * cookie (and, for a signed-in supporter, on their record, for their emails) and goes back to the
 * page it came from, a path on this site only. A plain link, so it works without JavaScript.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const to = url.searchParams.get("to");
  const back = sameOriginPath(url.searchParams.get("back"));
  if (!isLocale(to)) return redirect(back, { status: 303, headers: { "Cache-Control": "no-store" } });
  const db = getDb();
  const session = await getSupporterSession(db, request);
  if (session) await rememberSupporterLocale(db, session.supporterId, to);
  return redirect(back, { status: 303, headers: { "Set-Cookie": langCookie(to), "Cache-Control": "no-store" } });
}
