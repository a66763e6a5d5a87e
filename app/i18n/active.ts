import { DEFAULT_LOCALE, intlLocale } from "./locales";

/**
 * Where the messages of the language in use come from (ADR 049). On the server it is the whole
 * catalogue and the request's language (catalogue.server.ts installs it); in the browser, the
 * root loader's messages for the page's one language (app/i18n/react.tsx). Nothing here imports a
 * catalogue, so none reaches the browser's JavaScript.
 */
export type MessageSource = (requested?: string) => { locale: string; messages: Readonly<Record<string, string>> };

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

type RootData = { locale?: unknown; messages?: unknown };
/**
 * In the browser, before React renders: the root loader's data, which Remix's inline script puts
 * on window before any route module runs, so a message looked up while a module loads is right too.
 */
function fromRemixContext(): { locale: string; messages: Readonly<Record<string, string>> } | null {
  const root = (globalThis as { __remixContext?: { state?: { loaderData?: { root?: RootData } } } }).__remixContext
    ?.state?.loaderData?.root;
  if (!root || typeof root.locale !== "string" || typeof root.messages !== "object" || root.messages === null)
    return null;
  return { locale: root.locale, messages: root.messages as Record<string, string> };
}

let source: MessageSource = () => fromRemixContext() ?? { locale: DEFAULT_LOCALE, messages: EMPTY };

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
