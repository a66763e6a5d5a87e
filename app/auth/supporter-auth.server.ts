import { and, eq, gt, isNull, ne } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { loginTokens, sessions, supporters, type LoginPurpose } from "@db/schema";
import { linkUrl } from "./link-seal.server";
import { hashToken, newToken, signedCookie } from "./tokens.server";

export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;
export const MANAGE_LINK_TTL_MS = 7 * 24 * 60 * 60_000;
export const EMAIL_CHANGE_TTL_MS = 24 * 60 * 60_000;
const SESSION_TTL_MS = 30 * 24 * 60 * 60_000;

const sessionCookie = () => signedCookie("ff_session", { maxAgeMs: SESSION_TTL_MS });

/**
 * Creates a single-use link token bound to the supporter's current email. Written in the
 * caller's transaction, next to the email that carries it.
 */
export async function createLoginLink(tx: DB, input: LoginLinkInput): Promise<string> {
  const { url, row } = newLoginLink(input);
  await tx.insert(loginTokens).values(row).onConflictDoNothing({ target: loginTokens.tokenHash });
  return url;
}

type LoginLinkInput = {
  supporterId: number;
  email: string;
  purpose: LoginPurpose;
  newEmail?: string;
  ttlMs: number;
  now?: Date;
  token?: string;
};

export type LoginTokenRow = {
  tokenHash: string;
  supporterId: number;
  email: string;
  purpose: LoginPurpose;
  newEmail: string | null;
  expiresAt: Date;
};

/** A sign-in link and the row that makes it valid, for a caller that writes the row itself (createLoginLink). */
export function newLoginLink(input: LoginLinkInput): { url: string; row: LoginTokenRow } {
  // A given token (the outbox worker's, derived from the message id so a retried send carries the
  // same link) is written once: its first expiry stands.
  const token = input.token ?? newToken();
  const now = input.now ?? new Date();
  return {
    url: linkUrl("supporter", token),
    row: {
      tokenHash: hashToken(token),
      supporterId: input.supporterId,
      email: input.email.toLowerCase(),
      purpose: input.purpose,
      newEmail: input.newEmail ?? null,
      expiresAt: new Date(now.getTime() + input.ttlMs),
    },
  };
}

export type LinkState =
  | { state: "valid"; purpose: LoginPurpose; supporterId: number; newEmail: string | null }
  | { state: "invalid" | "expired" | "used" };

/** What a link is, without using it up: mail scanners open links before people do. */
export async function inspectLoginLink(db: DB, token: string, now = new Date()): Promise<LinkState> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { state: "invalid" };
  const [row] = await db
    .select({ link: loginTokens, supporterEmail: supporters.email, erasedAt: supporters.erasedAt })
    .from(loginTokens)
    .innerJoin(supporters, eq(supporters.id, loginTokens.supporterId))
    .where(eq(loginTokens.tokenHash, hashToken(token)));
  // Bound to the address it was sent to: a link outlives no change of email, nor an erasure.
  // ("" binds an email-change link of a supporter who had no address when asking.)
  if (!row || row.erasedAt || (row.supporterEmail ?? "").toLowerCase() !== row.link.email) return { state: "invalid" };
  if (row.link.usedAt) return { state: "used" };
  if (row.link.expiresAt <= now) return { state: "expired" };
  return { state: "valid", purpose: row.link.purpose, supporterId: row.link.supporterId, newEmail: row.link.newEmail };
}

/** Uses a link up (exactly once, even when two requests race) and returns what it was for. */
export async function consumeLoginLink(db: DB, token: string, now = new Date()): Promise<LinkState> {
  const inspected = await inspectLoginLink(db, token, now);
  if (inspected.state !== "valid") return inspected;
  const used = await db
    .update(loginTokens)
    .set({ usedAt: now })
    .where(and(eq(loginTokens.tokenHash, hashToken(token)), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, now)))
    .returning({ id: loginTokens.id });
  return used.length === 1 ? inspected : { state: "used" };
}

/** Starts a database-backed session; returns the Set-Cookie header. */
export async function startSupporterSession(db: DB, supporterId: number, now = new Date()): Promise<string> {
  const token = newToken();
  await db
    .insert(sessions)
    .values({ tokenHash: hashToken(token), supporterId, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) });
  return sessionCookie().serialize(token);
}

export type SupporterSession = { sessionId: string; supporterId: number };

export async function getSupporterSession(
  db: DB,
  request: Request,
  now = new Date(),
): Promise<SupporterSession | null> {
  const token = await sessionCookie().parse(request.headers.get("Cookie"));
  if (typeof token !== "string" || token.length < 20) return null;
  const [row] = await db
    .select({ sessionId: sessions.id, supporterId: sessions.supporterId, erasedAt: supporters.erasedAt })
    .from(sessions)
    .innerJoin(supporters, eq(supporters.id, sessions.supporterId))
    .where(and(eq(sessions.tokenHash, hashToken(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)));
  if (!row || row.supporterId === null || row.erasedAt) return null;
  return { sessionId: row.sessionId, supporterId: row.supporterId };
}

export async function signOut(db: DB, request: Request, { everywhere }: { everywhere: boolean }): Promise<string> {
  const session = await getSupporterSession(db, request);
  if (session) {
    if (everywhere) await revokeAllSessions(db, { supporterId: session.supporterId });
    else await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, session.sessionId));
  }
  return sessionCookie().serialize("", { maxAge: 0 });
}

/** Ends every session of a supporter (sign out everywhere, erasure, email change), but `except` one if given. */
export async function revokeAllSessions(
  db: DB,
  { supporterId, except, now = new Date() }: { supporterId: number; except?: string; now?: Date },
) {
  await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(
      and(
        eq(sessions.supporterId, supporterId),
        isNull(sessions.revokedAt),
        except === undefined ? undefined : ne(sessions.id, except),
      ),
    );
}
