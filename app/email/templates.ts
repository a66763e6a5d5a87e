import type { Currency, OrganisationDetails, PaymentPurpose, ReceiptOrganisation, ReceiptSnapshot } from "@db/types";

export type { OrganisationDetails, ReceiptOrganisation, ReceiptSnapshot };

/** A 7-day link that signs the supporter straight in to /account ("manage your support"). */
type ManageLink = { manageUrl?: string | null };

/** The languages emails are written in: the supporter's stored choice (supporters.locale). */
export const EMAIL_LOCALES = ["en", "ru"] as const;
export type EmailLocale = (typeof EMAIL_LOCALES)[number];

/** A stored language, or English for anything unknown (rows queued before there was a choice). */
export function emailLocale(value: string | null | undefined): EmailLocale {
  return EMAIL_LOCALES.find((locale) => locale === value) ?? "en";
}

/** Every email says which language it is written in; messages queued before that are English. */
type Localised = { locale?: EmailLocale };

export type EmailTemplates = {
  "donation-receipt": { receipt: ReceiptSnapshot } & ManageLink & Localised;
  "recurring-receipt": { receipt: ReceiptSnapshot } & ManageLink & Localised;
  "supporter-welcome": {
    receipt: ReceiptSnapshot;
    tierName: string;
    benefits: string[];
    billing: "monthly" | "one_time_year";
    postalAddress: string[] | null;
    coversUntil: string | null;
    /** Print: by when the first posted edition should arrive (organisation setting); null = not said. */
    firstEditionBy?: string | null;
  } & ManageLink &
    Localised;
  "payment-failed": {
    organisation: OrganisationDetails;
    donorName: string | null;
    description: string;
    amountMinor: number;
    currency: Currency;
    reason: string | null;
    nextAttemptAt: string | null;
    fixUrl: string;
  } & ManageLink &
    Localised;
  "sign-in-link": { organisation: OrganisationDetails; url: string; expiresInMinutes: number } & Localised;
  "email-change-confirm": { organisation: OrganisationDetails; url: string; newEmail: string } & Localised;
  /** Confirms a change the supporter made: amount, tier, pause, resume, cancellation. */
  "subscription-changed": {
    organisation: OrganisationDetails;
    donorName: string | null;
    description: string;
    summary: string;
  } & ManageLink &
    Localised;
  "card-expiring": {
    organisation: OrganisationDetails;
    donorName: string | null;
    cardBrand: string | null;
    cardLast4: string | null;
    expMonth: number;
    expYear: number;
    fixUrl: string;
  } & Localised;
  "renewal-reminder": {
    organisation: OrganisationDetails;
    donorName: string | null;
    tierName: string;
    coversUntil: string;
    renewUrl: string;
  } & ManageLink &
    Localised;
  /** A refund confirmed in the ledger: this refund and the payment's refunded total. */
  "refund-confirmation": {
    /** As the receipt recorded it (older receipts lack some details), else today's settings. */
    organisation: ReceiptOrganisation;
    donorName: string | null;
    receiptNumber: number;
    description: string;
    refundMinor: number;
    refundedTotalMinor: number;
    amountMinor: number;
    currency: Currency;
  } & ManageLink &
    Localised;
  "annual-statement": {
    organisation: OrganisationDetails;
    donorName: string | null;
    periodLabel: string;
    /** Gifts (donations) net of refunds. Statements queued before subscriptions were told apart: everything. */
    totalMinor: number;
    /** Supporter subscriptions net of refunds; absent on statements queued before the distinction. */
    subscriptionsTotalMinor?: number;
    /** What the organisation says about tax on gifts; null or absent: nothing. */
    taxNote?: string | null;
    currency: Currency;
    payments: {
      receiptNumber: number;
      paidAt: string;
      description: string;
      amountMinor: number;
      refundedMinor: number;
      currency: Currency;
      purpose?: PaymentPurpose;
    }[];
  } & ManageLink &
    Localised;
  /** A phone pledge's secure payment link (/pay/<token>), and its one reminder. */
  "pledge-payment-link": {
    organisation: OrganisationDetails;
    donorName: string | null;
    description: string;
    amountMinor: number;
    currency: Currency;
    payUrl: string;
    expiresAt: string;
    reminder: boolean;
  } & Localised;
  /** A staff member's single-use set-password link: an invitation, or a reset an admin sent. */
  "staff-invite": {
    organisation: OrganisationDetails;
    staffName: string;
    purpose: "invite" | "reset";
    url: string;
    expiresInHours: number;
  } & Localised;
};

export type TemplateName = keyof EmailTemplates;
