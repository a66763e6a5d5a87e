import { and, asc, eq, exists, gt, gte, isNull, lt, notExists, or, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, checkouts, payments, sessions, subscriptions, supporters } from "@db/schema";
import { STAFF_SET_PASSWORD_LIMIT, STAFF_SIGN_IN_BACKOFF } from "~/auth/staff-auth.server";
import {
  backoffPruneRule,
  checkoutLimits,
  deleteExpiredRateLimits,
  type RateLimitRule,
} from "~/auth/rate-limit.server";
import { DISCREET_ONE_OFF_RETENTION_DAYS } from "~/campaigns/discreet";
import { logger } from "~/log.server";
import { deleteOldResolvedWebhookFailures } from "~/payments/webhook-failures.server";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { EMAIL_CHANGE_LIMIT } from "~/supporters/profile.server";
import { eraseSupporterRecords } from "~/supporters/privacy.server";
import { SIGN_IN_LIMITS } from "~/supporters/sign-in.server";

/** Erasures per run, so one run's transaction stays short; the next run carries on. */
export const RETENTION_BATCH = 200;

export { DISCREET_ONE_OFF_RETENTION_DAYS };

export type RetentionReport = { retentionMonths: number | null; erased: number; discreetErased?: number };

function monthsBefore(date: Date, months: number): Date {
  const result = new Date(date);
  result.setUTCMonth(result.getUTCMonth() - months);
  return result;
}

/** Every rate limit that writes counter rows, so each row is kept for exactly its window. */
function rateLimitRules(): RateLimitRule[] {
  return [
    ...Object.values(checkoutLimits()),
    ...Object.values(SIGN_IN_LIMITS),
    ...Object.values(STAFF_SIGN_IN_BACKOFF).map(backoffPruneRule),
    STAFF_SET_PASSWORD_LIMIT,
    EMAIL_CHANGE_LIMIT,
  ];
}

/** claimOnce kinds (rows whose window_start is when they expire): proofs of work, waiting tickets (ADR 045). */
const ONE_TIME_CLAIMS = ["pow", "wait"] as const;

/**
 * Deletes resolved webhook failures older than 30 days and rate-limit rows that no longer count
 * (a passed window, a used proof of work past its expiry). When the organisation sets a retention
 * period, also erases the personal details of one-off donors with no activity for that long
 * (and, whatever it sets, those of discreet campaigns' one-off givers after 90 days, ADR 051):
 * never had a subscription (so there is nothing to cancel at the provider), no gift, sign-in or
 * started checkout since, and no one-time tier still running.
 */
export async function applyRetention(tx: DB, now: Date): Promise<RetentionReport> {
  // Whatever the organisation's setting: a resolved webhook failure's payload has served its purpose.
  const failuresDeleted = await deleteOldResolvedWebhookFailures(tx, now);
  if (failuresDeleted > 0) logger.info({ failuresDeleted }, "resolved webhook failures deleted");
  const rateLimitsDeleted = await deleteExpiredRateLimits(tx, {
    rules: rateLimitRules(),
    onceKinds: ONE_TIME_CLAIMS,
    now,
  });
  if (rateLimitsDeleted > 0) logger.info({ rateLimitsDeleted }, "expired rate-limit rows deleted");
  const { retentionMonths } = await getOrganisationSettings(tx);
  const discreetCutoff = new Date(now.getTime() - DISCREET_ONE_OFF_RETENTION_DAYS * 24 * 60 * 60_000);
  const discreetErased = await eraseStale(tx, now, discreetCutoff, { discreetOnly: true });
  if (discreetErased > 0) logger.info({ discreetErased }, "discreet one-off givers erased");
  // Said only when it happened, like the outbox's skipped count.
  const discreet = discreetErased > 0 ? { discreetErased } : {};
  if (!retentionMonths) return { retentionMonths: null, erased: 0, ...discreet };
  const erased = await eraseStale(tx, now, monthsBefore(now, retentionMonths), { discreetOnly: false });
  logger.info({ retentionMonths, erased }, "retention applied");
  return { retentionMonths, erased, ...discreet };
}

/**
 * Erases one-off givers with no activity since `cutoff`. `discreetOnly`: only those who have
 * given to discreet campaigns and to no other.
 */
async function eraseStale(tx: DB, now: Date, cutoff: Date, { discreetOnly }: { discreetOnly: boolean }) {
  const stale = await tx
    .select({ id: supporters.id })
    .from(supporters)
    .where(
      and(
        isNull(supporters.erasedAt),
        lt(supporters.createdAt, cutoff),
        lt(supporters.updatedAt, cutoff),
        notExists(
          tx.select({ id: subscriptions.id }).from(subscriptions).where(eq(subscriptions.supporterId, supporters.id)),
        ),
        notExists(
          tx
            .select({ id: payments.id })
            .from(payments)
            .where(
              and(
                eq(payments.supporterId, supporters.id),
                or(gte(payments.paidAt, cutoff), gt(payments.coversUntil, now)),
              ),
            ),
        ),
        notExists(
          tx
            .select({ id: sessions.id })
            .from(sessions)
            .where(and(eq(sessions.supporterId, supporters.id), gte(sessions.createdAt, cutoff))),
        ),
        // A gift under way must not land on a record erased the moment before.
        notExists(
          tx
            .select({ id: checkouts.id })
            .from(checkouts)
            .where(and(sql`lower(${checkouts.email}) = ${supporters.emailKey}`, gte(checkouts.createdAt, cutoff))),
        ),
        ...(discreetOnly
          ? [
              exists(
                tx
                  .select({ id: payments.id })
                  .from(payments)
                  .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
                  .where(and(eq(payments.supporterId, supporters.id), eq(campaigns.discreet, true))),
              ),
              notExists(
                tx
                  .select({ id: payments.id })
                  .from(payments)
                  .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
                  .where(and(eq(payments.supporterId, supporters.id), eq(campaigns.discreet, false))),
              ),
            ]
          : []),
      ),
    )
    .orderBy(asc(supporters.id))
    .limit(RETENTION_BATCH);
  let erased = 0;
  for (const { id } of stale) {
    if (
      await eraseSupporterRecords(tx, {
        supporterId: id,
        actor: { type: "system", id: null },
        reason: "retention",
        now,
      })
    )
      erased += 1;
  }
  return erased;
}
