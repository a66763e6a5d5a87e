import { type Cookie, createCookie } from "@remix-run/node";
import { getEnv } from "~/env.server";
import { cookiesAreSecure } from "~/origins.server";
import { createHash, randomBytes } from "node:crypto";

/** A random secret for a link or a cookie; only its hash is ever stored. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/**
 * Every cookie we set: signed, HttpOnly, SameSite=Lax, and Secure as cookiesAreSecure says (in
 * production or wherever the public address is https; not on an http onion origin, ADR 051).
 */
export function signedCookie(name: string, { maxAgeMs }: { maxAgeMs?: number } = {}) {
  const env = getEnv();
  const secure = cookiesAreSecure();
  // A cookie object holds nothing of a request's: one per set of options, not one per request.
  const key = `${name} ${maxAgeMs ?? ""} ${secure} ${env.sessionSecret}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie(name, {
      httpOnly: true,
      sameSite: "lax",
      secure,
      path: "/",
      ...(maxAgeMs ? { maxAge: maxAgeMs / 1000 } : {}),
      secrets: [env.sessionSecret],
    });
    if (cookies.size < 64) cookies.set(key, cookie);
  }
  return cookie;
}

const cookies = new Map<string, Cookie>();
