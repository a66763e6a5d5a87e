import { createContext, useCallback, useContext, type ReactNode } from "react";
import { setMessageSource } from "./active";
import type { MessageKey } from "./en";
import { DEFAULT_LOCALE } from "./locales";
import { formatMessage, type MessageParams } from "./t";

type I18n = { locale: string; messages: Readonly<Record<string, string>> };

const I18nContext = createContext<I18n>({ locale: DEFAULT_LOCALE, messages: {} });

/**
 * The page's language and its messages, from the root loader (ADR 049). In the browser it is also
 * where plain t() calls find their messages: a page has one language, and a change of language is
 * a new document (the switcher is a link), so one module-level source is enough there. On the
 * server, t() reads the request's language instead (catalogue.server.ts).
 */
export function I18nProvider({ locale, messages, children }: I18n & { children: ReactNode }) {
  if (typeof document !== "undefined") setMessageSource(() => ({ locale, messages }));
  return <I18nContext.Provider value={{ locale, messages }}>{children}</I18nContext.Provider>;
}

export function useLocale(): string {
  return useContext(I18nContext).locale;
}

/** t() for components: `const t = useT(); t("donate.heading", { campaign })`. */
export function useT(): (key: MessageKey, params?: MessageParams) => string {
  const { locale, messages } = useContext(I18nContext);
  return useCallback(
    (key: MessageKey, params: MessageParams = {}) => {
      const template = messages[key];
      return template === undefined ? key : formatMessage(template, params, locale);
    },
    [locale, messages],
  );
}
