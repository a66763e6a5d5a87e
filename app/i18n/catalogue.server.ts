import { setMessageSource } from "./active";
import { en } from "./en";
import { DEFAULT_LOCALE, isLocale, type Locale } from "./locales";
import { PSEUDO_LOCALE, requestLocale } from "./request-locale.server";
import { ru } from "./ru";

/**
 * The server's catalogues (ADR 049): every message of every language, staff and email ones
 * included. Staff pages stay English: a key with no translation (the `admin.` ones) falls back to
 * English. The browser gets only clientMessages(): one language, no email or staff messages
 * unless the page is a staff page.
 */
type Catalogue = Readonly<Record<string, string>>;

const english: Catalogue = { ...en };
const catalogues: Record<Locale, Catalogue> = {
  en: english,
  ru: { ...english, ...ru },
};
// Every message wrapped in markers, for the test that finds text outside the catalogue.
const pseudo: Catalogue = Object.fromEntries(Object.entries(english).map(([key, value]) => [key, `⟦${value}⟧`]));

export function catalogueFor(locale: string): Catalogue {
  if (locale === PSEUDO_LOCALE) return pseudo;
  return isLocale(locale) ? catalogues[locale] : catalogues[DEFAULT_LOCALE];
}

setMessageSource((requested) => {
  const locale = requested ?? requestLocale();
  return { locale, messages: catalogueFor(locale) };
});

/** Prefixes of messages the browser never needs: emails are server-side, staff pages get theirs separately. */
const SERVER_ONLY = /^(?:email|admin)\./;
const STAFF = /^admin\./;
const clientCache = new Map<string, Catalogue>();

/** The messages a page's browser code may need, sent in the root loader's data (not as JavaScript). */
export function clientMessages(locale: string, { staff = false }: { staff?: boolean } = {}): Catalogue {
  const cacheKey = `${locale}|${staff}`;
  let messages = clientCache.get(cacheKey);
  if (!messages) {
    messages = Object.fromEntries(
      Object.entries(catalogueFor(locale)).filter(([key]) => !SERVER_ONLY.test(key) || (staff && STAFF.test(key))),
    );
    clientCache.set(cacheKey, messages);
  }
  return messages;
}

export { t } from "./t";
