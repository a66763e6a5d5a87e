import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
import { getEnv } from "~/env.server";
import { cookiePairs } from "~/http/cookie-pairs";
import { allowedHosts, cookiesAreSecure } from "~/origins.server";
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

type EnsuredCsrf = { token: string; issued: { cookieHeader: string; setCookie: string } | null };

/**
 * Runs in server.mjs before Remix. Remix hands the layout's and the page's loaders separate
 * Request objects, so without this a first visit would get two different tokens and the form
 * whose cookie was overwritten (Sign out, in the layout) would fail once. A browser without a
 * valid cookie gets one here, on the request every loader reads as well as on the response.
 *
 * Answered at once when there is no cookie of the reader's to verify (a first visit, the cached
 * public pages' usual reader: ADR 053); a promise when Remix's signed cookie must read one.
 */
export function ensureCsrfCookie({
  path,
  cookieHeader,
}: {
  path: string;
  cookieHeader: string | undefined;
}): EnsuredCsrf | null | Promise<EnsuredCsrf | null> {
  if (NO_FORMS.some((pattern) => pattern.test(path))) return null;
  // Remix's cookie parser finds a cookie only by its name as it is written (it decodes values, not
  // names): without the name anywhere in the header there is nothing to verify.
  if (!cookieHeader?.includes(CSRF_COOKIE)) return issueCsrfCookie(cookieHeader);
  return csrfCookie()
    .parse(cookieHeader)
    .then((existing: unknown) =>
      isToken(existing) ? { token: existing, issued: null } : issueCsrfCookie(cookieHeader),
    );
}

/** A new token, its Set-Cookie header, and the reader's Cookie header as the loaders will read it. */
function issueCsrfCookie(cookieHeader: string | undefined): EnsuredCsrf {
  const token = newCsrfToken();
  const setCookie = csrfSetCookie(token);
  // A stale or forged ff_csrf would be read before ours: replace it.
  const others = cookiePairs(cookieHeader)
    .filter(({ name }) => name !== CSRF_COOKIE)
    .map(({ text }) => text);
  const pair = setCookie.slice(0, setCookie.indexOf(";"));
  return { token, issued: { cookieHeader: others.length > 0 ? [...others, pair].join("; ") : pair, setCookie } };
}

/**
 * The Set-Cookie header Remix's signed cookie (signedCookie, createCookie: cookie-signature and
 * the cookie package) writes for a token, byte for byte, made without it: every first visit to a
 * public page gets one, and Remix's encoding (JSON, URI escapes undone character by character,
 * base64, option parsing) cost three times its HMAC (ADR 053). The value is the token as JSON in
 * base64, a dot, and the HMAC-SHA256 of that base64 under SESSION_SECRET in base64 without its
 * padding, URI-encoded; then Remix's options for our cookies (Path=/, HttpOnly, Secure as
 * cookiesAreSecure says, SameSite=Lax). Remix's parse reads and verifies it as its own;
 * tests/unit/csrf-cookie.test.ts compares the two for random tokens. The one writer of the cookie:
 * first visits, loaders without server.mjs, and the public page cache's stand-in token.
 */
export function csrfSetCookie(token: string): string {
  const encoded = Buffer.from(JSON.stringify(token), "utf8").toString("base64");
  const signature = createHmac("sha256", signingKey()).update(encoded).digest("base64");
  const end = signature.endsWith("==") ? -2 : signature.endsWith("=") ? -1 : signature.length;
  const value = encodeURIComponent(`${encoded}.${signature.slice(0, end)}`);
  return `${CSRF_COOKIE}=${value}; Path=/; HttpOnly${cookiesAreSecure() ? "; Secure" : ""}; SameSite=Lax`;
}

// The secret as a key object, made once: createHmac with the string would prepare the key each time.
let key: { secret: string; object: KeyObject } | undefined;
function signingKey(): KeyObject {
  const secret = getEnv().sessionSecret;
  if (key?.secret !== secret) key = { secret, object: createSecretKey(Buffer.from(secret, "utf8")) };
  return key.object;
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
      return { token, headers: { "Set-Cookie": csrfSetCookie(token) } };
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
