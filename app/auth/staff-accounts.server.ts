import { verify } from "@node-rs/argon2";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { staffPasswordTokens, staffUsers, type StaffRole } from "@db/schema";
import { recordAudit, type AuditEntry } from "~/audit/audit.server";
import { enqueueEmail } from "~/email/outbox.server";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";
import { email, name } from "~/validation/fields";
import {
  createStaffPasswordLink,
  createStaffUser,
  disableStaffUser,
  hashPassword,
  STAFF_PASSWORD_LINK_TTL_MS,
  StaffPasswordSchema,
  type StaffPasswordPurpose,
} from "./staff-auth.server";
import { lazyMessage, t } from "~/i18n/t";

/** Who an admin invites: no password, they choose their own through the emailed link. */
export const InviteStaffSchema = z.object({
  email,
  name: name({ audience: "staff", required: t("admin.error.staff.enterTheirName") }),
  role: z.enum(["admin", "staff"], lazyMessage("admin.error.staff.roleAdminOrStaff")),
});

/** The CLI's account with a password read from standard input. */
export const NewStaffSchema = InviteStaffSchema.extend({ password: StaffPasswordSchema });

/** Creates a staff account, or sets the password and role of an existing one (the CLI's recovery path). */
export async function upsertStaffAccount(
  db: DB,
  input: z.infer<typeof NewStaffSchema>,
): Promise<"created" | "updated"> {
  const [existing] = await db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(eq(staffUsers.emailKey, input.email.toLowerCase()));
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
export const DEMO_ADMIN = {
  email: "admin@example.org",
  name: "Demo Admin",
  role: "admin" as const,
  password: "fighting-fund-demo-admin",
};

export async function seedDemoAdmin(db: DB): Promise<boolean> {
  const [any] = await db.select({ id: staffUsers.id }).from(staffUsers).limit(1);
  if (any) return false;
  await createStaffUser(db, DEMO_ADMIN);
  return true;
}

/**
 * Whether the console may print the demo admin's sign-in: only while that account exists, is
 * an enabled admin and still has the demo password. A changed password is never hinted at.
 */
export async function demoAdminHasDemoPassword(db: DB): Promise<boolean> {
  const [admin] = await db
    .select({ passwordHash: staffUsers.passwordHash, role: staffUsers.role, disabledAt: staffUsers.disabledAt })
    .from(staffUsers)
    .where(eq(staffUsers.emailKey, DEMO_ADMIN.email.toLowerCase()));
  if (!admin?.passwordHash || admin.role !== "admin" || admin.disabledAt) return false;
  return verify(admin.passwordHash, DEMO_ADMIN.password).catch(() => false);
}

export type StaffAccount = {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  createdAt: Date;
  disabledAt: Date | null;
  /** Has set a password (an invited person has not, yet). */
  hasPassword: boolean;
  /** An unused set-password link is waiting. */
  linkPending: boolean;
};

/** Everyone with a staff account, for the admins' staff page. Never the password hash itself. */
export async function listStaffAccounts(db: DB): Promise<StaffAccount[]> {
  const [rows, pending] = await Promise.all([
    db
      .select({
        id: staffUsers.id,
        email: staffUsers.email,
        name: staffUsers.name,
        role: staffUsers.role,
        createdAt: staffUsers.createdAt,
        disabledAt: staffUsers.disabledAt,
        passwordHash: staffUsers.passwordHash,
      })
      .from(staffUsers)
      .orderBy(asc(staffUsers.name), asc(staffUsers.id)),
    pendingLinkHolders(db),
  ]);
  return rows.map(({ passwordHash, ...r }) => ({
    ...r,
    hasPassword: passwordHash !== null,
    linkPending: pending.has(r.id),
  }));
}

type Actor = AuditEntry["actor"];

/**
 * Queues the set-password email with a fresh link and writes its audit entry, in the caller's
 * transaction. The email carries the link; the outbox idempotency key is the link's id.
 */
async function sendPasswordLink(
  tx: DB,
  {
    person,
    purpose,
    actor,
    action,
  }: {
    person: { id: number; email: string; name: string };
    purpose: StaffPasswordPurpose;
    actor: Actor;
    action: string;
  },
) {
  const link = await createStaffPasswordLink(tx, {
    staffUserId: person.id,
    purpose,
    createdByStaffId: actor.type === "staff" ? actor.id : null,
  });
  await enqueueEmail(tx, {
    template: "staff-invite",
    to: person.email,
    // Staff pages and staff emails are in English.
    locale: "en",
    idempotencyKey: `staff-password-link:${link.id}`,
    props: {
      organisation: organisationDetails(await getOrganisationSettings(tx)),
      staffName: person.name,
      purpose,
      url: link.url,
      expiresInHours: STAFF_PASSWORD_LINK_TTL_MS / 3_600_000,
    },
  });
  await recordAudit(tx, {
    actor,
    action,
    target: { type: "staff_user", id: person.id },
    details: { purpose, linkId: link.id },
  });
}

/** An admin invites a person: an account without a password, and an emailed set-password link. Audit-logged. */
export async function inviteStaffAccount(
  db: DB,
  { input, actorStaffId }: { input: z.infer<typeof InviteStaffSchema>; actorStaffId: number },
): Promise<{ ok: true; id: number } | { ok: false; error: "email_taken" }> {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: staffUsers.id })
      .from(staffUsers)
      .where(eq(staffUsers.emailKey, input.email.toLowerCase()));
    if (existing) return { ok: false as const, error: "email_taken" as const };
    const id = await createStaffUser(tx, { ...input, password: null });
    await recordAudit(tx, {
      actor: { type: "staff", id: actorStaffId },
      action: "staff.create",
      target: { type: "staff_user", id },
      details: { role: input.role },
    });
    await sendPasswordLink(tx, {
      person: { id, email: input.email.trim(), name: input.name.trim() },
      purpose: "invite",
      actor: { type: "staff", id: actorStaffId },
      action: "staff.invite",
    });
    return { ok: true as const, id };
  });
}

