import { IntlMessageFormat } from "intl-messageformat";
import { messagesFor } from "./active";
import type { MessageKey } from "./en";
import { intlLocale } from "./locales";

export type MessageParams = Record<string, string | number>;

// Parsing a message costs far more than formatting it: each (locale, message) is parsed once.
const CACHE_LIMIT = 2_000;
const compiled = new Map<string, IntlMessageFormat>();

/** Formats one ICU MessageFormat message ("{count, plural, one {# day} other {# days}}"). */
export function formatMessage(template: string, params: MessageParams, locale: string): string {
  const cacheKey = `${locale}\u0000${template}`;
  let format = compiled.get(cacheKey);
  if (!format) {
    // Plurals and numbers follow the language's rules (Russian one/few/many) and conventions.
    format = new IntlMessageFormat(template, intlLocale(locale), undefined, { ignoreTag: true });
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(cacheKey, format);
  }
  const result = format.format(params);
  return Array.isArray(result) ? result.join("") : String(result);
}

/**
 * Looks a message up in the catalogue of the language in use (or `locale`, where one is named:
 * emails go in the supporter's language) and fills it in (ADR 049). A missing message is a type
 * error; should one still be missing at run time, the key shows rather than a crash.
 */
export function t(key: MessageKey, params: MessageParams = {}, locale?: string): string {
  const { locale: used, messages } = messagesFor(locale);
  const template = messages[key];
  if (template === undefined) return key;
  return formatMessage(template, params, used);
}

/**
 * A zod error parameter (`.min(1, lazyMessage("admin.…"))`) whose message is looked up when the error
 * is made, not when the schema is built while modules load, before any request's language is known.
 */
export function lazyMessage(key: MessageKey, params: MessageParams = {}): { error: () => string } {
  return { error: () => t(key, params) };
}
