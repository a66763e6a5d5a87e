import { DEFAULT_LOCALE, intlLocale } from "./locales";

/**
 * Where the messages of the language in use come from (ADR 049). On the server it is the whole
 * catalogue and the request's language (catalogue.server.ts installs it); in the browser, the
 * root loader's messages for the page's one language (app/i18n/react.tsx). Nothing here imports a
 * catalogue, so none reaches the browser's JavaScript.
 */
export type MessageSource = (requested?: string) => { locale: string; messages: Readonly<Record<string, string>> };

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
let source: MessageSource = () => ({ locale: DEFAULT_LOCALE, messages: EMPTY });

export function setMessageSource(next: MessageSource): void {
  source = next;
}

export function messagesFor(requested?: string): { locale: string; messages: Readonly<Record<string, string>> } {
  return source(requested);
}

/** The language in use: the request's on the server, the page's in the browser. */
export function activeLocale(): string {
  return source().locale;
}

/** The Intl locale money, numbers and dates are formatted with by default. */
export function activeIntlLocale(): string {
  return intlLocale(activeLocale());
}
