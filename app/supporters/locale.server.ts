import { eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { supporters } from "@db/schema";
import { DEFAULT_LOCALE, isLocale, type Locale } from "~/i18n/locales";

/**
 * A supporter's language (ADR 049): what their receipts, reminders and statements are written in.
 * Set when they give (the language of the checkout) and when they choose a language signed in.
 */
export async function supporterLocale(db: DB, supporterId: number): Promise<Locale> {
  const [row] = await db
    .select({ locale: supporters.locale })
    .from(supporters)
    .where(eq(supporters.id, supporterId))
    .limit(1);
  return isLocale(row?.locale) ? row.locale : DEFAULT_LOCALE;
}

export async function rememberSupporterLocale(db: DB, supporterId: number, locale: Locale): Promise<void> {
  await db.update(supporters).set({ locale }).where(eq(supporters.id, supporterId));
}
