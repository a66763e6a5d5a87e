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
import { clientMessages } from "~/i18n/catalogue.server";
import { LOCALE_NAMES, LOCALES } from "~/i18n/locales";
import { I18nProvider } from "~/i18n/react";
import { requestLocale } from "~/i18n/request-locale.server";
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

export async function loader({ request }: LoaderFunctionArgs) {
  const settings = await getOrganisationSettings(getDb());
  const env = getEnv();
  const locale = requestLocale();
  const staff = /^\/admin(\/|$)/.test(new URL(request.url).pathname);
  return json({
    /** The page's language and the messages its browser code may need (ADR 049): data, not JavaScript. */
    locale,
    messages: clientMessages(locale, { staff }),
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
  const locale = data?.locale ?? "en";
  return (
    <I18nProvider locale={locale} messages={data?.messages ?? {}}>
      <Page lang={locale === "ru" ? "ru" : "en"}>{children}</Page>
    </I18nProvider>
  );
}

/** The language switcher (ADR 049): plain links, so it works without JavaScript; each name in its own language. */
function LanguageSwitcher({ current, back }: { current: string; back: string }) {
  return (
    <nav aria-label={t("site.language")} className="language-switcher">
      {LOCALES.map((locale) =>
        locale === current ? (
          <span key={locale} lang={locale} aria-current="true">
            {LOCALE_NAMES[locale]}
          </span>
        ) : (
          <a
            key={locale}
            lang={locale}
            hrefLang={locale}
            href={`/language?${new URLSearchParams({ to: locale, back }).toString()}`}
          >
            {LOCALE_NAMES[locale]}
          </a>
        ),
      )}
    </nav>
  );
}

function Page({ lang, children }: { lang: string; children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const accent = data && /^#[0-9a-fA-F]{6}$/.test(data.accentColor) ? data.accentColor : undefined;
  const nonce = useNonce();
  const { pathname, search } = useLocation();
  // The staff side has a header of its own: the public site's navigation has no place there.
  const admin = /^\/admin(\/|$)/.test(pathname);
  // The appeal block sits inside another site's page (ADR 044): no header, navigation or footer.
  if (/^\/embed\//.test(pathname))
    return (
      <html lang={lang}>
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
    <html lang={lang}>
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
            <nav aria-label={t("site.nav.label")}>
              <Link to="/">{t("site.nav.give")}</Link>
              <Link to="/support">{t("site.nav.support")}</Link>
            </nav>
            <LanguageSwitcher current={data?.locale ?? "en"} back={pathname + search} />
          </header>
        )}
        {data?.demo ? (
          <p className="demo-banner" role="note">
            {data.demo.payments === "simulated" ? t("site.demo.simulated") : t("site.demo.stripeTest")}
            {data.demo.mail === "mailbox" ? (
              <>
                {" "}
                <Link to="/dev/mailbox">{t("site.demo.mailbox")}</Link>
              </>
            ) : data.demo.mail === "kept" ? (
              <> {t("site.demo.mailKept")}</>
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
          <p>{t("site.footer.noTrackers")}</p>
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
  return (
    <Layout>
      <ErrorPage />
    </Layout>
  );
}

/**
 * Inside Layout, so that its words are looked up once the page's messages are in place: in the
 * browser they come with I18nProvider (ADR 049), which Layout renders.
 */
function ErrorPage() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  // A role refusal (a staff member on an admin-only page) says what it is, not "something went wrong".
  const denied = isRouteErrorResponse(error) && error.status === 403;
  const deniedText =
    denied && typeof error.data === "string" && error.data.trim() ? error.data.trim() : t("site.error.deniedDefault");
  return (
    <div className="panel">
      <h1>
        {notFound ? t("site.error.notFoundHeading") : denied ? t("site.error.deniedHeading") : t("site.error.heading")}
      </h1>
      <p>
        {notFound
          ? t("site.error.notFound")
          : denied
            ? t("site.error.denied", { reason: deniedText })
            : t("site.error.body")}
      </p>
      <p>
        {denied ? (
          <Link to="/admin">{t("site.error.dashboard")}</Link>
        ) : (
          <Link to="/">{t("site.error.backToCampaign")}</Link>
        )}
      </p>
    </div>
  );
}
