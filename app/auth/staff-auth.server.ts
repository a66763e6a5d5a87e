import { hash, verify } from "@node-rs/argon2";
import { redirect } from "@remix-run/node";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { sessions, staffUsers, type StaffRole } from "@db/schema";
import { hitRateLimit, type RateLimitRule } from "./rate-limit.server";
import { hashToken, newToken, signedCookie } from "./tokens.server";

const STAFF_SESSION_TTL_MS = 12 * 60 * 60_000;
export const MIN_PASSWORD_LENGTH = 12;

export const STAFF_SIGN_IN_LIMITS = {
  perAccount: { name: "staff-sign-in-account", limit: 5, windowSeconds: 900 },
  perIp: { name: "staff-sign-in-ip", limit: 20, windowSeconds: 900 },
} satisfies Record<string, RateLimitRule>;

// OWASP's argon2id baseline (19 MiB, 2 passes).
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
let dummyHash: Promise<string> | undefined;

const staffCookie = () => signedCookie("ff_staff", { maxAgeMs: STAFF_SESSION_TTL_MS });

export async function createStaffUser(db: DB, input: { email: string; name: string; role: StaffRole; password: string | null }) {
  const [row] = await db
    .insert(staffUsers)
    .values({ email: input.email.trim(), name: input.name.trim(), role: input.role, passwordHash: input.password ? await hashPassword(input.password) : null })
    .returning({ id: staffUsers.id });
  return row.id;
}

export type StaffSignIn = { status: "ok"; cookie: string; staffUserId: number } | { status: "invalid" | "rate_limited" };

/** Email and password; failures say nothing about which part was wrong. */
export async function signInStaff(db: DB, { email, password, clientAddress }: { email: string; password: string; clientAddress: string }): Promise<StaffSignIn> {
  if (!(await hitRateLimit(db, STAFF_SIGN_IN_LIMITS.perIp, clientAddress))) return { status: "rate_limited" };
  if (!(await hitRateLimit(db, STAFF_SIGN_IN_LIMITS.perAccount, email))) return { status: "rate_limited" };
  const [user] = await db.select().from(staffUsers).where(eq(staffUsers.emailKey, email.trim().toLowerCase()));
  dummyHash ??= hashPassword("no-such-staff-user-password");
  const valid = await verify(user?.passwordHash ?? (await dummyHash), password).catch(() => false);
  if (!user || !user.passwordHash || !valid || user.disabledAt) return { status: "invalid" };
  const token = newToken();
  await db.insert(sessions).values({ tokenHash: hashToken(token), staffUserId: user.id, expiresAt: new Date(Date.now() + STAFF_SESSION_TTL_MS) });
  return { status: "ok", cookie: await staffCookie().serialize(token), staffUserId: user.id };
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
    .where(and(eq(sessions.tokenHash, hashToken(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), isNull(staffUsers.disabledAt)));
  return row ?? null;
}

/**
 * A staff loader's first line. No session: to the sign-in page. A staff member asking for an
 * admin-only page: 403.
 */
export async function requireStaff(db: DB, request: Request, { role }: { role?: "admin" } = {}): Promise<StaffSession> {
  const session = await getStaffSession(db, request);
  if (!session) throw redirect(`/admin/sign-in?next=${encodeURIComponent(new URL(request.url).pathname)}`, 303);
  if (role === "admin" && session.role !== "admin") throw new Response("Only an administrator can do this.", { status: 403 });
  return session;
}

export async function signOutStaff(db: DB, request: Request): Promise<string> {
  const session = await getStaffSession(db, request);
  if (session) await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, session.sessionId));
  return staffCookie().serialize("", { maxAge: 0 });
}

/** Disabling a person ends their sessions at once. */
export async function disableStaffUser(db: DB, { staffUserId }: { staffUserId: number }) {
  await db.transaction(async (tx) => {
    await tx.update(staffUsers).set({ disabledAt: new Date() }).where(eq(staffUsers.id, staffUserId));
    await tx.update(sessions).set({ revokedAt: new Date() }).where(and(eq(sessions.staffUserId, staffUserId), isNull(sessions.revokedAt)));
  });
}
