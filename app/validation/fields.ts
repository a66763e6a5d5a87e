import { z } from "zod";
import { t } from "~/i18n/t";
import { activeIntlLocale } from "~/i18n/active";
import { currencyExponent, formatMoney, parseAmount as parseLocalAmount } from "~/money";

/**
 * The fields people type, each checked one way with one set of limits and messages (ADR 047):
 * names, email addresses, phone numbers, postal addresses and amounts of money. Every form builds
 * its schema from these; a form for staff about someone else says "their", one for a supporter
 * about themselves says "your" — the same rule, in the reader's words.
 *
 * Not a `.server` module: route modules build their schemas at load, in the browser too.
 */

export type Audience = "supporter" | "staff";

export const LIMITS = {
  name: 200,
  email: 254,
  phone: 40,
  address: { line1: 200, line2: 200, city: 100, state: 100, postalCode: 20 },
} as const;

// C0 control characters and DEL are never typed, only pasted or scripted; PostgreSQL refuses
// NUL outright (a 500), and the rest end up in receipts, exports and emails.
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]/;
const CONTROL_CHARACTERS_BUT_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** For a zod refine: true when the text has no control characters (line breaks allowed if multiline). */
export const hasNoControlCharacters =
  ({ multiline = false }: { multiline?: boolean } = {}) =>
  (text: string) =>
    !(multiline ? CONTROL_CHARACTERS_BUT_LINE_BREAKS : CONTROL_CHARACTERS).test(text);

/** `.refine(...noControl())`: the check and its message, for any text field. */
export const noControl = ({ multiline = false }: { multiline?: boolean } = {}) =>
  [hasNoControlCharacters({ multiline }), t("error.text.control")] as const;

/** Text that must be given: trimmed, at most `max` characters, no control characters. */
export function requiredText(max: number, required: string, { tooLong = t("error.text.tooLong", { max }) } = {}) {
  return z
    .string({ message: required })
    .trim()
    .min(1, required)
    .max(max, tooLong)
    .refine(...noControl());
}

/** Text that may be left empty: null when it is. */
export function optionalText(max: number, { tooLong = t("error.text.tooLong", { max }), multiline = false } = {}) {
  return z
    .string()
    .trim()
    .max(max, tooLong)
    .refine(...noControl({ multiline }))
    .optional()
    .transform((v) => v || null);
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * A person's (or a campaign's, a plan's) name. `required`: what to say when it is empty; without
 * it an empty name is "" (a supporter need not give one).
 */
export function name({ audience, required }: { audience: Audience; required?: string }) {
  const tooLong = t(audience === "staff" ? "error.name.staff" : "error.name", { max: LIMITS.name });
  if (required) return requiredText(LIMITS.name, required, { tooLong });
  return z
    .string()
    .trim()
    .max(LIMITS.name, tooLong)
    .refine(...noControl());
}

// ---------------------------------------------------------------------------------------------
// Email addresses

/** An email address that must be given. */
export const email = z
  .string({ message: t("error.email") })
  .trim()
  .max(LIMITS.email, t("error.email"))
  .pipe(z.email(t("error.email")));

/** An email address that may be left empty (callers of the phone line may have none): null when empty. */
export const optionalEmail = z
  .string()
  .trim()
  .max(LIMITS.email, t("error.email"))
  .pipe(z.union([z.literal(""), z.email(t("error.email"))]))
  .optional()
  .transform((v) => v || null);

// ---------------------------------------------------------------------------------------------
// Phone numbers

/** Digits, spaces and + ( ) - . only: what people write, and what `telHref` can dial. */
const PHONE = /^[0-9+()\-. ]*$/;

/** A phone number that may be left empty: null when it is. */
export const optionalPhone = z
  .string()
  .trim()
  .max(LIMITS.phone, t("error.phone.tooLong", { max: LIMITS.phone }))
  .regex(PHONE, t("error.phone.characters"))
  .optional()
  .transform((v) => v || null);

/**
 * Card statement text (ADR 051): the suffix Stripe puts after the account's prefix. Stripe allows
 * Latin characters only, at least one letter, none of < > \\ ' " *, and 22 characters at most
 * (the whole line is cut to 22); a narrower set is allowed here so that nothing is stripped.
 */
export const STATEMENT_DESCRIPTOR = /^(?=.*[A-Za-z])[A-Za-z0-9 .,\-&/#]{2,22}$/;

export const optionalStatementDescriptor = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v.replace(/\s+/g, " ") : null))
  .refine((v) => v === null || STATEMENT_DESCRIPTOR.test(v), t("admin.discreet.descriptorError"));

