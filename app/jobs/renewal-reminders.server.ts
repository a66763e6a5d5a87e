import { and, eq, gt, inArray, isNotNull, isNull, lt, lte, notExists, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { DB } from "@db/client.server";
import { campaigns, checkouts, payments, plans, supporters } from "@db/schema";
import { createLoginLink, MANAGE_LINK_TTL_MS } from "~/auth/supporter-auth.server";
import { enqueueEmail } from "~/email/outbox.server";
import { emailLocale } from "~/email/templates";
import { t } from "~/i18n/t";
import { hasEmail } from "~/supporters/supporters.server";
import { publicOrigin } from "~/origins.server";
import { noAccountLinkOf, withGiftOrigin } from "~/supporters/discretion.server";
import { getOrganisationSettings, organisationDetails } from "~/organisation/settings.server";
import { queuedKeys } from "./existing-keys.server";

export const RENEWAL_NOTICE_DAYS = 30;

/**
 * One-time (12-month) supporters whose support ends within 30 days get one reminder per
 * payment — unless it was refunded in full, they were erased, or they already renewed (a
 * later tier payment exists). Supporters without an email address (phone-line callers who paid
 * by cheque) get no reminder: this one is an email with a sign-in link.
 */
export async function sendRenewalReminders(tx: DB, now: Date): Promise<{ queued: number }> {
  const later = alias(payments, "later_payment");
  const horizon = new Date(now.getTime() + RENEWAL_NOTICE_DAYS * 24 * 60 * 60_000);
  const due = await tx
    .select({
      paymentId: payments.id,
      supporterId: supporters.id,
      email: supporters.email,
      name: supporters.name,
      locale: supporters.locale,
      coversUntil: payments.coversUntil,
      planName: plans.name,
      // Discreet giving (ADR 051): a neutral sender and subject, and the reader's choice about email.
      discreet: campaigns.discreet,
      noEmail: sql<boolean>`coalesce(${checkouts.noEmail}, false)`,
      noAccountLink: sql<boolean>`coalesce(${noAccountLinkOf}, false)`,
      // Given at the onion address: the reminder's links point there.
      onion: sql<boolean>`coalesce(${checkouts.onion}, false)`,
    })
    .from(payments)
    .innerJoin(supporters, eq(supporters.id, payments.supporterId))
    .innerJoin(campaigns, eq(campaigns.id, payments.campaignId))
    .leftJoin(checkouts, eq(checkouts.id, payments.checkoutId))
    .leftJoin(plans, eq(plans.id, payments.planId))
    .where(
      and(
        eq(payments.kind, "tier_one_time"),
        gt(payments.coversUntil, now),
        lte(payments.coversUntil, horizon),
        lt(payments.refundedMinor, sql`${payments.amountMinor}`),
        isNull(supporters.erasedAt),
        isNotNull(supporters.email),
        notExists(
          tx
            .select({ id: later.id })
            .from(later)
            .where(
              and(
                eq(later.supporterId, payments.supporterId),
                inArray(later.kind, ["tier_one_time", "tier_monthly"]),
                gt(later.paidAt, payments.paidAt),
              ),
            ),
        ),
      ),
    );
  const key = (paymentId: number) => `renewal-reminder:${paymentId}`;
  const queued = await queuedKeys(
    tx,
    due.map((d) => key(d.paymentId)),
  );
  const todo = due.filter(hasEmail).filter((d) => !d.noEmail && !queued.has(key(d.paymentId)));
  if (todo.length === 0) return { queued: 0 };
  const organisation = organisationDetails(await getOrganisationSettings(tx));
  for (const reminder of todo)
    await withGiftOrigin(reminder, async () => {
      const manageUrl = reminder.noAccountLink
        ? null
        : await createLoginLink(tx, {
            supporterId: reminder.supporterId,
            email: reminder.email,
            purpose: "manage",
            ttlMs: MANAGE_LINK_TTL_MS,
            now,
          });
      await enqueueEmail(tx, {
        template: "renewal-reminder",
        to: reminder.email,
        locale: emailLocale(reminder.locale),
        discreet: reminder.discreet,
        idempotencyKey: key(reminder.paymentId),
        props: {
          organisation,
          donorName: reminder.name || null,
          tierName: reminder.planName ?? t("email.renewal.defaultTier", {}, emailLocale(reminder.locale)),
          coversUntil: reminder.coversUntil!.toISOString(),
          renewUrl: `${publicOrigin()}/support`,
          manageUrl,
        },
      });
    });
  return { queued: todo.length };
}
