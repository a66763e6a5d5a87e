import type { EmailLocale } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";

/** How each language writes dates and amounts (Intl locale tags). English keeps its Australian forms. */
const INTL_LOCALE: Record<EmailLocale, string> = { en: "en-AU", ru: "ru-RU" };

/**
 * Dates are shown in the organisation's time zone (a setting, snapshotted with the receipt), so a
 * receipt says the same date wherever the server runs; in the supporter's language.
 */
export function formatEmailDate(iso: string, timeZone: string | undefined, locale: EmailLocale = "en"): string {
  // Receipts issued before the zone was recorded have none: UTC, as for a zone that no longer exists.
  let zone = timeZone ?? "UTC";
  try {
    new Intl.DateTimeFormat("en-AU", { timeZone: zone });
  } catch {
    zone = "UTC";
  }
  const date = new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: "long", timeZone: zone }).format(
    new Date(iso),
  );
  // "2 сентября 2025 г.": the year's abbreviation would end a sentence in two full stops.
  return locale === "ru" ? date.replace(/\s*г\.$/, "") : date;
}

// A sign that names one currency needs no code after it; a dollar sign could be any of several.
const UNAMBIGUOUS_SIGNS = new Set(["EUR", "GBP", "RUB"]);

/**
 * English: "$25.50 AUD", the symbol alone is ambiguous between dollars. Russian: "1 000,50 €",
 * and "25,50 $ AUD" where the sign could be another currency's.
 */
export function formatEmailAmount(amountMinor: number, currency: string, locale: EmailLocale = "en"): string {
  const amount = formatMoney(amountMinor, currency, INTL_LOCALE[locale]);
  if (locale !== "en" && UNAMBIGUOUS_SIGNS.has(currency)) return amount;
  return t("email.amount.withCode", { amount, currency }, locale);
}

/** A list of dates or names as the language joins them: "1 May, 1 June and 1 July". */
export function formatEmailList(items: string[], locale: EmailLocale = "en"): string {
  return new Intl.ListFormat(INTL_LOCALE[locale], { type: "conjunction" }).format(items);
}

/**
 * What a payment was for, in the supporter's language. Receipts and queued emails hold the English
 * description that describeGift wrote ("One-off gift to …", "Print supporter — 12 months"); those
 * forms are recognised and written again, anything else (a plan's own name) is shown as stored.
 */
export function localiseDescription(
  description: string,
  locale: EmailLocale = "en",
  { inSentence = false }: { inSentence?: boolean } = {},
): string {
  if (locale === "en") return description;
  const patterns = [
    [/^One-off gift to (.+)$/s, "email.description.oneOff", "campaign"],
    [/^Monthly gift to (.+)$/s, "email.description.monthly", "campaign"],
    [/^(.+) — monthly$/s, "email.description.tierMonthly", "plan"],
    [/^(.+) — 12 months$/s, "email.description.tierYear", "plan"],
  ] as const;
  for (const [pattern, key, name] of patterns) {
    const match = pattern.exec(description);
    if (match?.[1] === undefined) continue;
    const phrase = t(key, { [name]: match[1] }, locale);
    // Russian starts a gift's description in lower case within a sentence; a plan's own name is kept.
    return inSentence && name === "campaign" ? phrase.charAt(0).toLocaleLowerCase(locale) + phrase.slice(1) : phrase;
  }
  return description;
}

/** The statement's period ("2026", "financial year 2025–26") in the supporter's language. */
export function localisePeriod(label: string, locale: EmailLocale = "en"): string {
  const match = /^financial year (\d{4})–(\d{2})$/.exec(label);
  if (locale === "en" || !match?.[1] || !match[2]) return label;
  return t("email.period.financialYear", { start: match[1], end: match[2] }, locale);
}