// ---------------------------------------------------------------------------------------------
// Postal addresses

/** The postal address fields, as ADDRESS_FIELDS (app/ui/address-fields.ts) names the inputs. */
export const ADDRESS_FIELD_NAMES = ["line1", "line2", "city", "state", "postalCode", "country"] as const;

/**
 * A postal address as people type it. `defaultCountry`: a form without a country field (staff on
 * the phone line) takes this one.
 */
export function postalAddress({ audience, defaultCountry }: { audience: Audience; defaultCountry?: string }) {
  const said = (key: "line1" | "city" | "postalCode") =>
    t(audience === "staff" ? `error.address.${key}.staff` : `error.address.${key}`);
  const { line1, line2, city, state, postalCode } = LIMITS.address;
  const country = z
    .string({ message: t("error.address.country") })
    .trim()
    .regex(/^[A-Za-z]{2}$/, t("error.address.country"))
    .transform((c) => c.toUpperCase());
  return z.object({
    line1: requiredText(line1, said("line1")),
    line2: optionalText(line2),
    city: requiredText(city, said("city")),
    state: optionalText(state),
    postalCode: requiredText(postalCode, said("postalCode")),
    country: defaultCountry ? country.default(defaultCountry) : country,
  });
}

/** Whether any address field was filled in: an address left entirely blank is no address. */
export const addressGiven = (values: Partial<Record<string, string>>) =>
  ADDRESS_FIELD_NAMES.some((field) => values[field]?.trim());

// ---------------------------------------------------------------------------------------------
// Money

/**
 * An amount typed in a currency ("25", "$25.50", "1,000", "1 000,50 €"), in minor units
 * (app/money.ts parses it the way `locale` writes numbers), or what to say at the field.
 * `allowZero` for targets; `min` and `max` (minor units) for the bounds a campaign accepts, said
 * in `locale` (an Intl locale; by default the language in use).
 */
export function parseAmount(
  text: string,
  currency: string,
  {
    allowZero = false,
    min,
    max,
    locale = activeIntlLocale(),
  }: { allowZero?: boolean; min?: number; max?: number; locale?: string } = {},
): { amountMinor: number } | { error: string } {
  if (allowZero && /^\s*0+(?:\.0*)?\s*$/.test(text)) return { amountMinor: 0 };
  const money = (amountMinor: number) => formatMoney(amountMinor, currency, locale);
  // Typed the local way: "1 000,50" in Russian, "1,000.50" in English (ADR 049).
  const parsed = parseLocalAmount(text, locale, currency);
  if (!parsed.ok) {
    if (parsed.error === "too_many_decimals" && currencyExponent(currency) === 0)
      return { error: t("error.amount.whole") };
    if (parsed.error === "too_large")
      return { error: max === undefined ? t("error.amount.huge") : t("error.amount.too_large", { max: money(max) }) };
    return { error: t(`error.amount.${parsed.error}`, { currency }) };
  }
  if (min !== undefined && parsed.amountMinor < min) return { error: t("error.amount.too_small", { min: money(min) }) };
  if (max !== undefined && parsed.amountMinor > max) return { error: t("error.amount.too_large", { max: money(max) }) };
  return { amountMinor: parsed.amountMinor };
}

/** `parseAmount` as a zod field: typed text in, minor units out. */
export function amount(currency: string, options: Parameters<typeof parseAmount>[2] = {}) {
  return z.string({ message: t("error.amount.empty") }).transform((text, ctx) => {
    const result = parseAmount(text, currency, options);
    if ("error" in result) {
      ctx.addIssue({ code: "custom", message: result.error });
      return z.NEVER;
    }
    return result.amountMinor;
  });
}
