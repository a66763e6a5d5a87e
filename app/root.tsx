import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import type { $ZodConfig } from "zod/v4/core";
import { getDb } from "@db/client.server";
import { getEnv } from "~/env.server";
import { t } from "~/i18n/t";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { useNonce } from "~/ui/nonce";
import { PageScripts } from "~/ui/page-scripts";
import stylesheet from "~/styles/app.css";
import { telHref } from "~/ui/tel";

// Zod probes for eval with `new Function` the first time it builds an object schema (not only
// when it parses): the CSP forbids eval, and the browser would report that probe as a violation.
// Route modules build their schemas when they load in the browser too, and the root module runs
// before any route's. Zod reads its settings from this global object, made before or after zod
// loads (zod's core.ts documents setting it early), so the root need not import zod: importing
// even zod's `config` sent all of zod (93 KB compressed) to every page, `/` included.
Object.assign(((globalThis as { __zod_globalConfig?: $ZodConfig }).__zod_globalConfig ??= {}), {
  jitless: true,
} satisfies $ZodConfig);

// The app's own icon (public/): browsers ask for /favicon.ico whatever the page says.
export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.ico", sizes: "32x32" },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader(_: LoaderFunctionArgs) {
  const settings = await getOrganisationSettings(getDb());
  const env = getEnv();
  return json({
    orgName: settings.orgName,
    accentColor: settings.accentColor,
    contactEmail: settings.contactEmail,
    phone: settings.phone,
    /** The public address, for absolute links in meta tags (Open Graph: ADR 044). */
    appUrl: env.appUrl,
    // Every page, cached public pages included, says when this is a demo (ADR 028).
    demo: env.demoBanner
      ? {
          payments: env.paymentsMode,
          mail: env.emailMode === "resend" ? "sent" : env.NODE_ENV === "production" ? "kept" : "mailbox",
        }
      : null,
  });
}

function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const accent = data && /^#[0-9a-fA-F]{6}$/.test(data.accentColor) ? data.accentColor : undefined;
  const nonce = useNonce();
  const { pathname } = useLocation();
  // The staff side has a header of its own: the public site's navigation has no place there.
  const admin = /^\/admin(\/|$)/.test(pathname);
  // The appeal block sits inside another site's page (ADR 044): no header, navigation or footer.
  if (/^\/embed\//.test(pathname))
    return (
      <html lang="en">
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <Meta />
          <Links />
        </head>
        <body className="embed-body" style={accent ? ({ "--accent": accent } as React.CSSProperties) : undefined}>
          {children}
          <PageScripts nonce={nonce} />
        </body>
      </html>
    );
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body style={accent ? ({ "--accent": accent } as React.CSSProperties) : undefined}>
        <a className="skip-link" href="#main">
          {t("site.skipToContent")}
        </a>
        {admin ? (
          <header className="site-header admin-header">
            <Link to="/admin" className="site-name">
              {data?.orgName ?? "Fighting Fund"} <span className="admin-header-label">Staff admin</span>
            </Link>
            <Link to="/" className="admin-header-public">
              Public site
            </Link>
          </header>
        ) : (
          <header className="site-header">
            <Link to="/" className="site-name">
              {data?.orgName ?? "Fighting Fund"}
            </Link>
            <nav aria-label="Main">
              <Link to="/">Give</Link>
              <Link to="/support">Become a supporter</Link>
            </nav>
          </header>
        )}
        {data?.demo ? (
          <p className="demo-banner" role="note">
            {data.demo.payments === "simulated"
              ? "Demo mode: payments are simulated and no money moves."
              : "Demo mode: payments use Stripe's test mode and no money moves."}
            {data.demo.mail === "mailbox" ? (
              <>
                {" "}
                Emails go to the <Link to="/dev/mailbox">dev mailbox</Link>.
              </>
            ) : data.demo.mail === "kept" ? (
              " Emails are not sent."
            ) : null}
          </p>
        ) : null}
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <p>
            {data?.orgName}
            {data?.contactEmail ? <> · {data.contactEmail}</> : null}
            {data?.phone ? (
              <>
                {" · "}
                <a href={telHref(data.phone)}>{data.phone}</a>
              </>
            ) : null}
          </p>
          <p>
            No trackers, no third-party scripts. Payments are handled by our card processor; we never see your card.
          </p>
        </footer>
        {/* Remix's scripts, or a page's own (app/ui/page-scripts.tsx), with this response's CSP nonce. */}
        <PageScripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return (
    <Layout>
      <Outlet />
    </Layout>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  // A role refusal (a staff member on an admin-only page) says what it is, not "something went wrong".
  const denied = isRouteErrorResponse(error) && error.status === 403;
  const deniedText =
    denied && typeof error.data === "string" && error.data.trim()
      ? error.data.trim()
      : "Your account can't open this page.";
  return (
    <Layout>
      <div className="panel">
        <h1>{notFound ? "Page not found" : denied ? "Not open to your account" : "Something went wrong"}</h1>
        <p>
          {notFound
            ? "We couldn't find that page."
            : denied
              ? `${deniedText} Ask an administrator if you need it done.`
              : "We couldn't load this page just now. Nothing you sent was lost: please try again in a moment."}
        </p>
        <p>{denied ? <Link to="/admin">Back to the dashboard</Link> : <Link to="/">Back to the campaign</Link>}</p>
      </div>
    </Layout>
  );
}
