import { formatMoney } from "~/money";

/**
 * Dates are shown in the organisation's time zone (a setting, snapshotted with the receipt), so a
 * receipt says the same date wherever the server runs.
 */
export function formatEmailDate(iso: string, timeZone: string): string {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat("en-AU", { timeZone: zone });
  } catch {
    zone = "UTC";
  }
  return new Intl.DateTimeFormat("en-AU", { dateStyle: "long", timeZone: zone }).format(new Date(iso));
}

/** "$25.50 AUD": the symbol alone is ambiguous between dollars. */
export function formatEmailAmount(amountMinor: number, currency: string): string {
  return `${formatMoney(amountMinor, currency)} ${currency}`;
}
