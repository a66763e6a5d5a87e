import { formatMoney } from "~/money";

/**
 * Dates are shown in UTC until the organisation's settings carry a time zone: a receipt must
 * say the same date wherever the server runs.
 */
const dateFormat = new Intl.DateTimeFormat("en-AU", { dateStyle: "long", timeZone: "UTC" });

export function formatEmailDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

/** "$25.50 AUD": the symbol alone is ambiguous between dollars. */
export function formatEmailAmount(amountMinor: number, currency: string): string {
  return `${formatMoney(amountMinor, currency)} ${currency}`;
}
