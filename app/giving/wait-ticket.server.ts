import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { subjectDigest } from "~/auth/rate-limit.server";
import { openSignedToken } from "~/auth/signed-token.server";
import { getEnv } from "~/env.server";
import { cookiesAreSecure } from "~/origins.server";
import { t } from "~/i18n/t";

/**
 * Waiting instead of JavaScript (docs/decisions/045-waiting-instead-of-javascript.md). Past the
 * checkout limits, a browser without JavaScript cannot do the proof of work; it gets a ticket
 * instead: a random nonce, a keyed hash of the address and of the form's contents, when it was
 * issued, when it becomes valid and when it expires, signed with HMAC-SHA-256 under the session
 * secret. No state is kept when it is issued; single use is enforced by the caller (claimOnce).
 */

/** How long a ticket stays good once its wait is over (a reader may have stepped away). */
export const WAIT_TICKET_TTL_SECONDS = 10 * 60;
const MAX_TICKET_LENGTH = 400;

const PayloadSchema = z.object({
  v: z.literal(1),
  n: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  sub: z.string().max(64),
  h: z.string().max(64),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
});

export type WaitTicket = { ticket: string; readyAt: Date; expiresAt: Date };

export type WaitTicketVerdict =
  | { ok: true; nonce: string; readyAt: Date; expiresAt: Date }
  | { ok: false; reason: "early"; readyAt: Date; expiresAt: Date }
  | { ok: false; reason: "malformed" | "forged" | "expired" | "other_connection" | "other_gift" };

const secret = () => getEnv().sessionSecret;
const sign = (payload: string) => createHmac("sha256", secret()).update(`wait-ticket:${payload}`).digest("base64url");

/** Fields that say how a form was sent, not what the gift is: never part of the contents. */
const CONTROL_FIELDS = new Set(["csrf", "website", "powChallenge", "powNonce", "waitTicket", "nojs"]);

/**
 * A keyed hash of what the form asked for and where it was sent: a ticket is good for this gift
 * only. Keyed, so the ticket (which travels in a page and a cookie) never carries a guessable
 * hash of an email address.
 */
export function formContentsHash(actionPath: string, values: Readonly<Record<string, string>>): string {
  const entries = Object.entries(values)
    .filter(([name, value]) => !CONTROL_FIELDS.has(name) && value !== "")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHmac("sha256", secret())
    .update(`wait-contents:${JSON.stringify([actionPath, entries])}`)
    .digest("base64url");
}

/**
 * The wait for an attempt `overBy` past the limits: the base for the first five, doubled for
 * every five after, up to the maximum (as the proof of work's difficulty rises, ADR 011).
 */
export function waitSecondsFor(overBy: number): number {
  const { CHECKOUT_WAIT_SECONDS: base, CHECKOUT_WAIT_MAX_SECONDS: max } = getEnv();
  const doublings = Math.min(30, Math.floor(Math.max(0, overBy - 1) / 5));
  return Math.min(max, base * 2 ** doublings);
}

/** A new ticket for this address and gift, valid from `readyAt` for WAIT_TICKET_TTL_SECONDS. */
export function issueWaitTicket({
  subject,
  contentsHash,
  readyAt,
  now = new Date(),
}: {
  subject: string;
  contentsHash: string;
  readyAt: Date;
  now?: Date;
}): WaitTicket {
  const nbf = Math.ceil(readyAt.getTime() / 1000);
  const exp = nbf + WAIT_TICKET_TTL_SECONDS;
  const payload = Buffer.from(
    JSON.stringify({
      v: 1,
      n: randomBytes(16).toString("base64url"),
      sub: subjectDigest(subject),
      h: contentsHash,
      iat: Math.floor(now.getTime() / 1000),
      nbf,
      exp,
    }),
  ).toString("base64url");
  return { ticket: `${payload}.${sign(payload)}`, readyAt: new Date(nbf * 1000), expiresAt: new Date(exp * 1000) };
}

