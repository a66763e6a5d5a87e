import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "@db/client.server";
import { loginTokens, payments, supporters } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { hitRateLimit, type RateLimitRule } from "~/auth/rate-limit.server";
import { createLoginLink, EMAIL_CHANGE_TTL_MS, revokeAllSessions } from "~/auth/supporter-auth.server";
import { hashToken } from "~/auth/tokens.server";
import { supporterDiscretion } from "~/supporters/discretion.server";
import { enqueueEmail } from "~/email/outbox.server";
import { sqlState } from "~/log.server";
import { emailLocale } from "~/email/templates";
import { formValues, zodFieldErrors, type FormResult } from "~/giving/forms.server";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";
import type { PostalAddress } from "~/payments/events";
import { kickCustomerSync, markCustomerSyncDue } from "./customer-sync.server";
import { listEntitlements } from "./entitlements.server";
import { postalColumns } from "./supporters.server";
import { addressGiven, ADDRESS_FIELD_NAMES, email, name, postalAddress } from "~/validation/fields";

// Stripe keeps its own copy of the customer's name, email and address: a change saved here marks
// the customer due in the same transaction and is pushed after the commit (customer-sync.server).

export const EMAIL_CHANGE_LIMIT = { name: "email-change", limit: 5, windowSeconds: 3600 } satisfies RateLimitRule;

export const PROFILE_FIELDS = ["name", ...ADDRESS_FIELD_NAMES];

export const ProfileDetailsSchema = z.object({ name: name({ audience: "supporter" }).default("") });
const ProfileAddressSchema = postalAddress({ audience: "supporter" });

export type ProfileDetails = { name: string; address: PostalAddress | null };

/** Name and postal address; an address left entirely blank is removed, a partial one is an error. */
export function parseProfileDetails(formData: FormData): FormResult<ProfileDetails> {
  const values = formValues(formData, PROFILE_FIELDS);
  const name = ProfileDetailsSchema.safeParse(values);
  const address = addressGiven(values) ? ProfileAddressSchema.safeParse(values) : null;
  const errors = {
    ...(name.success ? {} : zodFieldErrors(name.error)),
    ...(address && !address.success ? zodFieldErrors(address.error) : {}),
  };
  if (!name.success || (address && !address.success)) return { ok: false, errors, values };
  return { ok: true, value: { name: name.data.name, address: address?.success ? address.data : null } };
}

export const EmailChangeSchema = z.object({ email });

export function parseEmailChange(formData: FormData): FormResult<{ email: string }> {
  const values = formValues(formData, ["email"]);
  const parsed = EmailChangeSchema.safeParse(values);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, errors: zodFieldErrors(parsed.error), values };
}

const notErased = (supporterId: number) => and(eq(supporters.id, supporterId), isNull(supporters.erasedAt));

/** What the profile page shows, for the signed-in supporter only. */
export async function getProfile(db: DB, { supporterId }: { supporterId: number }) {
  const [row] = await db.select().from(supporters).where(notErased(supporterId));
  if (!row) return null;
  return {
    name: row.name,
    email: row.email,
    anonymous: row.anonymous,
    address: row.addressLine1
      ? {
          line1: row.addressLine1,
          line2: row.addressLine2,
          city: row.addressCity,
          state: row.addressState,
          postalCode: row.addressPostalCode,
          country: row.addressCountry,
        }
      : null,
  };
}

export type ProfileUpdateOutcome = "saved" | "not_found" | "address_needed";

export async function updateProfileDetails(
  db: DB,
  input: { supporterId: number } & ProfileDetails,
): Promise<ProfileUpdateOutcome> {
  let syncDue = false;
  const outcome = await db.transaction(async (tx): Promise<ProfileUpdateOutcome> => {
    const [current] = await tx.select().from(supporters).where(notErased(input.supporterId)).for("update");
    if (!current) return "not_found";
    if (
      !input.address &&
      (await listEntitlements(tx, { supporterId: input.supporterId })).some((e) => e.tier === "print")
    )
      return "address_needed";
    const next = { name: input.name, ...postalColumns(input.address) };
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((key) => (current[key] ?? null) !== next[key]);
    if (changed.length === 0) return "saved";
    syncDue = await markCustomerSyncDue(tx, { supporterId: current.id });
    await tx
      .update(supporters)
      .set({ ...next, detailsFromCheckoutId: null, updatedAt: new Date() })
      .where(eq(supporters.id, current.id));
    // Which fields, never their values.
    await recordAudit(tx, {
      actor: { type: "supporter", id: current.id },
      action: "supporter.update_details",
      target: { type: "supporter", id: current.id },
      details: { fields: changed },
    });
    return "saved";
  });
  // After the commit, and never awaited: the supporter's save does not wait for Stripe.
  if (syncDue) kickCustomerSync(db, input.supporterId);
  return outcome;
}

export type EmailChangeRequest = "sent" | "same" | "rate_limited" | "not_found";

