import { randomBytes, timingSafeEqual } from "node:crypto";
import { signedCookie } from "./tokens.server";

/**
 * Double-submit CSRF protection: a random token in a signed, HttpOnly, SameSite cookie must
 * match the hidden field of every mutating form.
 */
const csrfCookie = () => signedCookie("ff_csrf");

async function readToken(request: Request): Promise<string | null> {
  const value = await csrfCookie().parse(request.headers.get("Cookie"));
  return typeof value === "string" && value.length >= 32 ? value : null;
}

// A page's loaders (layout and child) see the same Request: they must hand out the same new
// token, or the cookie set last would invalidate the other's forms.
const issuedFor = new WeakMap<Request, Promise<{ token: string; headers: HeadersInit }>>();

/** The token for a page's forms, and a Set-Cookie header when the browser has none yet. */
export function issueCsrfToken(request: Request): Promise<{ token: string; headers: HeadersInit }> {
  let issued = issuedFor.get(request);
  if (!issued) {
    issued = (async (): Promise<{ token: string; headers: HeadersInit }> => {
      const existing = await readToken(request);
      if (existing) return { token: existing, headers: {} };
      const token = randomBytes(24).toString("base64url");
      return { token, headers: { "Set-Cookie": await csrfCookie().serialize(token) } };
    })();
    issuedFor.set(request, issued);
  }
  return issued;
}

export async function isValidCsrf(request: Request, formData: FormData): Promise<boolean> {
  const expected = await readToken(request);
  const given = formData.get("csrf");
  if (!expected || typeof given !== "string" || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}
