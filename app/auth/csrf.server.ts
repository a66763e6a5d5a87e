import { timingSafeEqual } from "node:crypto";
import { allowedHosts } from "~/origins.server";
import { randomText } from "~/random-text.server";
import { signedCookie } from "./tokens.server";

/**
 * Double-submit CSRF protection: a random token in a signed, HttpOnly, SameSite cookie must
 * match the hidden field of every mutating form, and the post must not come from another site.
 */
const CSRF_COOKIE = "ff_csrf";
const csrfCookie = () => signedCookie(CSRF_COOKIE);

const isToken = (value: unknown): value is string => typeof value === "string" && value.length >= 32;
export const newCsrfToken = () => randomText(24, "base64url");

async function readToken(request: Request): Promise<string | null> {
  const value = await csrfCookie().parse(request.headers.get("Cookie"));
  return isToken(value) ? value : null;
}

/** Machine-to-machine endpoints: no browser, no forms, no cookie. */
const NO_FORMS = [/^\/webhooks\//, /^\/healthz$/, /^\/readyz$/];

/**
 * Runs in server.mjs before Remix. Remix hands the layout's and the page's loaders separate
 * Request objects, so without this a first visit would get two different tokens and the form
 * whose cookie was overwritten (Sign out, in the layout) would fail once. A browser without a
 * valid cookie gets one here, on the request every loader reads as well as on the response.
 */
export async function ensureCsrfCookie({
  path,
  cookieHeader,
}: {
  path: string;
  cookieHeader: string | undefined;
}): Promise<{ token: string; issued: { cookieHeader: string; setCookie: string } | null } | null> {
  if (NO_FORMS.some((pattern) => pattern.test(path))) return null;
  const cookie = csrfCookie();
  const existing = await cookie.parse(cookieHeader ?? null);
  if (isToken(existing)) return { token: existing, issued: null };
  const token = newCsrfToken();
  const setCookie = await cookie.serialize(token);
  // A stale or forged ff_csrf would be read before ours: replace it.
  const others = (cookieHeader ?? "")
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "" && !pair.startsWith(`${CSRF_COOKIE}=`));
  return { token, issued: { cookieHeader: [...others, setCookie.split(";")[0]].join("; "), setCookie } };
}

/** The Set-Cookie value carrying this token (the public page cache renders with a stand-in one). */
export function csrfCookieFor(token: string): Promise<string> {
  return csrfCookie().serialize(token);
}

// Without server.mjs (tests calling loaders directly) a page's loaders may still share one Request:
// they must then hand out the same new token.
const issuedFor = new WeakMap<Request, Promise<{ token: string; headers: HeadersInit }>>();

/** The token for a page's forms, and a Set-Cookie header when the browser has none yet. */
export function issueCsrfToken(request: Request): Promise<{ token: string; headers: HeadersInit }> {
  let issued = issuedFor.get(request);
  if (!issued) {
    issued = (async (): Promise<{ token: string; headers: HeadersInit }> => {
      const existing = await readToken(request);
      if (existing) return { token: existing, headers: {} };
      const token = newCsrfToken();
      return { token, headers: { "Set-Cookie": await csrfCookie().serialize(token) } };
    })();
    issuedFor.set(request, issued);
  }
  return issued;
}

/**
 * Defence in depth next to the token: a post another site's page made is refused even if it
 * somehow carries a valid pair. Browsers say where a post comes from in Sec-Fetch-Site and Origin
 * (with our Referrer-Policy, same-origin, they send our own origin; "null" only from sandboxes,
 * odd redirects or pages with no-referrer, which Remix 2 refuses as well). No Origin at all (old
 * browsers): the token alone decides. Hosts are compared, as Remix does.
 */
function comesFromAnotherSite({
  origin,
  fetchSite,
  ownHosts,
}: {
  origin: string | null;
  fetchSite: string | null;
  ownHosts: (string | null | undefined)[];
}): boolean {
  if (fetchSite === "cross-site") return true;
  if (origin === null) return false;
  if (origin === "null") return true;
  const host = URL.canParse(origin) ? new URL(origin).host : null;
  return host === null || !ownHosts.includes(host);
}

/**
 * For server.mjs, before Remix: a form post from another site gets a plain 403 here (Remix would
 * answer a mismatched Origin with a 500). Machine endpoints are signed instead and pass through.
 */
export function isCrossSitePost({
  method,
  path,
  header,
}: {
  method: string;
  path: string;
  header: (name: string) => string | undefined;
}): boolean {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS" || NO_FORMS.some((pattern) => pattern.test(path)))
    return false;
  const forwardedHost = header("x-forwarded-host")?.split(",")[0]?.trim();
  return comesFromAnotherSite({
    origin: header("origin") ?? null,
    fetchSite: header("sec-fetch-site") ?? null,
    ownHosts: [header("host"), forwardedHost, ...allowedHosts()],
  });
}

/** What a person sees if that happens to them: nothing was done, and how to carry on. */
export const CROSS_SITE_POST_MESSAGE =
  "We didn't accept this form because it was sent from another website, not from our own pages. Nothing was changed. If you meant to send it, please open our site again and fill it in there.";

function isFromOurPages(request: Request): boolean {
  const header = (name: string) => request.headers.get(name);
  return !comesFromAnotherSite({
    origin: header("Origin"),
    fetchSite: header("Sec-Fetch-Site"),
    ownHosts: [new URL(request.url).host, ...allowedHosts()],
  });
}

export async function isValidCsrf(request: Request, formData: FormData): Promise<boolean> {
  if (!isFromOurPages(request)) return false;
  const expected = await readToken(request);
  const given = formData.get("csrf");
  if (!expected || typeof given !== "string" || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}
