import { formatMoney } from "~/money";

/**
 * Dates are shown in the organisation's time zone (a setting, snapshotted with the receipt), so a
 * receipt says the same date wherever the server runs.
 */
export function formatEmailDate(iso: string, timeZone: string | undefined): string {
  // Receipts issued before the zone was recorded have none: UTC, as for a zone that no longer exists.
  let zone = timeZone ?? "UTC";
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
