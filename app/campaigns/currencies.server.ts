import { and, asc, desc, eq, inArray, isNotNull } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaignCurrencies, CURRENCIES, payments, planPrices, type Currency } from "@db/schema";
import type { Campaign, Plan } from "./campaigns.server";

/**
 * The currencies a campaign takes (ADR 050): its home currency, whose presets are on the campaign
 * row, then the others staff accepted, each with presets of its own. Every currency we allow has
 * two decimals (CURRENCIES), so an amount's minor units and the gift limits mean the same in each.
 */
export type CurrencyOffer = { currency: Currency; presetAmountsMinor: number[] };

export async function listCampaignCurrencies(db: DB, campaign: Campaign): Promise<CurrencyOffer[]> {
  const others = await db
    .select({ currency: campaignCurrencies.currency, presetAmountsMinor: campaignCurrencies.presetAmountsMinor })
    .from(campaignCurrencies)
    .where(eq(campaignCurrencies.campaignId, campaign.id))
    .orderBy(asc(campaignCurrencies.currency));
  return [
    { currency: campaign.currency, presetAmountsMinor: campaign.presetAmountsMinor },
    ...others.filter((o) => o.currency !== campaign.currency),
  ];
}

/**
 * The currency a reader sees first: the one they asked for (`?currency=`, the "Give in" chooser or
 * a link that carries it), if the campaign takes it; else the currency of the country their
 * browser names (`region`, from regionCurrency), if the campaign takes it; else the home currency.
 * The public page cache keeps a page per such currency (public-page-cache.server.ts), so a page
 * from memory opens in the same currency as one rendered for the reader.
 */
export function chooseCurrency(
  offers: readonly CurrencyOffer[],
  { asked, region }: { asked?: string | null; region?: string | null },
): Currency {
  const taken = (c: string | null | undefined) => offers.find((o) => o.currency === c?.toUpperCase())?.currency;
  return taken(asked) ?? taken(region) ?? offers[0]?.currency ?? "AUD";
}

export function offerFor(offers: readonly CurrencyOffer[], currency: string | undefined): CurrencyOffer | undefined {
  return offers.find((o) => o.currency === currency);
}

/** A plan's price in each currency it has one: its own first, then its other prices. */
export type PlanPrice = { currency: Currency; amountMinor: number };

export async function listPlanPrices(db: DB, planIds: readonly number[]): Promise<Map<number, PlanPrice[]>> {
  const rows =
    planIds.length === 0
      ? []
      : await db
          .select()
          .from(planPrices)
          .where(inArray(planPrices.planId, [...planIds]))
          .orderBy(asc(planPrices.planId), asc(planPrices.currency));
  const byPlan = new Map<number, PlanPrice[]>();
  for (const row of rows) {
    byPlan.set(row.planId, [
      ...(byPlan.get(row.planId) ?? []),
      { currency: row.currency, amountMinor: row.amountMinor },
    ]);
  }
  return byPlan;
}

/** What a plan costs in a currency, or undefined when it has no price in it. */
export function planPriceIn(plan: Plan, others: readonly PlanPrice[], currency: string): number | undefined {
  if (plan.currency === currency) return plan.amountMinor;
  return others.find((p) => p.currency === currency)?.amountMinor;
}

export async function planPricesOf(db: DB, plan: Plan): Promise<PlanPrice[]> {
  return (await listPlanPrices(db, [plan.id])).get(plan.id) ?? [];
}

/**
 * The newest rate Stripe applied converting `from` into `to`, from the balance transactions the
 * ledger holds (ADR 050): what an unsettled payment is estimated at. Never a rate of our own.
 */
export async function latestObservedRate(db: DB, { from, to }: { from: Currency; to: Currency }) {
  const [row] = await db
    .select({ rate: payments.settledExchangeRate })
    .from(payments)
    .where(and(eq(payments.currency, from), eq(payments.settledCurrency, to), isNotNull(payments.settledExchangeRate)))
    .orderBy(desc(payments.settledAt))
    .limit(1);
  return row?.rate ?? null;
}

export { CURRENCIES };