/** Checks a ticket: signature, expiry, address, gift and wait, in that order. No database. */
export function verifyWaitTicket({
  ticket,
  subject,
  contentsHash,
  now = new Date(),
}: {
  ticket: unknown;
  subject: string;
  contentsHash: string;
  now?: Date;
}): WaitTicketVerdict {
  if (typeof ticket !== "string" || ticket.length > MAX_TICKET_LENGTH) return { ok: false, reason: "malformed" };
  const opened = openSignedToken(ticket, sign, PayloadSchema);
  if (!opened.ok) return opened;
  const { n, sub, h, nbf, exp } = opened.data;
  const readyAt = new Date(nbf * 1000);
  const expiresAt = new Date(exp * 1000);
  if (exp * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
  if (sub !== subjectDigest(subject)) return { ok: false, reason: "other_connection" };
  if (h !== contentsHash) return { ok: false, reason: "other_gift" };
  if (now < readyAt) return { ok: false, reason: "early", readyAt, expiresAt };
  return { ok: true, nonce: n, readyAt, expiresAt };
}

/** When a ticket (already verified or not) becomes valid, for the waiting page; null if unreadable. */
export function readWaitTicketTimes(ticket: string): { readyAt: Date; expiresAt: Date } | null {
  const [payload] = ticket.split(".");
  try {
    const parsed = PayloadSchema.safeParse(JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")));
    return parsed.success
      ? { readyAt: new Date(parsed.data.nbf * 1000), expiresAt: new Date(parsed.data.exp * 1000) }
      : null;
  } catch {
    return null;
  }
}

/**
 * The waiting gift, kept by the browser between the form and the waiting page: where the form
 * was sent, what it said and the ticket. A cookie, so the page can refresh itself without
 * script and without anything personal in its address; sealed (AES-256-GCM under a key derived
 * from the session secret) so that the details are not readable on the reader's disk either.
 * The ticket in it is what is trusted: the details are checked against its hash when the form
 * comes back.
 */
export const WAIT_COOKIE = "ff_wait";
export const WAIT_PATH = "/give/wait";
/** Browsers keep cookies up to 4 KB; a gift whose details would not fit gets the plain refusal. */
const MAX_COOKIE_VALUE = 3800;

/** Only the forms that start a checkout, and only their own paths, may be carried on. */
const ACTION_PATH = /^\/(\?index|c\/[a-z0-9]+(?:-[a-z0-9]+)*|support|thanks\?ref=[0-9a-f-]{36})$/;

const WaitingGiftSchema = z.object({
  action: z.string().regex(ACTION_PATH),
  values: z.record(z.string(), z.string().max(2000)),
  ticket: z.string().max(MAX_TICKET_LENGTH),
  because: z.enum(["connection", "email"]),
});
export type WaitingGift = z.infer<typeof WaitingGiftSchema>;

export const isCarriableActionPath = (path: string) => ACTION_PATH.test(path);

const cookieKey = () => createHash("sha256").update(`ff_wait-key:${secret()}`).digest();

function seal(gift: WaitingGift): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", cookieKey(), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(gift), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

function unseal(value: string): WaitingGift | null {
  try {
    const raw = Buffer.from(value, "base64url");
    if (raw.length < 29) return null;
    const decipher = createDecipheriv("aes-256-gcm", cookieKey(), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    const parsed = WaitingGiftSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const secureCookies = cookiesAreSecure;

/** The Set-Cookie header keeping this gift until its ticket expires; null when it would not fit. */
export function waitingGiftCookie(gift: WaitingGift, { expiresAt, now }: { expiresAt: Date; now: Date }) {
  const value = seal(gift);
  if (value.length > MAX_COOKIE_VALUE) return null;
  const maxAge = Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000));
  return `${WAIT_COOKIE}=${value}; Path=${WAIT_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secureCookies() ? "; Secure" : ""}`;
}

/** The waiting gift this browser holds, if any (and if it is ours and intact). */
export function readWaitingGift(request: Request): WaitingGift | null {
  const header = request.headers.get("Cookie") ?? "";
  for (const pair of header.split(";")) {
    const [name, ...rest] = pair.trim().split("=");
    if (name === WAIT_COOKIE) return unseal(rest.join("="));
  }
  return null;
}

/** Where "Start again" goes: the page whose form it was. */
const startPath = (action: string) => (action === "/?index" ? "/" : action);

/**
 * What the waiting page shows this browser: nothing to go on with (no gift, or its ticket has
 * expired), the wait and why (with or without the page refreshing itself), or, once the wait is
 * over, the gift's fields and ticket for the form that carries it on.
 */
export function waitingPage(request: Request, { now, csrf }: { now: Date; csrf: string }) {
  const autoRefresh = new URL(request.url).searchParams.get("refresh") !== "off";
  const gift = readWaitingGift(request);
  const times = gift ? readWaitTicketTimes(gift.ticket) : null;
  if (!gift || !times || times.expiresAt <= now)
    return { state: "gone" as const, startPath: gift ? startPath(gift.action) : "/" };
  if (now < times.readyAt) {
    const seconds = Math.max(1, Math.ceil((times.readyAt.getTime() - now.getTime()) / 1000));
    const wait =
      seconds < 120 ? t("wait.seconds", { seconds }) : t("wait.minutes", { minutes: Math.ceil(seconds / 60) });
    return {
      state: "waiting" as const,
      seconds,
      autoRefresh,
      message: t(`wait.why.${gift.because}`, { wait }),
      startPath: startPath(gift.action),
    };
  }
  return {
    state: "ready" as const,
    action: gift.action,
    ticket: gift.ticket,
    values: Object.entries(gift.values),
    csrf,
    startPath: startPath(gift.action),
  };
}
