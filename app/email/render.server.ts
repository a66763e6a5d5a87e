import { render } from "@react-email/render";
import { createElement, type ComponentType } from "react";
import DonationReceipt, { subject as donationReceiptSubject } from "@emails/donation-receipt";
import PaymentFailed, { subject as paymentFailedSubject } from "@emails/payment-failed";
import RecurringReceipt, { subject as recurringReceiptSubject } from "@emails/recurring-receipt";
import SignInLink, { subject as signInLinkSubject } from "@emails/sign-in-link";
import EmailChangeConfirm, { subject as emailChangeConfirmSubject } from "@emails/email-change-confirm";
import SubscriptionChanged, { subject as subscriptionChangedSubject } from "@emails/subscription-changed";
import CardExpiring, { subject as cardExpiringSubject } from "@emails/card-expiring";
import RenewalReminder, { subject as renewalReminderSubject } from "@emails/renewal-reminder";
import AnnualStatement, { subject as annualStatementSubject } from "@emails/annual-statement";
import SupporterWelcome, { subject as supporterWelcomeSubject } from "@emails/supporter-welcome";
import RefundConfirmation, { subject as refundConfirmationSubject } from "@emails/refund-confirmation";
import PledgePaymentLink, { subject as pledgePaymentLinkSubject } from "@emails/pledge-payment-link";
import StaffInvite, { subject as staffInviteSubject } from "@emails/staff-invite";
import { openLinks } from "~/auth/link-seal.server";
import type { MessageKey } from "~/i18n/en";
import { t } from "~/i18n/t";
import type { EmailTemplates, TemplateName } from "./templates";

export type RenderedEmail = { subject: string; html: string; text: string };

type TemplateModule<P> = { Component: ComponentType<P>; subject: (props: P) => string };

const registry: { [K in TemplateName]: TemplateModule<EmailTemplates[K]> } = {
  "donation-receipt": { Component: DonationReceipt, subject: donationReceiptSubject },
  "recurring-receipt": { Component: RecurringReceipt, subject: recurringReceiptSubject },
  "supporter-welcome": { Component: SupporterWelcome, subject: supporterWelcomeSubject },
  "payment-failed": { Component: PaymentFailed, subject: paymentFailedSubject },
  "sign-in-link": { Component: SignInLink, subject: signInLinkSubject },
  "email-change-confirm": { Component: EmailChangeConfirm, subject: emailChangeConfirmSubject },
  "subscription-changed": { Component: SubscriptionChanged, subject: subscriptionChangedSubject },
  "card-expiring": { Component: CardExpiring, subject: cardExpiringSubject },
  "renewal-reminder": { Component: RenewalReminder, subject: renewalReminderSubject },
  "annual-statement": { Component: AnnualStatement, subject: annualStatementSubject },
  "refund-confirmation": { Component: RefundConfirmation, subject: refundConfirmationSubject },
  "pledge-payment-link": { Component: PledgePaymentLink, subject: pledgePaymentLinkSubject },
  "staff-invite": { Component: StaffInvite, subject: staffInviteSubject },
};

/** Outbox rows store the template as text; this tells a known name from a stale one. */
export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(registry, name);
}

// Plain text as a person would type it: headings not shouted (they often hold a name), and
// receipt lines as "label   value" rather than label and value on separate lines.
const plainText = {
  plainText: true,
  htmlToTextOptions: {
    selectors: [
      { selector: "h1", options: { uppercase: false } },
      { selector: "h2", options: { uppercase: false } },
      { selector: "table.receipt-details", format: "dataTable", options: { uppercaseHeaderCells: false } },
    ],
  },
} as const;

/**
 * A discreet campaign's subjects (ADR 051): what a lock screen or a shared inbox shows names
 * neither the organisation nor the cause.
 */
const NEUTRAL_SUBJECTS = {
  "donation-receipt": "discreet.subject.receipt",
  "recurring-receipt": "discreet.subject.receipt",
  "supporter-welcome": "discreet.subject.receipt",
  "refund-confirmation": "discreet.subject.refund",
  "payment-failed": "discreet.subject.paymentFailed",
  "subscription-changed": "discreet.subject.changed",
  "card-expiring": "discreet.subject.card",
  "renewal-reminder": "discreet.subject.reminder",
  "annual-statement": "discreet.subject.statement",
  "pledge-payment-link": "discreet.subject.payment",
  "sign-in-link": "discreet.subject.signIn",
  "email-change-confirm": "discreet.subject.emailChange",
  "staff-invite": "discreet.subject.signIn",
} as const satisfies Record<TemplateName, MessageKey>;

/** Props as stored or as written: sealed links (link-seal.server.ts) are opened here, and only here. */
export async function renderEmail<T extends TemplateName>(
  template: T,
  storedProps: EmailTemplates[T],
  { discreet = false }: { discreet?: boolean } = {},
): Promise<RenderedEmail> {
  const { Component, subject } = registry[template] as TemplateModule<EmailTemplates[T]>;
  const props = openLinks(storedProps);
  const element = createElement(Component, props);
  const [html, text] = await Promise.all([render(element), render(element, plainText)]);
  return { subject: discreet ? t(NEUTRAL_SUBJECTS[template]) : subject(props), html, text };
}
