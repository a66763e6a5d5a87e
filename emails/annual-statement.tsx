import { Column } from "@react-email/column";
import { Row } from "@react-email/row";
import { Section } from "@react-email/section";
import type { EmailTemplates } from "~/email/templates";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { Heading } from "@react-email/heading";
import { EmailLayout, Paragraph, styles } from "./components/layout";
import { ManageSupportLink } from "./components/manage-link";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["annual-statement"];

export function subject({ organisation, periodLabel }: Props): string {
  return `Your ${periodLabel} statement from ${organisation.name}`;
}

type Line = Props["payments"][number];

function Lines({ lines, timeZone }: { lines: Line[]; timeZone: string }) {
  return (
    <Section>
      {lines.map((p) => (
        <Row key={p.receiptNumber}>
          <Column>{`Receipt ${p.receiptNumber}, ${formatEmailDate(p.paidAt, timeZone)}: ${p.description}`}</Column>
          <Column align="right">{`${formatEmailAmount(p.amountMinor - p.refundedMinor, p.currency)}${p.refundedMinor ? " (after refund)" : ""}`}</Column>
        </Row>
      ))}
    </Section>
  );
}

/**
 * Gifts and supporter subscriptions apart (ADR 036): only gifts are giving. A statement queued
 * before the two were told apart has no purposes and no subscriptions total, and reads as before.
 */
export default function AnnualStatement({
  organisation,
  donorName,
  periodLabel,
  totalMinor,
  subscriptionsTotalMinor,
  taxNote,
  currency,
  payments,
  manageUrl,
}: Props) {
  const split = subscriptionsTotalMinor !== undefined;
  const gifts = split ? payments.filter((p) => p.purpose !== "subscription") : payments;
  const subscriptions = split ? payments.filter((p) => p.purpose === "subscription") : [];
  const zone = organisation.timeZone;
  return (
    <EmailLayout
      heading={`Your statement for ${periodLabel}`}
      preview={`${formatEmailAmount(totalMinor, currency)} in gifts in ${periodLabel}`}
    >
      {gifts.length > 0 ? (
        <>
          {split ? (
            <Heading as="h2" style={styles.h2}>
              Gifts (donations)
            </Heading>
          ) : null}
          <Paragraph>{`${donorName ? `${donorName}, you` : "You"} gave ${formatEmailAmount(totalMinor, currency)} in ${periodLabel}, net of refunds. Thank you.`}</Paragraph>
          <Lines lines={gifts} timeZone={zone} />
        </>
      ) : (
        <Paragraph>{`We have no gifts from you in ${periodLabel}.`}</Paragraph>
      )}
      {subscriptions.length > 0 && subscriptionsTotalMinor !== undefined ? (
        <>
          <Heading as="h2" style={styles.h2}>
            Supporter subscriptions
          </Heading>
          <Paragraph>{`You paid ${formatEmailAmount(subscriptionsTotalMinor, currency)} for supporter subscriptions in ${periodLabel}, net of refunds. These payments buy an edition: they are not gifts.`}</Paragraph>
          <Lines lines={subscriptions} timeZone={zone} />
        </>
      ) : null}
      {taxNote ? <Paragraph>{taxNote}</Paragraph> : null}
      <ManageSupportLink manageUrl={manageUrl} />
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  periodLabel: "the year to 30 June 2026",
  totalMinor: 2500,
  subscriptionsTotalMinor: 11000,
  taxNote: null,
  currency: "AUD",
  payments: [
    {
      receiptNumber: 1001,
      paidAt: "2025-08-01T01:00:00.000Z",
      description: "One-off gift to Fighting Fund 2026",
      amountMinor: 2500,
      refundedMinor: 0,
      currency: "AUD",
      purpose: "gift",
    },
    {
      receiptNumber: 1044,
      paidAt: "2026-01-05T01:00:00.000Z",
      description: "Print supporter — 12 months",
      amountMinor: 11000,
      refundedMinor: 0,
      currency: "AUD",
      purpose: "subscription",
    },
  ],
  manageUrl: null,
};
AnnualStatement.PreviewProps = PreviewProps;
