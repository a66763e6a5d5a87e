import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken } from "~/auth/csrf.server";
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
          <Form method="post" action="/account/sign-out" className="inline-form">
            <input type="hidden" name="csrf" value={csrf} />
            <button type="submit" className="link-button">
              Sign out
            </button>
          </Form>
        </nav>
      ) : null}
      <Outlet />
    </div>
  );
}
