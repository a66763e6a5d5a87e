import { hash, verify } from "@node-rs/argon2";
import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import { lazyMessage } from "~/i18n/t";
import type { DB } from "@db/client.server";
import { one } from "@db/rows";
import { sessions, staffPasswordTokens, staffUsers, type StaffRole } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import {
  claimBackoffAttempt,
  forgetBackoff,
  refundBackoffAttempt,
  type BackoffCounter,
  type BackoffRule,
  type RateLimitRule,
} from "./rate-limit.server";
import { linkUrl } from "./link-seal.server";
import { hashToken, newToken, signedCookie } from "./tokens.server";

const STAFF_SESSION_TTL_MS = 12 * 60 * 60_000;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
/** Invitations and reset links: long enough to reach someone over a weekend. */
export const STAFF_PASSWORD_LINK_TTL_MS = 72 * 60 * 60_000;

export const StaffPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, lazyMessage("admin.error.password.tooShort", { min: MIN_PASSWORD_LENGTH }))
  .max(MAX_PASSWORD_LENGTH, lazyMessage("admin.error.password.tooLong", { max: MAX_PASSWORD_LENGTH }));

/** The set-password form: the new password twice. The confirmation is only compared; its bound keeps absurd input out. */
export const SetStaffPasswordFormSchema = z
  .object({
    password: StaffPasswordSchema,
    confirmation: z.string().max(4 * MAX_PASSWORD_LENGTH, lazyMessage("admin.error.password.mismatch")),
  })
  .refine((v) => v.password === v.confirmation, {
    path: ["confirmation"],
    ...lazyMessage("admin.error.password.mismatch"),
  });

const DAY_SECONDS = 24 * 60 * 60;
/**
 * Staff sign-in slows guessing down without locking anyone out (docs/decisions/030-sign-in-limits-and-links-at-rest.md). Each
 * counter allows some failures, then doubles the wait before the next attempt from 1 s up to
 * 15 minutes, and forgets after a day without attempts. From a client not known for the account:
 * per account and client address, per client address (across accounts), and per account across
 * every such client (a much higher allowance: many addresses guessing at one person). From a
 * known device (signed in there before: the ff_staff_device cookie), only that device's own
 * counter applies, so an attack from elsewhere never keeps the person out.
 */
export const STAFF_SIGN_IN_BACKOFF = {
  perAccountAndClient: {
    name: "staff-sign-in-pair",
    freeFailures: 3,
    baseDelaySeconds: 1,
    maxDelaySeconds: 900,
    forgetAfterSeconds: DAY_SECONDS,
  },
  perClient: {
    name: "staff-sign-in-client",
    freeFailures: 10,
    baseDelaySeconds: 1,
    maxDelaySeconds: 900,
    forgetAfterSeconds: DAY_SECONDS,
  },
  perAccount: {
    name: "staff-sign-in-account",
    freeFailures: 30,
    baseDelaySeconds: 1,
    maxDelaySeconds: 900,
    forgetAfterSeconds: DAY_SECONDS,
  },
  perKnownDevice: {
    name: "staff-sign-in-device",
    freeFailures: 3,
    baseDelaySeconds: 1,
    maxDelaySeconds: 900,
    forgetAfterSeconds: DAY_SECONDS,
  },
} satisfies Record<string, BackoffRule>;

/** How long a device stays known after its last sign-in there. */
const KNOWN_DEVICE_TTL_MS = 180 * DAY_SECONDS * 1000;

/** Set-password POSTs per client: a person needs a few tries; a token guesser needs millions. */
export const STAFF_SET_PASSWORD_LIMIT = {
  name: "staff-set-password-ip",
  limit: 10,
  windowSeconds: 900,
} satisfies RateLimitRule;

// OWASP's argon2id baseline (19 MiB, 2 passes).
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
let dummyHash: Promise<string> | undefined;

const staffCookie = () => signedCookie("ff_staff", { maxAgeMs: STAFF_SESSION_TTL_MS });
/** "<staff user id>.<random device id>", signed: bound to one person, unforgeable without SESSION_SECRET. */
const knownDeviceCookie = () => signedCookie("ff_staff_device", { maxAgeMs: KNOWN_DEVICE_TTL_MS });

async function knownDeviceOf(
  cookieHeader: string | null | undefined,
  staffUserId: number | undefined,
): Promise<string | null> {
  if (!cookieHeader || staffUserId === undefined) return null;
  const value = await knownDeviceCookie().parse(cookieHeader);
  if (typeof value !== "string") return null;
  const match = /^(\d+)\.([A-Za-z0-9_-]{20,100})$/.exec(value);
  return match && Number(match[1]) === staffUserId ? (match[2] ?? null) : null;
}

