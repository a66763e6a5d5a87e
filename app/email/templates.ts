import type { Currency } from "@db/schema";

/** What a receipt said when it was issued. Stored once; emails and receipt pages render it as is. */
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
  organisation: OrganisationDetails;
};

export type OrganisationDetails = {
  name: string;
  contactEmail: string;
  contactAddress: string;
  phone: string;
  receiptFooter: string;
  timeZone: string;
};

export type EmailTemplates = {
  "donation-receipt": { receipt: ReceiptSnapshot };
  "recurring-receipt": { receipt: ReceiptSnapshot };
  "supporter-welcome": {
    receipt: ReceiptSnapshot;
    tierName: string;
    benefits: string[];
    billing: "monthly" | "one_time_year";
    postalAddress: string[] | null;
    coversUntil: string | null;
  };
  "payment-failed": {
    organisation: OrganisationDetails;
    donorName: string | null;
    description: string;
    amountMinor: number;
    currency: Currency;
    reason: string | null;
    nextAttemptAt: string | null;
    fixUrl: string;
  };
};

export type TemplateName = keyof EmailTemplates;
