import type { PlanTranslations, PlanWords } from "@db/types";

/**
 * A supporter plan's words in the reader's language (ADR 049): plans belong to the organisation,
 * not to one campaign, so readers of every language see the same plans. Staff write each plan
 * in English and may add its Russian name, description and benefits; where none is written the
 * English shows.
 */

export function planInLanguage<P extends PlanWords & { translations: PlanTranslations }>(plan: P, locale: string): P {
  const words = locale === "ru" ? plan.translations.ru : undefined;
  return words?.name ? { ...plan, ...words } : plan;
}
