import { and, asc, eq } from "drizzle-orm";
import { checkouts } from "@db/schema";
import { publicOrigin } from "~/origins.server";
import { estimateCardFee, formatMoneyNamed } from "~/money";
import { checkoutOfThisBrowser } from "./retry.server";
import type { DB } from "@db/client.server";
import { payments, plans, receipts, subscriptions, type Tier } from "@db/schema";
import { formatDate } from "~/dates";
import { t } from "~/i18n/t";
import { giftDescriptionForReader } from "~/payments/apply-event.server";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { getCheckoutStatus, type CheckoutStatus } from "./checkout.server";

/**
 * What happens after this payment, as the thank-you page tells it (ADR 035–036): for monthly support
 * how often and when next, for a year when it ends, for print when the first edition comes.
 */
export type WhatNext = {
  frequency: "once" | "monthly" | "year";
  tier: Tier | null;
  /** Monthly: the next payment, from the provider's period end once known, else a month on. */
  nextPaymentAt: string | null;
  /** Monthly support already set to end (or paused): no "next payment" promise. */
  endsAt: string | null;
  pausedUntil: string | null;
  /** 12 months: when the year paid for ends. */
  coversUntil: string | null;
  /** Print: by when the first posted edition should arrive (organisation setting); null = not said. */
  firstEditionBy: string | null;
  timeZone: string;
};

/** A gift whose reader chose no email (ADR 051): its receipt, shown on the thank-you page only. */
export type KeptReceipt = {
  receiptNumber: number;
  paidAt: string;
  amountMinor: number;
  currency: string;
  description: string;
  organisationName: string;
  timeZone: string;
};

export type ThanksPage = { status: CheckoutStatus; next: WhatNext | null; keptReceipt?: KeptReceipt | null };

const DAY_MS = 24 * 60 * 60_000;

function monthAfter(date: Date): Date {
  const next = new Date(date);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return next;
}

export async function getThanksPage(db: DB, { checkoutId }: { checkoutId: string }): Promise<ThanksPage | null> {
  const status = await getCheckoutStatus(db, { checkoutId });
  if (!status) return null;
  if (status.status !== "completed") return { status, next: null };
  const [row] = await db
    .select({ payment: payments, tier: plans.tier, subscription: subscriptions })
    .from(payments)
    .leftJoin(plans, eq(plans.id, payments.planId))
    .leftJoin(subscriptions, eq(subscriptions.id, payments.subscriptionId))
    .where(eq(payments.checkoutId, checkoutId))
    .orderBy(asc(payments.id))
    .limit(1);
  if (!row) return { status, next: null };
  const settings = await getOrganisationSettings(db);
  const { payment, subscription } = row;
  const monthly = status.kind === "monthly" || status.kind === "tier_monthly";
  const ending = subscription?.cancelAtPeriodEnd || subscription?.status === "canceled";
  const periodEnd =
    subscription?.currentPeriodEnd && subscription.currentPeriodEnd > payment.paidAt
      ? subscription.currentPeriodEnd
      : null;
  const nextPaymentAt =
    monthly && !ending && !subscription?.pausedUntil ? (periodEnd ?? monthAfter(payment.paidAt)) : null;
  const days = settings.firstPrintEditionDays;
  return {
    status,
    keptReceipt: await keptReceiptOf(db, { checkoutId, paymentId: payment.id, timeZone: settings.timeZone }),
    next: {
      frequency: monthly ? "monthly" : status.kind === "tier_one_time" ? "year" : "once",
      tier: row.tier,
      nextPaymentAt: nextPaymentAt?.toISOString() ?? null,
      endsAt: monthly && ending ? (subscription?.currentPeriodEnd?.toISOString() ?? null) : null,
      pausedUntil: monthly ? (subscription?.pausedUntil?.toISOString() ?? null) : null,
      // The same date the welcome email and the account give ("until …").
      coversUntil: payment.coversUntil?.toISOString() ?? null,
      firstEditionBy:
        row.tier === "print" && days !== null ? new Date(payment.paidAt.getTime() + days * DAY_MS).toISOString() : null,
      timeZone: settings.timeZone,
    },
  };
}

