import { AsyncLocalStorage } from "node:async_hooks";
import { match } from "@formatjs/intl-localematcher";
import { getEnv } from "~/env.server";
import { cookieValue } from "~/http/cookie-pairs";
import { DEFAULT_LOCALE, isLocale, LOCALES, type Locale } from "./locales";

/** The cookie a reader's own choice of language is kept in (ADR 049). */
export const LANG_COOKIE = "ff_lang";

/**
 * A language used only by tests: every message wrapped in ⟦ ⟧, so a test can find text a page
 * shows that did not come from the catalogue (tests/integration/pseudo-locale.test.ts). The server
 * takes it only when FF_PSEUDO_LOCALE=1, never in production.
 */
export const PSEUDO_LOCALE = "en-XA";
export type RequestLocale = Locale | typeof PSEUDO_LOCALE;

const pseudoAllowed = () => {
  const env = getEnv();
  return env.FF_PSEUDO_LOCALE && env.NODE_ENV !== "production";
};

export type LocaleInputs = {
  /** The path and query, or a whole URL. */
  url: string;
  cookieHeader: string | null | undefined;
  acceptLanguage: string | null | undefined;
  /** The language of the campaign the page is for (campaigns.locale), when it is a campaign's page. */
  campaignLocale?: string | null;
};

/**
 * The language of a request (ADR 049): an explicit `?lang=`, then the reader's saved choice (the
 * cookie), then Accept-Language, then the language of the campaign the page is for, then English.
 * The embedded appeal block is cookie-free (ADR 044): only `?lang=` and Accept-Language count there.
 */
export function negotiateLocale(inputs: LocaleInputs): RequestLocale {
  const readers = readersLocale(inputs);
  if (readers) return readers;
  return isLocale(inputs.campaignLocale) ? inputs.campaignLocale : DEFAULT_LOCALE;
}

/** The language the reader asked for by the switcher, the cookie or Accept-Language; undefined when none of ours. */
function readersLocale({ url, cookieHeader, acceptLanguage }: LocaleInputs): RequestLocale | undefined {
  const { pathname, asked } = pathAndLang(url);
  // Staff pages stay English (ADR 049), their money and dates included.
  if (/^\/admin(?:\/|$)/.test(pathname)) return DEFAULT_LOCALE;
  if (isLocale(asked)) return asked;
  if (asked === PSEUDO_LOCALE && pseudoAllowed()) return PSEUDO_LOCALE;
  if (!pathname.startsWith("/embed/")) {
    const saved = cookieValue(cookieHeader, LANG_COOKIE);
    if (isLocale(saved)) return saved;
    if (saved === PSEUDO_LOCALE && pseudoAllowed()) return PSEUDO_LOCALE;
  }
  return matchAcceptLanguage(acceptLanguage);
}

/**
 * The campaign whose language a request may fall back to (ADR 049): its page (/c/:slug) or its
 * embedded block (/embed/:slug), when the reader asked for none of our languages. Null when the
 * reader's own choice decides, or the page is no campaign's.
 */
export function campaignSlugForLocale(inputs: LocaleInputs): string | null {
  return readersLocale(inputs) === undefined ? campaignSlugOf(inputs.url) : null;
}

function campaignSlugOf(url: string): string | null {
  return /^\/(?:c|embed)\/([a-z0-9][a-z0-9-]{0,79})$/.exec(pathAndLang(url).pathname)?.[1] ?? null;
}

/** A path of letters, digits, `-`, `_` and `/` only, not starting `//`: it is its own pathname, with no query. */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9/_-]*$/;

/** The path and the `?lang=` of a path and query or a whole URL; a plain path (every public page's) is not parsed. */
function pathAndLang(url: string): { pathname: string; asked: string | null } {
  if (PLAIN_PATH.test(url)) return { pathname: url, asked: null };
  const parsed = new URL(url, "http://x");
  return { pathname: parsed.pathname, asked: parsed.searchParams.get("lang") };
}

