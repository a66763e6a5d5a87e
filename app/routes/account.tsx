import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { t } from "~/i18n/t";
import { issueCsrfToken } from "~/auth/csrf.server";
import { SignOutButton } from "~/ui/SignOutButton";
import { getSupporterSession } from "~/auth/supporter-auth.server";
import { takeFlash } from "~/http/flash.server";
import { Flash } from "~/ui/Flash";

/** The account area's frame, and the confirmation of the change just made. Each child route checks the session itself. */
export async function loader({ request }: LoaderFunctionArgs) {
  const [session, csrf, taken] = await Promise.all([
    getSupporterSession(getDb(), request),
    issueCsrfToken(request),
    takeFlash(request),
  ]);
  const headers = new Headers({ "Cache-Control": "private, no-store" });
  for (const [name, value] of [
    ...Object.entries(csrf.headers as Record<string, string>),
    ...Object.entries(taken.headers),
  ])
    headers.append(name, value);
  return json({ signedIn: Boolean(session), csrf: csrf.token, flash: taken.flash }, { headers });
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function AccountLayout() {
  const { signedIn, csrf, flash } = useLoaderData<typeof loader>();
  return (
    <div className="account">
      {signedIn ? (
        <nav className="account-nav" aria-label={t("account.nav.label")}>
          <NavLink to="/account" end>
            {t("account.nav.overview")}
          </NavLink>
          <NavLink to="/account/profile">{t("account.nav.details")}</NavLink>
          <NavLink to="/account/statement">{t("account.nav.statement")}</NavLink>
          <NavLink to="/account/privacy">{t("account.nav.privacy")}</NavLink>
          <SignOutButton action="/account/sign-out" csrf={csrf} />
        </nav>
      ) : null}
      <Flash flash={flash} />
      <Outlet />
    </div>
  );
}
