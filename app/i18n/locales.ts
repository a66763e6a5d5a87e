/** The languages readers and supporters can choose (ADR 049). `en` is the source of every message. */
export const LOCALES = ["en", "ru"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** Each language named in itself, for the switcher. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", ru: "Русский" };

/**
 * The Intl locale that formats numbers, money and dates for a language. English keeps the
 * organisation's own conventions (en-AU, as before ADR 049); Russian is plain `ru`. A test-only
 * pseudo locale (`en-XA`) formats as English.
 */
export function intlLocale(locale: string): string {
  if (locale === "ru") return "ru";
  if (locale === "en" || locale === "en-XA") return "en-AU";
  return locale;
}