/**
 * negotiateLocale with the campaign's language looked up only when it can decide: most requests
 * (an Accept-Language we speak, a saved choice, a page that is no campaign's) need no query, and
 * are answered at once, not with a promise (the cached public pages: ADR 053).
 */
export function resolveLocale(
  inputs: LocaleInputs,
  campaignLocaleOf: (slug: string) => Promise<string | null>,
): RequestLocale | Promise<RequestLocale> {
  // The reader's own choice is read once: it decides for almost every request, on the hot path.
  const readers = readersLocale(inputs);
  if (readers) return readers;
  const slug = campaignSlugOf(inputs.url);
  if (!slug) return DEFAULT_LOCALE;
  return campaignLocaleOf(slug).then((campaignLocale) => (isLocale(campaignLocale) ? campaignLocale : DEFAULT_LOCALE));
}

/** Whether the reader has chosen a language in this browser. */
export function hasLangCookie(request: Request): boolean {
  return cookieValue(request.headers.get("cookie"), LANG_COOKIE) !== undefined;
}

export async function localeOfRequest(
  request: Request,
  campaignLocaleOf: (slug: string) => Promise<string | null>,
): Promise<RequestLocale> {
  return resolveLocale(
    {
      url: request.url,
      cookieHeader: request.headers.get("cookie"),
      acceptLanguage: request.headers.get("accept-language"),
    },
    campaignLocaleOf,
  );
}

/** The best of our languages for an Accept-Language header, by its q-values; English when none fits. */
export function fromAcceptLanguage(header: string | null | undefined): Locale {
  return matchAcceptLanguage(header) ?? DEFAULT_LOCALE;
}

/** The best of our languages for an Accept-Language header; undefined when it names none of them. */
function matchAcceptLanguage(header: string | null | undefined): Locale | undefined {
  if (!header) return undefined;
  const requested = header
    .split(",")
    .slice(0, 20)
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.tag !== "" && r.tag !== "*" && r.q > 0 && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(r.tag))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((r) => r.tag);
  if (requested.length === 0) return undefined;
  try {
    // "und" (undetermined) comes back when nothing fits, so a fit with English is told apart.
    const found = match(requested, [...LOCALES], "und", { algorithm: "best fit" });
    return isLocale(found) ? found : undefined;
  } catch {
    return undefined;
  }
}

const storage = new AsyncLocalStorage<RequestLocale>();

/** Runs a request's handling in its language: t(), money and dates use it unless told otherwise. */
export function withRequestLocale<T>(locale: RequestLocale, run: () => T): T {
  return storage.run(locale, run);
}

export function requestLocale(): RequestLocale {
  return storage.getStore() ?? DEFAULT_LOCALE;
}

/** The request's language as one a supporter can keep (the pseudo locale is English). */
export function storableLocale(): Locale {
  const locale = requestLocale();
  return isLocale(locale) ? locale : DEFAULT_LOCALE;
}

/**
 * A Set-Cookie header keeping a reader's choice for a year. Unsigned: it holds only a language,
 * read against the list of ours; HttpOnly, SameSite=Lax and Secure by the rule of our other cookies.
 */
export function langCookie(locale: Locale): string {
  const env = getEnv();
  const secure = env.NODE_ENV === "production" || env.appUrl.startsWith("https:");
  return `${LANG_COOKIE}=${locale}; Path=/; Max-Age=${60 * 60 * 24 * 365}; SameSite=Lax; HttpOnly${secure ? "; Secure" : ""}`;
}

/** Where to go back to after choosing a language: a path on this site only, else the home page. */
export function sameOriginPath(back: string | null | undefined): string {
  if (!back || !back.startsWith("/") || back.startsWith("//") || back.startsWith("/\\")) return "/";
  if (/[\u0000-\u001f\u007f]/.test(back)) return "/";
  // Drop a `lang` the page was opened with: the choice just made is the one that counts.
  const url = new URL(back, "http://x");
  if (url.origin !== "http://x") return "/";
  url.searchParams.delete("lang");
  return url.pathname + url.search;
}
