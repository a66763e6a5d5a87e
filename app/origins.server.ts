import { getEnv } from "~/env.server";
import { currentRequestContext, runWithRequestContext } from "~/observability/request-context.server";

/**
 * The addresses this app answers at (ADR 051): APP_URL, and ONION_ORIGIN when the same app is
 * also an onion service. A request's links, CSRF checks and cookies follow the one it came to;
 * anything else (work with no request, an unknown Host) uses APP_URL.
 */
export function allowedOrigins(): string[] {
  const env = getEnv();
  return [env.appUrl, ...(env.onionOrigin ? [env.onionOrigin] : [])];
}

/** The hosts a form may be posted from, for the CSRF origin check. */
export function allowedHosts(): string[] {
  return allowedOrigins().map(hostOf);
}

// Every request asks for its origin (originForHost): each allowed origin is parsed once.
const hosts = new Map<string, string>();
function hostOf(origin: string): string {
  let host = hosts.get(origin);
  if (host === undefined) {
    host = new URL(origin).host;
    if (hosts.size < 16) hosts.set(origin, host);
  }
  return host;
}

/** The allowed origin whose host this is, else APP_URL: a Host header never makes up a link. */
export function originForHost(host: string | null | undefined): string {
  const found = host ? allowedOrigins().find((origin) => hostOf(origin) === host.toLowerCase()) : undefined;
  return found ?? getEnv().appUrl;
}

/** Where links made while handling the current request point: its own allowed origin. */
export function publicOrigin(): string {
  return currentRequestContext()?.origin ?? getEnv().appUrl;
}

/** The onion origin, when the current request came to it. */
export function onOnionOrigin(): boolean {
  const { onionOrigin } = getEnv();
  return onionOrigin !== null && publicOrigin() === onionOrigin;
}

/**
 * Whether cookies carry Secure: in production or wherever the public address is https (the same
 * rule as HSTS), except on an onion origin served over plain http, where a browser would drop a
 * Secure cookie and forms could never post. Tor encrypts and authenticates that connection end to
 * end, and our cookies are host-only, so they never travel to the clearnet address (ADR 051).
 */
export function cookiesAreSecure(): boolean {
  const env = getEnv();
  if (onOnionOrigin() && env.onionOrigin?.startsWith("http:")) return false;
  return env.NODE_ENV === "production" || env.appUrl.startsWith("https:");
}

/** Runs `work` with links made for `origin` (an allowed one), e.g. a receipt for a gift given over the onion service. */
export function withPublicOrigin<T>(origin: string, work: () => T): T {
  const context = currentRequestContext();
  return runWithRequestContext({ requestId: context?.requestId ?? "background", ...context, origin }, work);
}
