import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { getEnv } from "~/env.server";
import { publicOrigin } from "~/origins.server";

/**
 * Links that carry a token: the only ones sealed in the outbox. Every place that mints such a link
 * builds it with linkUrl, so sealLinks recognises exactly these (docs/decisions/030-sign-in-limits-and-links-at-rest.md).
 */
export const TOKEN_LINK_PATHS = {
  supporter: "/account/auth/",
  pay: "/pay/",
  staffPassword: "/admin/set-password/",
} as const;
export type TokenLinkKind = keyof typeof TOKEN_LINK_PATHS;

export function linkUrl(kind: TokenLinkKind, token: string): string {
  return `${publicOrigin()}${TOKEN_LINK_PATHS[kind]}${token}`;
}

const TOKEN_LINK =
  /^https?:\/\/[^\s/]+(?:\/[^\s]*)?\/(?:account\/auth|pay|admin\/set-password)\/[A-Za-z0-9_-]{20,100}$/;
const SEALED = "sealed-link:v1:";

let cached: { secret: string; key: Buffer } | undefined;
function sealKey(): Buffer {
  const secret = getEnv().sessionSecret;
  if (cached?.secret !== secret)
    cached = { secret, key: Buffer.from(hkdfSync("sha256", secret, "", "fighting-fund outbox links v1", 32)) };
  return cached.key;
}

function seal(url: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealKey(), iv);
  const body = Buffer.concat([cipher.update(url, "utf8"), cipher.final()]);
  return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

export class SealedLinkError extends Error {
  constructor() {
    super("a link in this email cannot be opened: it was sealed with another SESSION_SECRET");
  }
}

function open(sealed: string): string {
  const raw = Buffer.from(sealed.slice(SEALED.length), "base64url");
  try {
    const decipher = createDecipheriv("aes-256-gcm", sealKey(), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    throw new SealedLinkError();
  }
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === "string") return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  }
  return value;
}

/**
 * Props as the outbox stores them: every token link encrypted (AES-256-GCM, a key derived from
 * SESSION_SECRET), so a read of the table, a backup or a log of props holds no usable link.
 */
export function sealLinks<T>(props: T): T {
  return mapStrings(props, (s) => (TOKEN_LINK.test(s) ? seal(s) : s)) as T;
}

/** The reverse, just before rendering: throws SealedLinkError if the secret has changed since. */
export function openLinks<T>(props: T): T {
  return mapStrings(props, (s) => (s.startsWith(SEALED) ? open(s) : s)) as T;
}