export async function createStaffUser(
  db: DB,
  input: { email: string; name: string; role: StaffRole; password: string | null },
) {
  const row = one(
    await db
      .insert(staffUsers)
      .values({
        email: input.email.trim(),
        name: input.name.trim(),
        role: input.role,
        passwordHash: input.password ? await hashPassword(input.password) : null,
      })
      .returning({ id: staffUsers.id }),
    "createStaffUser: insert staff user",
  );
  return row.id;
}

export type StaffSignIn =
  | { status: "ok"; cookie: string; deviceCookie: string; staffUserId: number }
  | { status: "invalid" }
  | { status: "rate_limited"; retryAfterSeconds: number };

/**
 * Email and password; failures say nothing about which part was wrong. `cookieHeader` is the
 * request's Cookie header: a known-device cookie for this account lets the right password in
 * whatever others are trying elsewhere. On success, `deviceCookie` (re)marks this device known.
 */
export async function signInStaff(
  db: DB,
  {
    email,
    password,
    clientAddress,
    cookieHeader,
    now = new Date(),
  }: { email: string; password: string; clientAddress: string; cookieHeader?: string | null; now?: Date },
): Promise<StaffSignIn> {
  const emailKey = email.trim().toLowerCase();
  const [user] = await db.select().from(staffUsers).where(eq(staffUsers.emailKey, emailKey));
  const device = await knownDeviceOf(cookieHeader, user?.id);
  const limits = STAFF_SIGN_IN_BACKOFF;
  // Keys are keyed hashes of these subjects (subjectDigest): no address or email in the table.
  // Never empty: the first counter is the person's own (forgotten on success below).
  const counters: [BackoffCounter, ...BackoffCounter[]] = device
    ? [{ rule: limits.perKnownDevice, subject: `${user!.id}\n${device}` }]
    : [
        { rule: limits.perAccountAndClient, subject: `${emailKey}\n${clientAddress}` },
        { rule: limits.perClient, subject: clientAddress },
        { rule: limits.perAccount, subject: emailKey },
      ];
  const claim = await claimBackoffAttempt(db, counters, now);
  if (!claim.allowed)
    return {
      status: "rate_limited",
      retryAfterSeconds: Math.max(1, Math.ceil((claim.retryAt.getTime() - now.getTime()) / 1000)),
    };
  dummyHash ??= hashPassword("no-such-staff-user-password");
  const valid = await verify(user?.passwordHash ?? (await dummyHash), password).catch(() => false);
  if (!user || !user.passwordHash || !valid || user.disabledAt) return { status: "invalid" };
  // The person's own counter starts again; the shared ones only lose this attempt, so signing in
  // to one account never buys guesses at another.
  const [own, ...shared] = counters;
  await forgetBackoff(db, own);
  for (const counter of shared) await refundBackoffAttempt(db, counter);
  const deviceId = device ?? newToken();
  return {
    status: "ok",
    cookie: await startStaffSession(db, user.id),
    deviceCookie: await knownDeviceCookie().serialize(`${user.id}.${deviceId}`),
    staffUserId: user.id,
  };
}

/** A new session row; returns the Set-Cookie header. */
async function startStaffSession(db: DB, staffUserId: number, now = new Date()): Promise<string> {
  const token = newToken();
  await db
    .insert(sessions)
    .values({ tokenHash: hashToken(token), staffUserId, expiresAt: new Date(now.getTime() + STAFF_SESSION_TTL_MS) });
  return staffCookie().serialize(token);
}

export type StaffSession = { sessionId: string; staffUserId: number; role: StaffRole; name: string };

/** The signed-in staff member; a disabled account or a revoked session counts as signed out at once. */
export async function getStaffSession(db: DB, request: Request, now = new Date()): Promise<StaffSession | null> {
  const token = await staffCookie().parse(request.headers.get("Cookie"));
  if (typeof token !== "string" || token.length < 20) return null;
  const [row] = await db
    .select({ sessionId: sessions.id, staffUserId: staffUsers.id, role: staffUsers.role, name: staffUsers.name })
    .from(sessions)
    .innerJoin(staffUsers, eq(staffUsers.id, sessions.staffUserId))
    .where(
      and(
        eq(sessions.tokenHash, hashToken(token)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        isNull(staffUsers.disabledAt),
      ),
    );
  return row ?? null;
}

/**
 * @deprecated Import from ~/http/guards.server (ADR 048). Kept for the admin routes not moved yet.
 */

export async function signOutStaff(db: DB, request: Request): Promise<string> {
  const session = await getStaffSession(db, request);
  if (session) await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, session.sessionId));
  return staffCookie().serialize("", { maxAge: 0 });
}

/**
 * Disabling a person ends their sessions and their unused set-password links at once, for good:
 * enabling them again revives neither (they need a new link).
 */
export async function disableStaffUser(db: DB, { staffUserId }: { staffUserId: number }) {
  await db.transaction(async (tx) => {
    const now = new Date();
    await tx.update(staffUsers).set({ disabledAt: now }).where(eq(staffUsers.id, staffUserId));
    await tx
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.staffUserId, staffUserId), isNull(sessions.revokedAt)));
    await expireOpenLinks(tx, staffUserId, now);
  });
}

