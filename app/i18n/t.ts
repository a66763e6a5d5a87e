import { en, type MessageKey } from "./en";
import { ruEmail } from "./ru-email";

type Params = Record<string, string | number>;

const pluralRules = new Map<string, Intl.PluralRules>();

/**
 * Looks a message up and fills it in. Supports {name} and a minimal ICU plural:
 * "{count, plural, one {# day} other {# days}}".
 */
export function t(key: MessageKey, params: Params = {}, locale = "en"): string {
  // Until the Russian catalogue lands, only the emails are in Russian; anything else falls back to English.
  const template: string = (locale === "ru" ? (ruEmail as Record<string, string>)[key] : undefined) ?? en[key];
  return template
    .replace(/\{(\w+), plural, ((?:\w+ \{[^}]*\}\s*)+)\}/g, (_, name: string, cases: string) => {
      const n = Number(params[name]);
      let rules = pluralRules.get(locale);
      if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
      const options = Object.fromEntries([...cases.matchAll(/(\w+) \{([^}]*)\}/g)].map((m) => [m[1], m[2]]));
      return (options[rules.select(n)] ?? options.other ?? "").replace(/#/g, String(n));
    })
    .replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}
