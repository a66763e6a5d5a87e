import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { supporters } from "@db/schema";
import { describeError, logger } from "~/log.server";
import { getPaymentProvider, type PaymentProvider } from "~/payments/provider.server";
import { addressOf } from "./supporters.server";

/**
 * Stripe keeps its own copy of a customer's name, email and address (its invoices, receipts and
 * portal show them). A supporter's change is saved here first, and marked due in the same
 * transaction; pushing it to Stripe happens after the commit, right away and again from the
 * scheduled job until Stripe has it, so Stripe being down never blocks or loses a change (ADR 036).
 */

/** Marks a supporter's Stripe customer as out of date, in the caller's transaction. No customer, nothing to do. */
export async function markCustomerSyncDue(
  tx: DB,
  { supporterId, now = new Date() }: { supporterId: number; now?: Date },
): Promise<boolean> {
  const marked = await tx
    .update(supporters)
    // Strictly later than any earlier mark, so a push of the older state cannot clear this one.
    .set({
      stripeCustomerSyncDueAt: sql`greatest(${now.toISOString()}::timestamptz, ${supporters.stripeCustomerSyncDueAt} + interval '1 millisecond')`,
    })
    .where(and(eq(supporters.id, supporterId), isNotNull(supporters.stripeCustomerId), isNull(supporters.erasedAt)))
    .returning({ id: supporters.id });
  return marked.length > 0;
}

export type CustomerPush = "updated" | "missing" | "not_due" | "failed";

/**
 * Sends one supporter's current details to their Stripe customer, if still due. Whatever the row
 * holds when read is what Stripe gets; the mark is cleared only if no newer change came meanwhile.
 */
export async function pushCustomer(
  db: DB,
  { supporterId, provider = getPaymentProvider() }: { supporterId: number; provider?: PaymentProvider },
): Promise<CustomerPush> {
  const [row] = await db
    .select()
    .from(supporters)
    .where(
      and(eq(supporters.id, supporterId), isNotNull(supporters.stripeCustomerSyncDueAt), isNull(supporters.erasedAt)),
    );
  if (!row?.stripeCustomerSyncDueAt || !row.stripeCustomerId) return "not_due";
  const due = row.stripeCustomerSyncDueAt;
  try {
    const outcome = await provider.updateCustomer({
      providerCustomerId: row.stripeCustomerId,
      name: row.name || null,
      email: row.email,
      address: addressOf(row),
      // One key per version of the details: a retry of the same version is the same request.
      idempotencyKey: `customer-sync:${row.id}:${due.getTime()}`,
    });
    await db
      .update(supporters)
      .set({ stripeCustomerSyncDueAt: null, stripeCustomerSyncAttempts: 0 })
      .where(and(eq(supporters.id, row.id), eq(supporters.stripeCustomerSyncDueAt, due)));
    if (outcome === "missing") logger.warn({ supporterId: row.id }, "stripe customer gone: profile change not synced");
    return outcome;
  } catch (error) {
    await db
      .update(supporters)
      .set({ stripeCustomerSyncAttempts: sql`${supporters.stripeCustomerSyncAttempts} + 1` })
      .where(eq(supporters.id, row.id));
    logger.warn(
      { supporterId: row.id, attempts: row.stripeCustomerSyncAttempts + 1, err: describeError(error) },
      "stripe customer sync failed; will retry",
    );
    return "failed";
  }
}

/** Tries at most this many in one run, and stops after this many failures in a row: Stripe is down. */
const BATCH = 100;
const GIVE_UP_AFTER_FAILURES = 3;

/** The scheduled job's part: every supporter still due, oldest change first. */
export async function pushDueCustomers(
  db: DB,
  { provider = getPaymentProvider() }: { provider?: PaymentProvider } = {},
): Promise<{ updated: number; failed: number; remaining: number }> {
  const due = await db
    .select({ id: supporters.id })
    .from(supporters)
    .where(and(isNotNull(supporters.stripeCustomerSyncDueAt), isNull(supporters.erasedAt)))
    .orderBy(asc(supporters.stripeCustomerSyncDueAt))
    .limit(BATCH);
  let updated = 0;
  let failed = 0;
  let inARow = 0;
  let tried = 0;
  for (const { id } of due) {
    if (inARow >= GIVE_UP_AFTER_FAILURES) break;
    tried += 1;
    const outcome = await pushCustomer(db, { supporterId: id, provider });
    if (outcome === "failed") {
      failed += 1;
      inARow += 1;
    } else {
      inARow = 0;
      if (outcome !== "not_due") updated += 1;
    }
  }
  return { updated, failed, remaining: due.length - tried + failed };
}

const kicks = new Set<Promise<unknown>>();

/**
 * Right after the supporter's change commits: push it without making them wait. A failure is
 * logged and left to the job.
 */
export function kickCustomerSync(db: DB, supporterId: number): void {
  const kick = pushCustomer(db, { supporterId })
    .catch((error) => logger.error({ supporterId, err: describeError(error) }, "stripe customer sync kick failed"))
    .finally(() => kicks.delete(kick));
  kicks.add(kick);
}

/** Tests and graceful shutdown: wait for pushes already started. */
export async function settleCustomerSyncKicks(): Promise<void> {
  while (kicks.size > 0) await Promise.allSettled([...kicks]);
}
