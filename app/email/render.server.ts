import { render } from "@react-email/render";
import { createElement, type ComponentType } from "react";
import DonationReceipt, { subject as donationReceiptSubject } from "@emails/donation-receipt";
import PaymentFailed, { subject as paymentFailedSubject } from "@emails/payment-failed";
import RecurringReceipt, { subject as recurringReceiptSubject } from "@emails/recurring-receipt";
import SupporterWelcome, { subject as supporterWelcomeSubject } from "@emails/supporter-welcome";
import type { EmailTemplates, TemplateName } from "./templates";

export type RenderedEmail = { subject: string; html: string; text: string };

type TemplateModule<P> = { Component: ComponentType<P>; subject: (props: P) => string };

const registry: { [K in TemplateName]: TemplateModule<EmailTemplates[K]> } = {
  "donation-receipt": { Component: DonationReceipt, subject: donationReceiptSubject },
  "recurring-receipt": { Component: RecurringReceipt, subject: recurringReceiptSubject },
  "supporter-welcome": { Component: SupporterWelcome, subject: supporterWelcomeSubject },
  "payment-failed": { Component: PaymentFailed, subject: paymentFailedSubject },
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

export async function renderEmail<T extends TemplateName>(template: T, props: EmailTemplates[T]): Promise<RenderedEmail> {
  const { Component, subject } = registry[template] as TemplateModule<EmailTemplates[T]>;
  const element = createElement(Component, props);
  const [html, text] = await Promise.all([render(element), render(element, plainText)]);
  return { subject: subject(props), html, text };
}
