import type { Currency } from "@db/schema";
import { activeIntlLocale } from "~/i18n/active";
import { intlLocale } from "~/i18n/locales";

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
/** Parse errors of an amount typed the local way: also a sign or code of another currency. */
export type AmountParseError = MoneyParseError | "wrong_currency";

/**
 * Parses what a person typed ("25", "$25.50", "1,000") into minor units, read the English way.
 * Rejects rather than rounds: "10.005" is a typo, not a gift of $10.01.
 */
export function parseMoney(
  input: string,
  currency: string,
): { ok: true; amountMinor: number } | { ok: false; error: AmountParseError } {
  return parseAmount(input, "en", currency);
}

// Signs any currency may be written with; a 3-letter code is one too. Only the campaign currency's are taken.
const CURRENCY_MARK = /[\p{L}]*[\p{Sc}]|[\p{L}]+\.?/gu;
let isoCodes: Set<string> | undefined;
/** Whether a word is a currency's code ("usd"); where Intl cannot list them, any three letters. */
function isCurrencyCode(word: string): boolean {
  if (!/^[a-z]{3}$/.test(word)) return false;
  const list = (Intl as { supportedValuesOf?: (key: "currency") => string[] }).supportedValuesOf?.("currency");
  if (!list) return true;
  isoCodes ??= new Set(list.map((code) => code.toLowerCase()));
  return isoCodes.has(word);
}
const allowedMarks = new Map<string, Set<string>>();

/** How people write this currency: its code and its symbols in English, Russian and the locale ("руб." for RUB). */
function marksOf(currency: string, locale: string): Set<string> {
  const key = `${currency}|${locale}`;
  let marks = allowedMarks.get(key);
  if (!marks) {
    marks = new Set([currency.toLowerCase()]);
    for (const tag of ["en", "en-US", "en-AU", "ru", locale])
      for (const currencyDisplay of ["symbol", "narrowSymbol"] as const) {
        try {
          const part = new Intl.NumberFormat(tag, { style: "currency", currency, currencyDisplay })
            .formatToParts(1)
            .find((p) => p.type === "currency");
          if (part) marks.add(normaliseMark(part.value));
        } catch {
          // An unknown locale tag: the others still count.
        }
      }
    if (currency === "RUB") for (const word of ["руб", "р", "rub", "₽"]) marks.add(word);
    if (allowedMarks.size >= CACHE_LIMIT) allowedMarks.clear();
    allowedMarks.set(key, marks);
  }
  return marks;
}

const normaliseMark = (mark: string) => mark.normalize("NFKC").toLowerCase().replace(/\.$/, "").replace(/\s/g, "");

/**
 * An amount typed the local way, in exact minor units (ADR 049): "1 000,50", "1.000,50 €",
 * "1,000.50", "500 ₽" (₽ only where the currency is RUB: another currency's sign is an error, not
 * a conversion). Spaces, no-break and narrow no-break spaces group thousands. With one separator
 * only, the locale decides: the locale's decimal sign is decimal; the other one is decimal too
 * unless exactly three digits follow ("1,000" in English, "1.000" in Russian: a thousand).
 */
export function parseAmount(
  input: string,
  locale: string,
  currency: string,
): { ok: true; amountMinor: number } | { ok: false; error: AmountParseError } {
  const exponent = currencyExponent(currency);
  const allowed = marksOf(currency, locale);
  let foreign = false;
  let unknownWord = false;
  // NFKC turns no-break and narrow no-break spaces into spaces, and full-width digits into digits.
  const text = input.normalize("NFKC").replace(CURRENCY_MARK, (mark) => {
    const normal = normaliseMark(mark);
    if (allowed.has(normal)) return " ";
    if (/\p{Sc}/u.test(mark) || isCurrencyCode(normal) || ["руб", "р"].includes(normal)) foreign = true;
    else unknownWord = true;
    return " ";
  });
  if (foreign) return { ok: false, error: "wrong_currency" };
  const cleaned = text.replace(/[\s'’]/g, "");
  if (unknownWord) return { ok: false, error: "not_a_number" };
  if (cleaned === "") return { ok: false, error: "empty" };
  if (/^[-−]/.test(cleaned)) return { ok: false, error: "not_positive" };
  if (!/^[\d.,]+$/.test(cleaned)) return { ok: false, error: "not_a_number" };

  const decimalSign = /^ru\b/.test(intlLocale(locale)) ? "," : ".";
  const lastDot = cleaned.lastIndexOf(".");
  const lastComma = cleaned.lastIndexOf(",");
  let decimal: "." | "," | null = null;
  if (lastDot >= 0 && lastComma >= 0) decimal = lastDot > lastComma ? "." : ",";
  else if (lastDot >= 0 || lastComma >= 0) {
    const sign = lastDot >= 0 ? "." : ",";
    const count = cleaned.split(sign).length - 1;
    const after = cleaned.length - cleaned.lastIndexOf(sign) - 1;
    if (count === 1 && (sign === decimalSign || after !== 3)) decimal = sign;
  }
  const [integerPart = "", fraction = "", ...extra] = decimal ? cleaned.split(decimal) : [cleaned];
  if (extra.length > 0 || (decimal && /[.,]/.test(fraction))) return { ok: false, error: "not_a_number" };
  // Grouping, where there is any, is in threes: "1,000,000", not "1,00,0".
  const groups = integerPart.split(/[.,]/);
  if (groups.length > 1 && (!/^\d{1,3}$/.test(groups[0] ?? "") || groups.slice(1).some((g) => !/^\d{3}$/.test(g))))
    return { ok: false, error: "not_a_number" };
  const whole = groups.join("");
  if (!/^\d+$/.test(whole) || !/^\d*$/.test(fraction)) return { ok: false, error: "not_a_number" };
  if (fraction.length > exponent) return { ok: false, error: "too_many_decimals" };
  if (whole.replace(/^0+(?=\d)/, "").length > 12) return { ok: false, error: "too_large" };
  const amountMinor = Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, "0") || "0");
  if (amountMinor <= 0) return { ok: false, error: "not_positive" };
  return { ok: true, amountMinor };
}

/**
 * Formats minor units for people. Whole amounts drop the cents: "$25", but "$25.50". `locale` is
 * an Intl locale; by default the language in use (ADR 049): "25 €" in Russian, "€25" in English.
 */
export function formatMoney(
  amountMinor: number,
  currency: string,
  locale = activeIntlLocale(),
  options: { alwaysShowCents?: boolean } = {},
): string {
  const exponent = currencyExponent(currency);
  const whole = amountMinor % 10 ** exponent === 0 && !options.alwaysShowCents;
  return moneyFormatter(locale, currency, whole ? 0 : exponent, exponent).format(amountMinor / 10 ** exponent);
}

/**
 * An amount that names its currency beyond doubt: "$25 AUD" in English, where "$" alone could be
 * any dollar; "25 A$" or "25 €" in Russian, whose symbols already tell the currencies apart
 * (moneyFormatter), so a code after them would say it twice.
 */
export function formatMoneyNamed(amountMinor: number, currency: string, locale = activeIntlLocale()): string {
  const amount = formatMoney(amountMinor, currency, locale);
  return locale.startsWith("ru") ? amount : `${amount} ${currency}`;
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
      // English keeps "$" (the organisation's own dollars; other dollars carry their code where
      // shown). In Russian "$" means US dollars: other dollars are written A$, NZ$, CA$.
      currencyDisplay: locale.startsWith("ru") ? "symbol" : "narrowSymbol",
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