export type StaffPasswordPurpose = (typeof staffPasswordTokens.$inferSelect)["purpose"];

/**
 * A single-use set-password link (an invitation or a reset), written in the caller's transaction
 * next to the email that carries it. Only the token's hash is stored; any older unused link of the
 * person stops working, so only the newest one sent can be used.
 */
export async function createStaffPasswordLink(
  tx: DB,
  {
    staffUserId,
    purpose,
    createdByStaffId,
    now = new Date(),
  }: { staffUserId: number; purpose: StaffPasswordPurpose; createdByStaffId: number | null; now?: Date },
): Promise<{ id: string; url: string }> {
  await expireOpenLinks(tx, staffUserId, now);
  const token = newToken();
  const row = one(
    await tx
      .insert(staffPasswordTokens)
      .values({
        tokenHash: hashToken(token),
        staffUserId,
        purpose,
        createdByStaffId,
        expiresAt: new Date(now.getTime() + STAFF_PASSWORD_LINK_TTL_MS),
      })
      .returning({ id: staffPasswordTokens.id }),
    "insert staff password link",
  );
  return { id: row.id, url: linkUrl("staffPassword", token) };
}

async function expireOpenLinks(tx: DB, staffUserId: number, now: Date) {
  await tx
    .update(staffPasswordTokens)
    .set({ expiresAt: now })
    .where(
      and(
        eq(staffPasswordTokens.staffUserId, staffUserId),
        isNull(staffPasswordTokens.usedAt),
        gt(staffPasswordTokens.expiresAt, now),
      ),
    );
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

export type StaffPasswordLink =
  { state: "valid"; staffUserId: number; purpose: StaffPasswordPurpose; name: string } | { state: "invalid" };

/**
 * What a link is, without using it up (mail scanners open links before people do). Unknown,
 * used, expired, and a disabled person's links are all simply "invalid": one message for all.
 */
export async function inspectStaffPasswordLink(db: DB, token: string, now = new Date()): Promise<StaffPasswordLink> {
  if (!TOKEN_SHAPE.test(token)) return { state: "invalid" };
  const [row] = await db
    .select({ link: staffPasswordTokens, name: staffUsers.name, disabledAt: staffUsers.disabledAt })
    .from(staffPasswordTokens)
    .innerJoin(staffUsers, eq(staffUsers.id, staffPasswordTokens.staffUserId))
    .where(eq(staffPasswordTokens.tokenHash, hashToken(token)));
  if (!row || row.link.usedAt || row.link.expiresAt <= now || row.disabledAt) return { state: "invalid" };
  return { state: "valid", staffUserId: row.link.staffUserId, purpose: row.link.purpose, name: row.name };
}

export type SetStaffPassword = { status: "ok"; cookie: string; staffUserId: number } | { status: "invalid" };

/**
 * Uses a link up (exactly once, even when two requests race), sets the person's password, ends
 * every session they had (after a reset an old session may be someone else's) and signs them in
 * on this device. Audit-logged as the person themselves.
 */
export async function setStaffPasswordWithLink(
  db: DB,
  { token, password, now = new Date() }: { token: string; password: string; now?: Date },
): Promise<SetStaffPassword> {
  if (!TOKEN_SHAPE.test(token)) return { status: "invalid" };
  // Hashing is slow on purpose: done before the transaction, which then holds its locks briefly.
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const [link] = await tx
      .update(staffPasswordTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(staffPasswordTokens.tokenHash, hashToken(token)),
          isNull(staffPasswordTokens.usedAt),
          gt(staffPasswordTokens.expiresAt, now),
          inArray(
            staffPasswordTokens.staffUserId,
            tx.select({ id: staffUsers.id }).from(staffUsers).where(isNull(staffUsers.disabledAt)),
          ),
        ),
      )
      .returning({
        id: staffPasswordTokens.id,
        staffUserId: staffPasswordTokens.staffUserId,
        purpose: staffPasswordTokens.purpose,
      });
    if (!link) return { status: "invalid" as const };
    await tx.update(staffUsers).set({ passwordHash }).where(eq(staffUsers.id, link.staffUserId));
    await tx
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.staffUserId, link.staffUserId), isNull(sessions.revokedAt)));
    await expireOpenLinks(tx, link.staffUserId, now);
    await recordAudit(tx, {
      actor: { type: "staff", id: link.staffUserId },
      action: "staff.password_set",
      target: { type: "staff_user", id: link.staffUserId },
      details: { purpose: link.purpose },
    });
    return {
      status: "ok" as const,
      cookie: await startStaffSession(tx, link.staffUserId, now),
      staffUserId: link.staffUserId,
    };
  });
}
