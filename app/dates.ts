import { activeIntlLocale } from "~/i18n/active";

/**
 * Calendar dates in the organisation's time zone (a setting): a gift at 11 pm in Melbourne
 * belongs to that day, and to that financial year, wherever the server runs. Written in the
 * language in use unless a locale is named (ADR 049): "4 December 2026", «4 декабря 2026 г.».
 */

/** The zone if Intl knows it, else UTC: a mistyped setting must not break a page. */
export function safeTimeZone(timeZone: string | undefined): string {
  if (!timeZone) return "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return timeZone;
  } catch {
    return "UTC";
  }
}

export function formatDate(
  date: Date | string,
  timeZone: string,
  style: "long" | "medium" = "long",
  locale = activeIntlLocale(),
): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: safeTimeZone(timeZone) }).format(new Date(date));
}

/** Date and time on the organisation's wall clock, naming the zone: "3 Dec 2026, 5:07 pm AEDT". */
export function formatDateTime(
  date: Date | string,
  timeZone: string,
  { seconds = false, locale = activeIntlLocale() }: { seconds?: boolean; locale?: string } = {},
): string {
  const when = new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: seconds ? "medium" : "short",
    timeZone: safeTimeZone(timeZone),
  }).format(new Date(date));
  return `${when} ${zoneName(new Date(date), timeZone, locale)}`;
}

/** The zone's short name at an instant ("AEDT", or "GMT+11" where the locale has no name for it). */
export function zoneName(date: Date, timeZone: string, locale = activeIntlLocale()): string {
  const part = new Intl.DateTimeFormat(locale, { timeZone: safeTimeZone(timeZone), timeZoneName: "short" })
    .formatToParts(date)
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? safeTimeZone(timeZone);
}

/** The wall-clock year, month (1–12) and day of an instant in a zone. */
export function zonedParts(date: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: safeTimeZone(timeZone),
    year: "numeric",
    month: "numeric",
    day: "numeric",
  }).formatToParts(date);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part("year"), month: part("month"), day: part("day") };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a day starts in a zone (month 1–12; months past 12 roll into the next year). */
export function startOfDayInZone(year: number, month: number, day: number, timeZone: string): Date {
  const zone = safeTimeZone(timeZone);
  const wall = Date.UTC(year, month - 1, day);
  // Twice: the offset at the guessed instant may differ from the offset at the answer (DST).
  let instant = wall - zoneOffsetMs(wall, zone);
  instant = wall - zoneOffsetMs(instant, zone);
  return new Date(instant);
}

/** The year, month (1–12) and day of a "YYYY-MM-DD" day; null when the text is not of that shape. */
export function parseDay(text: string): { year: number; month: number; day: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match ? { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) } : null;
}

/** The instant a "YYYY-MM-DD" day, already validated, starts in a zone (`plusDays` on). */
export function startOfDayTextInZone(text: string, timeZone: string, plusDays = 0): Date {
  const parts = parseDay(text);
  if (!parts) throw new Error("startOfDayTextInZone: not a YYYY-MM-DD day");
  return startOfDayInZone(parts.year, parts.month, parts.day + plusDays, timeZone);
}
