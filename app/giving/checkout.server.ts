import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, checkouts, payments, plans, type Currency } from "@db/schema";
import type { Campaign, Plan } from "~/campaigns/campaigns.server";
import { storableLocale } from "~/i18n/request-locale.server";
import { onOnionOrigin, publicOrigin } from "~/origins.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { getPaymentProvider } from "~/payments/provider.server";
import type { Donation, TierChoice } from "./forms.server";
import { retryPath } from "./retry.server";

type NewCheckout = {
  campaign: Campaign;
  plan: Plan | null;
  kind: (typeof checkouts.$inferInsert)["kind"];
  /** What the reader pays in: one of the campaign's currencies (ADR 050); the home currency when not given. */
  currency?: Currency;
  amountMinor: number;
  feeCoverMinor: number;
  email: string;
  name: string | null;
  anonymous: boolean;
  message: string | null;
  /** The wall may show the amount beside the message. */
  showAmount?: boolean;
  description: string;
  returnPath: string;
  /** Set when the checkout pays a phone pledge: the payment marks the pledge paid. */
  pledgeId?: number | null;
  /** The signed-in supporter who started it: only they let a checkout change their profile. */
  supporterId?: number | null;
  /** That supporter's customer at the provider, when they have one: the payment page opens with their details. */
  providerCustomerId?: string | null;
  /** A gift from the donate form: the payment page's cancel address names the checkout, so the form comes back filled in (ADR 040). */
  retryable?: boolean;
  /** Discreet giving (ADR 051): no email about this gift at all, or none with a sign-in link. */
  noEmail?: boolean;
  noAccountLink?: boolean;
};

/**
 * Asks the provider for a hosted payment page first and writes our checkout row only once it
 * exists: if the provider is down, nothing is written and the reader can simply try again.
 */
export async function startCheckout(db: DB, input: NewCheckout): Promise<{ checkoutId: string; url: string }> {
  const provider = getPaymentProvider();
  const appUrl = publicOrigin();
  const checkoutId = randomUUID();
  // The reader's language: Stripe's page opens in it, and it becomes the supporter's (ADR 049).
  const locale = storableLocale();
  const currency = input.currency ?? input.campaign.currency;
  const session = await provider.startCheckout({
    checkoutId,
    kind: input.kind,
    amountMinor: input.amountMinor + input.feeCoverMinor,
    feeCoverMinor: input.feeCoverMinor,
    currency,
    description: input.description,
    campaign: { id: input.campaign.id, slug: input.campaign.slug, name: input.campaign.name },
    plan: input.plan,
    email: input.email,
    locale,
    providerCustomerId: input.providerCustomerId ?? null,
    collectAddress: input.plan?.tier === "print",
    statementDescriptor: input.campaign.discreet ? input.campaign.statementDescriptor : null,
    successUrl: `${appUrl}/thanks?ref=${checkoutId}`,
    cancelUrl: `${appUrl}${input.retryable ? retryPath(input.returnPath, checkoutId) : input.returnPath}`,
  });
  await insertCheckoutFor(db).execute({
    id: checkoutId,
    campaignId: input.campaign.id,
    planId: input.plan?.id ?? null,
    kind: input.kind,
    amountMinor: input.amountMinor,
    feeCoverMinor: input.feeCoverMinor,
    currency,
    email: input.email,
    name: input.name ?? "",
    anonymous: input.anonymous,
    message: input.message,
    showAmount: input.showAmount ?? false,
    locale,
    pledgeId: input.pledgeId ?? null,
    supporterId: input.supporterId ?? null,
    provider: provider.name,
    providerSessionId: session.sessionId,
    noEmail: input.noEmail ?? false,
    noAccountLink: input.noAccountLink ?? false,
    onion: onOnionOrigin(),
  } satisfies Omit<typeof checkouts.$inferInsert, "status" | "createdAt" | "completedAt">);
  return { checkoutId, url: session.url };
}

/**
 * Every checkout start writes one row: the statement is built once per database (and prepared by
 * the driver) rather than by the query builder on each request.
 */
const preparedInserts = new WeakMap<DB, ReturnType<typeof prepareInsertCheckout>>();

