import type { Currency } from "@db/types";

/**
 * The currency of the country a reader's browser names (Accept-Language "en-GB" → GBP), for the
 * currencies we take (ADR 050). Only a language tag that names a country counts: "en" alone says
 * nothing about where someone pays from. A country, not a rate: no amount is ever converted here.
 */
const BY_REGION: Readonly<Record<string, Currency>> = {
  AU: "AUD",
  NZ: "NZD",
  US: "USD",
  CA: "CAD",
  GB: "GBP",
  // The euro area (Bulgaria since 1 January 2026).
  ...Object.fromEntries(
    "AT BE BG CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK".split(" ").map((region) => [region, "EUR"]),
  ),
};

/** A country for each currency: what the public page cache renders a page for (public-page-cache.server.ts). */
export const REGION_OF: Readonly<Record<Currency, string>> = {
  AUD: "AU",
  NZD: "NZ",
  USD: "US",
  CAD: "CA",
  GBP: "GB",
  EUR: "DE",
};

/**
 * The currency of the first country among the languages the reader ranks highest; null when that
 * country's currency is not one we take (a reader in Russia: the campaign's own currency then), or
 * when no language names a country.
 */
export function regionCurrency(acceptLanguage: string | null | undefined): Currency | null {
  if (!acceptLanguage) return null;
  const ranked = acceptLanguage
    .split(",")
    .map((entry, order) => {
      const [tag = "", ...params] = entry.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q.slice(2)), order };
    })
    .filter((entry) => entry.tag !== "" && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranked) {
    let region: string | undefined;
    try {
      region = new Intl.Locale(tag).region;
    } catch {
      continue;
    }
    if (region) return BY_REGION[region] ?? null;
  }
  return null;
}
