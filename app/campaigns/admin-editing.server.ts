import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { t } from "~/i18n/t";
import { currencyExponent } from "~/money";

/** What the campaign and plan editors share: failures, version tokens, money and lines in forms. */

export { failure, staffActor, type Staff, type StaffFailure as EditFailure } from "~/auth/staff-actions.server";
export const checkTheForm = (): string => t("admin.error.checkTheForm");

/**
 * Campaigns and plans have no updated_at: the form carries a hash of the values it was loaded
 * with, and a save goes ahead only while the locked row still hashes the same.
 */
export function versionOf(values: readonly unknown[]): string {
  return createHash("sha256").update(JSON.stringify(values)).digest("hex").slice(0, 32);
}

/**
 * One editor at a time per kind of record (campaigns, plans): the checks made before a write —
 * slug or code free, which campaign is the default — stay true until it commits.
 */
export async function lockEditing(tx: DB, what: "campaigns" | "plans") {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`admin-edit:${what}`}, 0))`);
}

export { rowsOf } from "@db/client.server";

/** Minor units as a person would type them back: "25", "25.50". */
export function moneyInput(amountMinor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const scale = 10 ** exponent;
  const whole = Math.floor(amountMinor / scale);
  const fraction = amountMinor % scale;
  return fraction === 0 ? String(whole) : `${whole}.${String(fraction).padStart(exponent, "0")}`;
}

export { checkbox as Checkbox } from "~/giving/forms.server";

/** Field names whose values differ, for the audit entry (values themselves are not repeated there). */
export function changedFields<T extends Record<string, unknown>>(before: T, after: Partial<T>): string[] {
  return Object.keys(after).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}