/**
 * Emails a confirmation link to the new address; nothing changes until it is used. Whether the
 * address belongs to someone else is not revealed here (only the link's owner learns it).
 */
export async function requestEmailChange(
  db: DB,
  { supporterId, newEmail, now = new Date() }: { supporterId: number; newEmail: string; now?: Date },
): Promise<EmailChangeRequest> {
  const [current] = await db
    .select({ email: supporters.email, locale: supporters.locale })
    .from(supporters)
    .where(notErased(supporterId));
  if (!current) return "not_found";
  if (current.email?.toLowerCase() === newEmail.toLowerCase()) return "same";
  if (!(await hitRateLimit(db, EMAIL_CHANGE_LIMIT, `supporter:${supporterId}`, now))) return "rate_limited";
  return db.transaction(async (tx) => {
    // A newer request replaces any earlier one still waiting.
    await tx
      .delete(loginTokens)
      .where(
        and(
          eq(loginTokens.supporterId, supporterId),
          eq(loginTokens.purpose, "email_change"),
          isNull(loginTokens.usedAt),
        ),
      );
    // Bound to the current address ("" for someone who has none yet: adding one works the same way).
    const url = await createLoginLink(tx, {
      supporterId,
      email: current.email ?? "",
      purpose: "email_change",
      newEmail,
      ttlMs: EMAIL_CHANGE_TTL_MS,
      now,
    });
    await enqueueEmail(tx, {
      template: "email-change-confirm",
      to: newEmail,
      locale: emailLocale(current.locale),
      // The token's hash, never the token: the outbox holds no usable link.
      // Discreet giving (ADR 051): a neutral subject for anyone who gave to a discreet campaign.
      discreet: (await supporterDiscretion(tx, supporterId)).discreet,
      idempotencyKey: `email-change:${hashToken(url.slice(url.lastIndexOf("/") + 1))}`,
      props: { organisation: organisationDetails(await getOrganisationSettings(tx)), url, newEmail },
    });
    await recordAudit(tx, {
      actor: { type: "supporter", id: supporterId },
      action: "supporter.request_email_change",
      target: { type: "supporter", id: supporterId },
    });
    return "sent" as const;
  });
}

function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}

/**
 * Applies a confirmed email change (called when the link sent to the new address is used).
 * Refuses an address another supporter has, however it is capitalised. Ends the supporter's
 * other sessions; the caller starts a fresh one.
 */
export async function confirmEmailChange(
  db: DB,
  input: { supporterId: number; newEmail: string; keepSessionId?: string },
): Promise<"changed" | "taken"> {
  const email = input.newEmail.trim();
  try {
    let syncDue = false;
    const outcome = await db.transaction(async (tx) => {
      const [other] = await tx
        .select({ id: supporters.id })
        .from(supporters)
        .where(and(eq(supporters.emailKey, email.toLowerCase()), ne(supporters.id, input.supporterId)));
      if (other) return "taken" as const;
      const updated = await tx
        .update(supporters)
        .set({ email, detailsFromCheckoutId: null, updatedAt: new Date() })
        .where(notErased(input.supporterId))
        .returning({ id: supporters.id });
      if (updated.length === 0)
        throw new Error(`supporter ${input.supporterId} cannot change email: not found or erased`);
      syncDue = await markCustomerSyncDue(tx, { supporterId: input.supporterId });
      await revokeAllSessions(tx, { supporterId: input.supporterId, except: input.keepSessionId || undefined });
      await recordAudit(tx, {
        actor: { type: "supporter", id: input.supporterId },
        action: "supporter.change_email",
        target: { type: "supporter", id: input.supporterId },
      });
      return "changed" as const;
    });
    if (syncDue) kickCustomerSync(db, input.supporterId);
    return outcome;
  } catch (error) {
    // Two confirmations racing for one address: the unique index decides.
    if (isUniqueViolation(error)) return "taken";
    throw error;
  }
}

/** A checkbox: "on" when ticked, absent when not. */
export const AnonymousSchema = z.object({
  anonymous: z
    .literal("on")
    .optional()
    .transform((v) => v === "on"),
});

/** "Don't show my name publicly": for future gifts, and for every gift already given. */
export async function setAnonymous(
  db: DB,
  { supporterId, anonymous }: { supporterId: number; anonymous: boolean },
): Promise<"saved" | "not_found"> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(supporters)
      .set({ anonymous, detailsFromCheckoutId: null, updatedAt: new Date() })
      .where(notErased(supporterId))
      .returning({ id: supporters.id });
    if (updated.length === 0) return "not_found";
    const gifts = await tx
      .update(payments)
      .set({ anonymous })
      .where(and(eq(payments.supporterId, supporterId), sql`${payments.anonymous} is distinct from ${anonymous}`))
      .returning({ id: payments.id });
    await recordAudit(tx, {
      actor: { type: "supporter", id: supporterId },
      action: "supporter.set_anonymous",
      target: { type: "supporter", id: supporterId },
      details: { anonymous, paymentsUpdated: gifts.length },
    });
    return "saved";
  });
}