/**
 * An admin sends a person a new link: the invitation again while they have no password, a reset
 * link once they have one (their password keeps working until they set a new one). Earlier links
 * stop working. Not for disabled accounts: re-enable them first.
 */
export async function sendStaffPasswordLink(
  db: DB,
  { staffUserId, actorStaffId }: { staffUserId: number; actorStaffId: number },
): Promise<{ status: "sent"; purpose: StaffPasswordPurpose } | { status: "not_found" | "disabled" }> {
  return db.transaction(async (tx) => {
    const [person] = await tx.select().from(staffUsers).where(eq(staffUsers.id, staffUserId)).for("update");
    if (!person) return { status: "not_found" as const };
    if (person.disabledAt) return { status: "disabled" as const };
    const purpose = person.passwordHash ? "reset" : "invite";
    await sendPasswordLink(tx, {
      person,
      purpose,
      actor: { type: "staff", id: actorStaffId },
      action: purpose === "reset" ? "staff.reset_link" : "staff.invite_resend",
    });
    return { status: "sent" as const, purpose };
  });
}

/**
 * The CLI's `--link`: creates the account without a password (or updates the name and role of an
 * existing one and re-enables it, as the password path does) and returns a set-password link to
 * hand over, instead of emailing it. Audit-logged with the system as actor.
 */
export async function upsertStaffAccountWithLink(
  db: DB,
  input: z.infer<typeof InviteStaffSchema>,
): Promise<{ outcome: "created" | "updated"; url: string }> {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: staffUsers.id, passwordHash: staffUsers.passwordHash })
      .from(staffUsers)
      .where(eq(staffUsers.emailKey, input.email.toLowerCase()));
    const id = existing ? existing.id : await createStaffUser(tx, { ...input, password: null });
    if (existing)
      await tx
        .update(staffUsers)
        .set({ name: input.name, role: input.role, disabledAt: null })
        .where(eq(staffUsers.id, id));
    else
      await recordAudit(tx, {
        actor: { type: "system", id: null },
        action: "staff.create",
        target: { type: "staff_user", id },
        details: { role: input.role },
      });
    const purpose = existing?.passwordHash ? "reset" : "invite";
    const link = await createStaffPasswordLink(tx, { staffUserId: id, purpose, createdByStaffId: null });
    await recordAudit(tx, {
      actor: { type: "system", id: null },
      action: purpose === "reset" ? "staff.reset_link" : "staff.invite",
      target: { type: "staff_user", id },
      details: { purpose, linkId: link.id, via: "cli" },
    });
    return { outcome: existing ? ("updated" as const) : ("created" as const), url: link.url };
  });
}

/** Whether each person has an unused, unexpired link waiting: the staff page says "invited". */
async function pendingLinkHolders(db: DB, now = new Date()): Promise<Set<number>> {
  const rows = await db
    .selectDistinct({ staffUserId: staffPasswordTokens.staffUserId })
    .from(staffPasswordTokens)
    .where(and(isNull(staffPasswordTokens.usedAt), gt(staffPasswordTokens.expiresAt, now)));
  return new Set(rows.map((r) => r.staffUserId));
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
    const [user] = await tx
      .select({ id: staffUsers.id })
      .from(staffUsers)
      .where(eq(staffUsers.id, staffUserId))
      .for("update");
    if (!user) return "not_found" as const;
    if (disabled) await disableStaffUser(tx, { staffUserId });
    else await tx.update(staffUsers).set({ disabledAt: null }).where(eq(staffUsers.id, staffUserId));
    await recordAudit(tx, {
      actor: { type: "staff", id: actorStaffId },
      action: disabled ? "staff.disable" : "staff.enable",
      target: { type: "staff_user", id: staffUserId },
    });
    return "ok" as const;
  });
}
