import type { Env } from "~/env.server";
import { randomText } from "~/random-text.server";

/**
 * The headers every response carries (beginResponse in app/http/response-rules.server.ts sets them
 * first, whichever way in answers; a route's own value for one of them wins). Why each choice: docs/decisions/010-security-headers.md.
 */

/** Where a form's redirect may land without JavaScript: Stripe's hosted Checkout and Customer Portal. */
export const STRIPE_FORM_TARGETS = ["https://checkout.stripe.com", "https://billing.stripe.com"] as const;

/** A fresh nonce per response: Remix's inline scripts carry it, nothing else may run inline. */
export function newCspNonce(): string {
  return randomText(18, "base64");
}

/**
 * The one part of the site other sites may frame: the appeal block, /embed/<campaign> (ADR 044).
 * Its route names the origins an admin allowed; every other response is framed by no one.
 */
export function isEmbedPath(path: string): boolean {
  return /^\/embed\//.test(path);
}

export function contentSecurityPolicy({
  nonce,
  env,
  frameAncestors = [],
}: {
  nonce: string;
  env: Pick<Env, "paymentsMode">;
  /** Origins allowed to frame this response (the embed's setting); none: 'none'. */
  frameAncestors?: readonly string[];
}): string {
  // Chromium checks form-action on the redirect after a plain (no-JavaScript) form post too, so
  // the forms that answer with a redirect to Stripe need its hosted pages here. Nothing is embedded.
  const formTargets = env.paymentsMode === "stripe" ? ["'self'", ...STRIPE_FORM_TARGETS] : ["'self'"];
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Stylesheets are ours, but inline styles are allowed: style="" attributes (the progress bar's
    // width, the accent colour) and the <style> with which the giving forms' buttons follow the
    // radios without JavaScript. With img-src, font-src and connect-src at 'self', injected CSS
    // could not send anything to another host. See ADR 010 for the way to a nonce here too.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${formTargets.join(" ")}`,
    `frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(" ") : "'none'"}`,
  ].join("; ");
}

/** Powerful features none of our pages use. */
const PERMISSIONS_DENIED = [
  "accelerometer",
  "autoplay",
  "camera",
  "display-capture",
  "encrypted-media",
  "geolocation",
  "gyroscope",
  "hid",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "publickey-credentials-get",
  "screen-wake-lock",
  "serial",
  "usb",
  "xr-spatial-tracking",
  "browsing-topics",
];

const PERMISSIONS_POLICY = PERMISSIONS_DENIED.map((feature) => `${feature}=()`).join(", ");

// The public address is read for every response: parsed once (it is set once, at start-up).
let parsedAppUrl: { appUrl: string; https: boolean } | undefined;
function isHttps(appUrl: string): boolean {
  if (parsedAppUrl?.appUrl !== appUrl) parsedAppUrl = { appUrl, https: new URL(appUrl).protocol === "https:" };
  return parsedAppUrl.https;
}

export function securityHeaders({
  nonce,
  env,
  path = "/",
}: {
  nonce: string;
  env: Pick<Env, "paymentsMode" | "appUrl">;
  /** The request's path: under /embed/ the route decides about framing (X-Frame-Options has no "allow"). */
  path?: string;
}): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy({ nonce, env }),
    "X-Content-Type-Options": "nosniff",
    ...(isEmbedPath(path) ? {} : { "X-Frame-Options": "DENY" }),
    // No other site learns which of our pages someone came from; our own form posts keep their
    // Origin header (with no-referrer browsers would send "Origin: null"), which the CSRF check reads.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
  };
  // Only where the public address is https: that is where browsers reach us over TLS. A year, this
  // host only: the organisation's other subdomains are not ours to pin.
  if (isHttps(env.appUrl)) headers["Strict-Transport-Security"] = "max-age=31536000";
  return headers;
}
