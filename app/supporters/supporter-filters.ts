/** The Supporters page's filters, shared by its form (in the browser too) and the search (ADR 038). */
export const SUPPORTER_STATUSES = ["monthly", "paused", "cancelled", "one_off"] as const;
export type SupporterStatus = (typeof SUPPORTER_STATUSES)[number];

/** The tiers a supporter can be found by: db/schema's TIERS, repeated so the browser needs no schema. */
export const FILTER_TIERS = ["digital", "print"] as const;
export type FilterTier = (typeof FILTER_TIERS)[number];

export const STATUS_LABELS: Record<SupporterStatus, string> = {
  monthly: "Giving monthly",
  paused: "Monthly gift paused",
  cancelled: "Monthly gift cancelled",
  one_off: "One-off gifts only",
};
export const TIER_LABELS: Record<FilterTier, string> = { digital: "Digital", print: "Print" };
