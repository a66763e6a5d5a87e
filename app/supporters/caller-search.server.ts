import { and, eq, isNull } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { supporters } from "@db/schema";
import { searchSupporters } from "./admin-supporters.server";
import { CALLER_SEARCH, type CallerMatch } from "./caller-search";
import { entitlementSummary, listEntitlements, type Entitlement } from "./entitlements.server";

const untilFormat = new Intl.DateTimeFormat("en-AU", { dateStyle: "medium", timeZone: "UTC" });

/** "Print and digital, renewing" or "Digital until 3 Mar 2027"; null when they receive nothing. */
export function describeEntitlements(entitlements: Entitlement[]): string | null {
  const { print, digital } = entitlementSummary(entitlements);
  if (!digital) return null;
  const what = print ? "Print and digital" : "Digital";
  // A renewing monthly tier has no end; otherwise the latest paid-up date is what the caller has.
  if (entitlements.some((e) => e.until === null)) return `${what}, renewing`;
  const until = Math.max(...entitlements.map((e) => new Date(e.until!).getTime()));
  return `${what} until ${untilFormat.format(until)}`;
}

/**
 * The supporters search (name, email, phone or postcode), cut to a short list and told what each
 * receives, so staff on the phone can pick the right person without opening their page.
 */
export async function searchCallers(
  db: DB,
  { q, limit = CALLER_SEARCH.limit }: { q: string; limit?: number },
): Promise<CallerMatch[]> {
  const { rows } = await searchSupporters(db, { q, limit });
  // At most `limit` small indexed lookups; a batched listEntitlements would save round trips if this grows.
  const entitlements = await Promise.all(rows.map((row) => listEntitlements(db, { supporterId: row.id })));
  return rows.map((row, i) => ({
    id: row.id,
    name: row.name,
    email: row.email ?? null,
    phone: row.phone,
    postcode: row.postalCode,
    entitlement: describeEntitlements(entitlements[i] ?? []),
  }));
}

/** The caller chosen on the pledge screen, with what the form needs to warn about (no address, no email). */
export async function getCallerForPledge(db: DB, { supporterId }: { supporterId: number }) {
  const [row] = await db
    .select({
      id: supporters.id,
      name: supporters.name,
      email: supporters.email,
      phone: supporters.phone,
      addressLine1: supporters.addressLine1,
      postcode: supporters.addressPostalCode,
    })
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!row) return null;
  const entitlements = await listEntitlements(db, { supporterId });
  return {
    id: row.id,
    name: row.name,
    email: row.email ?? null,
    phone: row.phone,
    postcode: row.postcode,
    hasAddress: row.addressLine1 !== null,
    entitlement: describeEntitlements(entitlements),
  };
}
