import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken } from "~/auth/csrf.server";
import { SignOutButton } from "~/ui/SignOutButton";
import { getSupporterSession } from "~/auth/supporter-auth.server";

/** The account area's frame. Each child route checks the session itself. */
export async function loader({ request }: LoaderFunctionArgs) {
  const [session, csrf] = await Promise.all([getSupporterSession(getDb(), request), issueCsrfToken(request)]);
  return json({ signedIn: Boolean(session), csrf: csrf.token }, { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } });
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function AccountLayout() {
  const { signedIn, csrf } = useLoaderData<typeof loader>();
  return (
    <div className="account">
      {signedIn ? (
        <nav className="account-nav" aria-label="Your account">
          <NavLink to="/account" end>
            Overview
          </NavLink>
          <NavLink to="/account/profile">Details</NavLink>
          <NavLink to="/account/statement">Statement</NavLink>
          <NavLink to="/account/privacy">Privacy</NavLink>
          <SignOutButton action="/account/sign-out" csrf={csrf} />
        </nav>
      ) : null}
      <Outlet />
    </div>
  );
}
