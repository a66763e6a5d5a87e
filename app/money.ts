import type { Currency } from "@db/schema";

/** Money is integer minor units plus an ISO currency; never a float. */
export type Money = { amountMinor: number; currency: Currency };

// Making an Intl.NumberFormat costs far more than using one (it was 7% of rendering `/`), and
// a page formats dozens of amounts in a handful of currencies: keep each one made. The keys are
// few (currencies × locales × whole-or-cents); should a caller ever pass locales from a request,
// the cap keeps the caches from growing without bound.
const CACHE_LIMIT = 256;
const exponents = new Map<string, number>();
const formatters = new Map<string, Intl.NumberFormat>();

export function currencyExponent(currency: string): number {
  let exponent = exponents.get(currency);
  if (exponent === undefined) {
    exponent =
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    if (exponents.size >= CACHE_LIMIT) exponents.clear();
    exponents.set(currency, exponent);
  }
  return exponent;
}

export type MoneyParseError = "empty" | "not_a_number" | "too_many_decimals" | "not_positive" | "too_large";

/**
 * Parses what a person typed ("25", "$25.50", "1,000") into minor units. Rejects rather than
 * rounds: "10.005" is a typo, not a gift of $10.01.
 */
export function parseMoney(
  input: string,
  currency: string,
): { ok: true; amountMinor: number } | { ok: false; error: MoneyParseError } {
  const exponent = currencyExponent(currency);
  const cleaned = input
    .trim()
    .replace(/^(?:[A-Z]{3}(?=[\s\d$£€-]))?\s*[$£€]?\s*/, "")
    .replace(/,(?=\d{3}(\D|$))/g, "")
    .replace(/\s/g, "");
  if (cleaned === "") return { ok: false, error: "empty" };
  if (/^-/.test(cleaned)) return { ok: false, error: "not_positive" };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  const whole = match?.[1];
  if (whole === undefined) return { ok: false, error: "not_a_number" };
  const fraction = match?.[2] ?? "";
  if (fraction.length > exponent) return { ok: false, error: "too_many_decimals" };
  if (whole.length > 12) return { ok: false, error: "too_large" };
  const amountMinor = Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, "0") || "0");
  if (amountMinor <= 0) return { ok: false, error: "not_positive" };
  return { ok: true, amountMinor };
}

/** Formats minor units for people. Whole amounts drop the cents: "$25", but "$25.50". */
export function formatMoney(
  amountMinor: number,
  currency: string,
  locale = "en-AU",
  options: { alwaysShowCents?: boolean } = {},
): string {
  const exponent = currencyExponent(currency);
  const whole = amountMinor % 10 ** exponent === 0 && !options.alwaysShowCents;
  return moneyFormatter(locale, currency, whole ? 0 : exponent, exponent).format(amountMinor / 10 ** exponent);
}

function moneyFormatter(
  locale: string,
  currency: string,
  minimumFractionDigits: number,
  maximumFractionDigits: number,
): Intl.NumberFormat {
  const key = `${locale}|${currency}|${minimumFractionDigits}|${maximumFractionDigits}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits,
      maximumFractionDigits,
    });
    if (formatters.size >= CACHE_LIMIT) formatters.clear();
    formatters.set(key, formatter);
  }
  return formatter;
}

/** Estimated card fee a donor may choose to cover: a percentage plus a fixed part, rounded up. */
export function estimateCardFee(amountMinor: number, fee: { percentBps: number; fixedMinor: number }): number {
  return Math.ceil((amountMinor * fee.percentBps) / 10_000) + fee.fixedMinor;
}
