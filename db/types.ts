/**
 * Plain types stored in JSON columns, kept apart from db/schema.ts so the schema can type its columns
 * (`$type<…>()`) and app code can use the same types without importing one from the other in a circle.
 * Types only (and the currency list they need): nothing here touches the database.
 */

/** Currencies the organisation may take; the constraint and the zod schemas share this list. */
export const CURRENCIES = ["AUD", "NZD", "USD", "CAD", "GBP", "EUR"] as const;
export type Currency = (typeof CURRENCIES)[number];

/** A donation or a supporter subscription (ADR 036); app/payments/labels.ts decides which. */
export type PaymentPurpose = "gift" | "subscription";

/** The organisation's public details as emails and receipts print them (the settings of today). */
export type OrganisationDetails = {
  name: string;
  contactEmail: string;
  contactAddress: string;
  phone: string;
  receiptFooter: string;
  timeZone: string;
};

/**
 * The organisation as a stored receipt recorded it. Receipts issued before the phone number and
 * the time zone were recorded lack them: readers fall back (no phone line, the default zone).
 */
export type ReceiptOrganisation = Omit<OrganisationDetails, "phone" | "timeZone"> &
  Partial<Pick<OrganisationDetails, "phone" | "timeZone">>;

/**
 * What a receipt said when it was issued (`receipts.snapshot`). Stored once; emails and receipt pages
 * render it as is. Fields added after the first receipts were issued are optional, because old rows
 * do not have them. Erasure rewrites `donor` in place to `{ name: null, email: <placeholder> }`
 * (app/supporters/privacy.server.ts), which this shape allows.
 */
export type ReceiptSnapshot = {
  receiptNumber: number;
  issuedAt: string;
  paidAt: string;
  amountMinor: number;
  feeCoverMinor: number;
  currency: Currency;
  /** "One-off gift to Fighting Fund 2026", "Print supporter — 12 months", … */
  description: string;
  frequency: "once" | "monthly" | "year";
  campaignName: string;
  donor: { name: string | null; email: string };
  organisation: ReceiptOrganisation;
  /** A donation or a supporter subscription (absent on receipts issued before the distinction). */
  purpose?: PaymentPurpose;
  /** Monthly support: when the next payment is due, as known at issue (absent on older receipts). */
  nextPaymentAt?: string | null;
};

/** A supporter plan's words in another language (app/campaigns/plan-text.ts). */
export type PlanWords = { name: string; description: string; benefits: string[] };
/** plans.translations: the plan's words by language; English is the plan's own columns. */
export type PlanTranslations = { ru?: PlanWords };
