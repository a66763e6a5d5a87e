import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, payments, plans, receipts, subscriptions, supporters } from "@db/schema";
import { activeLocale } from "~/i18n/active";
import { t } from "~/i18n/t";
import { paymentPurpose } from "~/payments/labels";
import { listEntitlements } from "./entitlements.server";
import { isRunning } from "./subscription-status";
import { formatPostalAddress } from "./supporters.server";

/** Everything /account shows, all of it owned by this supporter. */
export async function getAccountOverview(db: DB, { supporterId }: { supporterId: number }) {
  const [supporter] = await db
    .select()
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!supporter) return null;
  const subs = await db
    .select({
      sub: subscriptions,
      planName: plans.name,
      planRu: sql<string | null>`${plans.translations} -> 'ru' ->> 'name'`,
      tier: plans.tier,
      campaignName: campaigns.name,
    })
    .from(subscriptions)
    .innerJoin(campaigns, eq(campaigns.id, subscriptions.campaignId))
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.supporterId, supporterId))
    .orderBy(desc(subscriptions.createdAt));
  const paid = await db
    .select({ payment: payments, snapshot: receipts.snapshot })
    .from(payments)
    .leftJoin(receipts, eq(receipts.paymentId, payments.id))
    .where(eq(payments.supporterId, supporterId))
    .orderBy(desc(payments.paidAt))
    .limit(200);
  return {
    supporter: {
      name: supporter.name,
      email: supporter.email,
      anonymous: supporter.anonymous,
      postalAddress: formatPostalAddress(supporter),
      card: supporter.cardLast4
        ? {
            brand: supporter.cardBrand,
            last4: supporter.cardLast4,
            expMonth: supporter.cardExpMonth,
            expYear: supporter.cardExpYear,
          }
        : null,
    },
    subscriptions: subs.map(({ sub, planName: english, planRu, tier, campaignName }) => {
      // The plan's name in the reader's language where staff wrote one (app/campaigns/plan-text.ts).
      const planName = activeLocale() === "ru" && planRu ? planRu : english;
      return {
        /** Ended, and nothing of the same kind for the same campaign runs now: it can be started again. */
        canStartAgain:
          sub.status === "canceled" &&
          !subs.some(
            (other) =>
              other.sub.campaignId === sub.campaignId && other.sub.kind === sub.kind && isRunning(other.sub.status),
          ),
        id: sub.id,
        kind: sub.kind,
        what: planName ?? t("account.monthlyGiftTo", { campaign: campaignName }),
        tier,
        amountMinor: sub.amountMinor,
        currency: sub.currency,
        status: sub.status,
        nextPaymentAt: sub.status === "canceled" || sub.cancelAtPeriodEnd ? null : sub.currentPeriodEnd,
        endsAt: sub.cancelAtPeriodEnd ? sub.currentPeriodEnd : null,
        pausedUntil: sub.pausedUntil,
        updating: sub.pendingChange !== null,
      };
    }),
    entitlements: await listEntitlements(db, { supporterId }),
    payments: paid.map(({ payment, snapshot }) => ({
      id: payment.id,
      paidAt: payment.paidAt,
      amountMinor: payment.amountMinor,
      refundedMinor: payment.refundedMinor,
      currency: payment.currency,
      receiptNumber: payment.receiptNumber,
      description: snapshot?.description ?? payment.kind,
      purpose: paymentPurpose(payment.kind),
    })),
  };
}

/** One receipt, only if it belongs to this supporter. */
export async function getReceiptForSupporter(
  db: DB,
  { supporterId, paymentId }: { supporterId: number; paymentId: number },
) {
  const [row] = await db
    .select({ snapshot: receipts.snapshot, refundedMinor: payments.refundedMinor, kind: payments.kind })
    .from(receipts)
    .innerJoin(payments, eq(payments.id, receipts.paymentId))
    .where(and(eq(receipts.paymentId, paymentId), eq(payments.supporterId, supporterId)));
  return row ? { receipt: row.snapshot, refundedMinor: row.refundedMinor, purpose: paymentPurpose(row.kind) } : null;
}
