import { eq } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { staffUsers } from "@db/schema";
import { createStaffUser, hashPassword, MIN_PASSWORD_LENGTH } from "./staff-auth.server";

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