async function keptReceiptOf(
  db: DB,
  { checkoutId, paymentId, timeZone }: { checkoutId: string; paymentId: number; timeZone: string },
): Promise<KeptReceipt | null> {
  const [row] = await db
    .select({ snapshot: receipts.snapshot })
    .from(receipts)
    .innerJoin(checkouts, eq(checkouts.id, checkoutId))
    .where(and(eq(receipts.paymentId, paymentId), eq(checkouts.noEmail, true)));
  if (!row) return null;
  const { snapshot } = row;
  return {
    receiptNumber: snapshot.receiptNumber,
    paidAt: snapshot.paidAt,
    amountMinor: snapshot.amountMinor,
    currency: snapshot.currency,
    description: giftDescriptionForReader(snapshot),
    organisationName: snapshot.organisation.name,
    timeZone,
  };
}

/**
 * The receipt of a gift whose reader chose no email, as a plain text file to keep (ADR 051).
 * Null for any other checkout: a receipt that was emailed is not handed out by its link.
 */
export async function getKeptReceiptText(
  db: DB,
  { checkoutId }: { checkoutId: string },
): Promise<{ fileName: string; text: string } | null> {
  const page = await getThanksPage(db, { checkoutId });
  const receipt = page?.keptReceipt;
  if (!receipt) return null;
  const lines = [
    t("discreet.receiptHeading", { number: receipt.receiptNumber }),
    "",
    `${t("discreet.receiptFrom")}: ${receipt.organisationName}`,
    `${t("discreet.receiptDate")}: ${formatDate(receipt.paidAt, receipt.timeZone)}`,
    `${t("discreet.receiptAmount")}: ${formatMoneyNamed(receipt.amountMinor, receipt.currency)}`,
    `${t("discreet.receiptFor")}: ${receipt.description}`,
    "",
  ];
  return { fileName: `receipt-${receipt.receiptNumber}.txt`, text: lines.join("\r\n") };
}

/**
 * After a paid one-off gift (ADR 040): the offer to make it monthly, for the
 * same amount and the same choice about card fees, and the campaign's link to share. `oneStep`:
 * this browser gave it (its ff_gift cookie), so one press starts the monthly checkout; anyone
 * else with the link gets the campaign's form with the amount and frequency chosen.
 */
export type AfterGift = {
  amountMinor: number;
  /** Every month, with the card fees covered if the reader covered them this time. */
  monthlyTotalMinor: number;
  currency: string;
  oneStep: boolean;
  /** The campaign's form with monthly, this amount and this currency chosen (for another browser). */
  monthlyPath: string;
  campaignName: string;
  campaignUrl: string;
  /** A discreet campaign (ADR 051): no invitation to share it, which could expose the reader. */
  discreet: boolean;
};

export async function getAfterGift(db: DB, request: Request, page: ThanksPage): Promise<AfterGift | null> {
  const { status } = page;
  if (status.status !== "completed" || status.kind !== "one_off") return null;
  const [checkout] = await db.select().from(checkouts).where(eq(checkouts.id, status.id));
  if (!checkout) return null;
  const settings = await getOrganisationSettings(db);
  const fee =
    checkout.feeCoverMinor > 0
      ? estimateCardFee(checkout.amountMinor, {
          percentBps: settings.feePercentBps,
          fixedMinor: settings.feeFixedMinor,
        })
      : 0;
  return {
    amountMinor: checkout.amountMinor,
    monthlyTotalMinor: checkout.amountMinor + fee,
    currency: checkout.currency,
    oneStep: (await checkoutOfThisBrowser(request)) === checkout.id,
    // In the gift's currency: the form opens in it, with its presets (ADR 050).
    monthlyPath: `/c/${status.campaignSlug}?frequency=monthly&amount=${checkout.amountMinor}&currency=${checkout.currency}`,
    campaignName: status.campaignName,
    campaignUrl: `${publicOrigin()}/c/${status.campaignSlug}`,
    discreet: status.discreet,
  };
}