function prepareInsertCheckout(db: DB) {
  const columns = [
    "id",
    "campaignId",
    "planId",
    "kind",
    "amountMinor",
    "feeCoverMinor",
    "currency",
    "email",
    "name",
    "anonymous",
    "message",
    "showAmount",
    "locale",
    "pledgeId",
    "supporterId",
    "provider",
    "providerSessionId",
    "noEmail",
    "noAccountLink",
    "onion",
  ] as const;
  const values = Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)])) as Record<
    (typeof columns)[number],
    ReturnType<typeof sql.placeholder>
  >;
  return db.insert(checkouts).values(values).prepare("insert_checkout");
}

function insertCheckoutFor(db: DB) {
  let prepared = preparedInserts.get(db);
  if (!prepared) preparedInserts.set(db, (prepared = prepareInsertCheckout(db)));
  return prepared;
}

export function startDonationCheckout(
  db: DB,
  {
    campaign,
    donation,
    returnPath,
    supporterId,
  }: { campaign: Campaign; donation: Donation; returnPath: string; supporterId?: number | null },
) {
  const amount = formatMoney(donation.amountMinor, donation.currency ?? campaign.currency);
  return startCheckout(db, {
    campaign,
    plan: null,
    kind: donation.kind,
    currency: donation.currency,
    amountMinor: donation.amountMinor,
    feeCoverMinor: donation.feeCoverMinor,
    email: donation.email,
    name: donation.name,
    anonymous: donation.anonymous,
    message: donation.message,
    showAmount: donation.showAmount ?? false,
    // A discreet campaign is not named where a bank, Stripe's receipts or a shared screen show it (ADR 051).
    description: campaign.discreet
      ? t(donation.kind === "monthly" ? "discreet.monthlyDescription" : "discreet.giftDescription", { amount })
      : donation.kind === "monthly"
        ? `Monthly gift of ${amount} to ${campaign.name}`
        : `Gift of ${amount} to ${campaign.name}`,
    returnPath,
    supporterId,
    retryable: true,
    noEmail: donation.noEmail ?? false,
    noAccountLink: donation.noAccountLink ?? false,
  });
}

export function startTierCheckout(
  db: DB,
  { campaign, choice, supporterId }: { campaign: Campaign; choice: TierChoice; supporterId?: number | null },
) {
  const { plan, currency = plan.currency, amountMinor = plan.amountMinor } = choice;
  return startCheckout(db, {
    campaign,
    plan,
    kind: plan.billing === "monthly" ? "tier_monthly" : "tier_one_time",
    currency,
    amountMinor,
    feeCoverMinor: 0,
    email: choice.email,
    name: choice.name,
    anonymous: false,
    message: null,
    description: plan.name,
    returnPath: "/support",
    supporterId,
  });
}

export type CheckoutStatus = {
  id: string;
  status: "open" | "processing" | "completed" | "failed";
  kind: (typeof checkouts.$inferSelect)["kind"];
  /** From the ledger when paid; what was asked for otherwise. Never from the query string. */
  amountMinor: number;
  currency: string;
  campaignName: string;
  campaignSlug: string;
  planName: string | null;
  receiptNumber: number | null;
  /** The campaign is discreet (ADR 051). */
  discreet: boolean;
};

export async function getCheckoutStatus(
  db: DB,
  { checkoutId }: { checkoutId: string },
): Promise<CheckoutStatus | null> {
  const [row] = await db
    .select({ checkout: checkouts, campaign: campaigns, planName: plans.name })
    .from(checkouts)
    .innerJoin(campaigns, eq(campaigns.id, checkouts.campaignId))
    .leftJoin(plans, eq(plans.id, checkouts.planId))
    .where(eq(checkouts.id, checkoutId));
  if (!row) return null;
  const [payment] = await db
    .select({ amountMinor: payments.amountMinor, currency: payments.currency, receiptNumber: payments.receiptNumber })
    .from(payments)
    .where(eq(payments.checkoutId, checkoutId))
    .orderBy(payments.id)
    .limit(1);
  const paid = Boolean(payment);
  return {
    id: row.checkout.id,
    status: paid ? "completed" : row.checkout.status === "completed" ? "processing" : row.checkout.status,
    kind: row.checkout.kind,
    amountMinor: payment?.amountMinor ?? row.checkout.amountMinor + row.checkout.feeCoverMinor,
    currency: payment?.currency ?? row.checkout.currency,
    campaignName: row.campaign.name,
    campaignSlug: row.campaign.slug,
    planName: row.planName,
    receiptNumber: payment?.receiptNumber ?? null,
    discreet: row.campaign.discreet,
  };
}
