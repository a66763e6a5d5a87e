import { createCookie } from "@remix-run/node";
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
  return createCookie(name, {
    httpOnly: true,
    sameSite: "lax",
    secure: cookiesAreSecure(),
    path: "/",
    ...(maxAgeMs ? { maxAge: maxAgeMs / 1000 } : {}),
    secrets: [env.sessionSecret],
  });
}
