import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken } from "~/auth/csrf.server";
import { SignOutButton } from "~/ui/SignOutButton";
import { getStaffSession } from "~/auth/staff-auth.server";

/** The admin frame. Every child route requires a staff session (and a role) itself. */
export async function loader({ request }: LoaderFunctionArgs) {
  const [staff, csrf] = await Promise.all([getStaffSession(getDb(), request), issueCsrfToken(request)]);
  return json({ staff: staff ? { name: staff.name, role: staff.role } : null, csrf: csrf.token }, { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } });
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function AdminLayout() {
  const { staff, csrf } = useLoaderData<typeof loader>();
  return (
    <div className="admin">
      {staff ? (
        <nav className="account-nav" aria-label="Administration">
          <NavLink to="/admin" end>
            Dashboard
          </NavLink>
          <NavLink to="/admin/pledges/new">New pledge</NavLink>
          <NavLink to="/admin/pledges" end>
            Pledges
          </NavLink>
          <NavLink to="/admin/supporters">Supporters</NavLink>
          <NavLink to="/admin/payments">Payments</NavLink>
          <NavLink to="/admin/exports">Exports</NavLink>
          <NavLink to="/admin/mail">Mail log</NavLink>
          <NavLink to="/admin/campaigns">Campaigns</NavLink>
          {staff.role === "admin" ? (
            <>
              <NavLink to="/admin/plans">Plans</NavLink>
              <NavLink to="/admin/events">Payment events</NavLink>
              <NavLink to="/admin/staff">Staff</NavLink>
              <NavLink to="/admin/audit">Audit log</NavLink>
            </>
          ) : null}
          <span className="hint">
            {staff.name} ({staff.role})
          </span>
          <SignOutButton action="/admin/sign-out" csrf={csrf} />
        </nav>
      ) : null}
      <Outlet />
    </div>
  );
}
