import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { staffUsers } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { createStaffUser, disableStaffUser, hashPassword, MIN_PASSWORD_LENGTH } from "./staff-auth.server";

export const NewStaffSchema = z.object({
  email: z.string().trim().max(254).pipe(z.email("a valid email address is required")),
  name: z.string().trim().min(1, "a name is required").max(200),
  role: z.enum(["admin", "staff"], { message: "role must be admin or staff" }),
  password: z.string().min(MIN_PASSWORD_LENGTH, `the password must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1000),
});

/** Creates a staff account, or sets the password and role of an existing one (the CLI's recovery path). */
export async function upsertStaffAccount(db: DB, input: z.infer<typeof NewStaffSchema>): Promise<"created" | "updated"> {
  const [existing] = await db.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.emailKey, input.email.toLowerCase()));
  if (existing) {
    await db
      .update(staffUsers)
      .set({ name: input.name, role: input.role, passwordHash: await hashPassword(input.password), disabledAt: null })
      .where(eq(staffUsers.id, existing.id));
    return "updated";
  }
  await createStaffUser(db, input);
  return "created";
}

/** The demo installation's administrator: only ever created on the embedded database. */
export const DEMO_ADMIN = { email: "admin@example.org", name: "Demo Admin", role: "admin" as const, password: "fighting-fund-demo-admin" };

export async function seedDemoAdmin(db: DB): Promise<boolean> {
  const [any] = await db.select({ id: staffUsers.id }).from(staffUsers).limit(1);
  if (any) return false;
  await createStaffUser(db, DEMO_ADMIN);
  return true;
}

/** Everyone with a staff account, for the admins' staff page. Never the password hash. */
export function listStaffAccounts(db: DB) {
  return db
    .select({ id: staffUsers.id, email: staffUsers.email, name: staffUsers.name, role: staffUsers.role, createdAt: staffUsers.createdAt, disabledAt: staffUsers.disabledAt })
    .from(staffUsers)
    .orderBy(asc(staffUsers.name), asc(staffUsers.id));
}

/** An admin adds a person with a temporary password they tell them; audit-logged. */
export async function addStaffAccount(
  db: DB,
  { input, actorStaffId }: { input: z.infer<typeof NewStaffSchema>; actorStaffId: number },
): Promise<{ ok: true; id: number } | { ok: false; error: "email_taken" }> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.emailKey, input.email.toLowerCase()));
    if (existing) return { ok: false as const, error: "email_taken" as const };
    const id = await createStaffUser(tx, input);
    await recordAudit(tx, { actor: { type: "staff", id: actorStaffId }, action: "staff.create", target: { type: "staff_user", id }, details: { role: input.role } });
    return { ok: true as const, id };
  });
}

/**
 * Disables a person (their sessions end at once) or re-enables them; audit-logged. Nobody may
 * disable themselves, so at least one admin always remains able to sign in.
 */
export async function setStaffAccountDisabled(
  db: DB,
  { staffUserId, disabled, actorStaffId }: { staffUserId: number; disabled: boolean; actorStaffId: number },
): Promise<"ok" | "self" | "not_found"> {
  if (disabled && staffUserId === actorStaffId) return "self";
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.id, staffUserId)).for("update");
    if (!user) return "not_found" as const;
    if (disabled) await disableStaffUser(tx, { staffUserId });
    else await tx.update(staffUsers).set({ disabledAt: null }).where(eq(staffUsers.id, staffUserId));
    await recordAudit(tx, { actor: { type: "staff", id: actorStaffId }, action: disabled ? "staff.disable" : "staff.enable", target: { type: "staff_user", id: staffUserId } });
    return "ok" as const;
  });
}
