import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData, useLocation } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken } from "~/auth/csrf.server";
import { SignOutButton } from "~/ui/SignOutButton";
import { getStaffSession } from "~/auth/staff-auth.server";
import { safeTimeZone } from "~/dates";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { t } from "~/i18n/t";

/** The admin frame. Every child route requires a staff session (and a role) itself. */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const [staff, csrf, settings] = await Promise.all([
    getStaffSession(db, request),
    issueCsrfToken(request),
    getOrganisationSettings(db),
  ]);
  // Every time on a staff screen is on the organisation's clock (useOrgTime).
  return json(
    {
      staff: staff ? { name: staff.name, role: staff.role } : null,
      csrf: csrf.token,
      timeZone: safeTimeZone(settings.timeZone),
    },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

/**
 * Pages visited less often, in a "More" menu so the whole bar fits one line on a laptop screen
 * (the pledge screen must fit 1280×800). Staff may read every page listed for them here.
 */
function moreLinks(role: "admin" | "staff") {
  return [
    { to: "/admin/messages", label: t("admin.layout.messagesOfSupport") },
    { to: "/admin/mail", label: t("admin.layout.mailLog") },
    { to: "/admin/events", label: t("admin.layout.paymentEvents") },
    { to: "/admin/campaigns", label: t("admin.layout.campaigns") },
    ...(role === "admin"
      ? [
          { to: "/admin/plans", label: t("admin.layout.plans") },
          { to: "/admin/settings", label: t("admin.layout.settings") },
          { to: "/admin/staff", label: t("admin.layout.staff") },
          { to: "/admin/audit", label: t("admin.layout.auditLog") },
        ]
      : []),
  ];
}

/** A disclosure (works without JavaScript); it closes again on every navigation. */
function MoreMenu({ links }: { links: { to: string; label: string }[] }) {
  const { pathname } = useLocation();
  const here = links.some((link) => pathname === link.to || pathname.startsWith(`${link.to}/`));
  return (
    <details key={pathname} className="admin-more">
      <summary className={here ? "active" : undefined}>{t("admin.layout.more")}</summary>
      <ul>
        {links.map((link) => (
          <li key={link.to}>
            <NavLink to={link.to}>{link.label}</NavLink>
          </li>
        ))}
      </ul>
    </details>
  );
}

export default function AdminLayout() {
  const { staff, csrf } = useLoaderData<typeof loader>();
  return (
    <div className="admin">
      {staff ? (
        <nav className="account-nav" aria-label={t("admin.layout.administration")}>
          <NavLink to="/admin" end>
            {t("admin.layout.dashboard")}
          </NavLink>
          <NavLink to="/admin/pledges/new">{t("admin.layout.newPledge")}</NavLink>
          <NavLink to="/admin/pledges" end>
            {t("admin.layout.pledges")}
          </NavLink>
          <NavLink to="/admin/supporters">{t("admin.layout.supporters")}</NavLink>
          <NavLink to="/admin/payments">{t("admin.layout.payments")}</NavLink>
          <NavLink to="/admin/exports">{t("admin.layout.exports")}</NavLink>
          <MoreMenu links={moreLinks(staff.role)} />
          <span className="admin-who">
            <span className="hint" title={`${staff.name} (${staff.role})`}>
              {staff.name} ({staff.role})
            </span>
            <SignOutButton action="/admin/sign-out" csrf={csrf} />
          </span>
        </nav>
      ) : null}
      <Outlet />
    </div>
  );
}
