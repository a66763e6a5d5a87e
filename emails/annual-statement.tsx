import { Column } from "@react-email/column";
import { Row } from "@react-email/row";
import { Section } from "@react-email/section";
import type { EmailTemplates } from "~/email/templates";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { EmailLayout, Paragraph } from "./components/layout";
import { ManageSupportLink } from "./components/manage-link";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["annual-statement"];

export function subject({ organisation, periodLabel }: Props): string {
  return `Your ${periodLabel} statement from ${organisation.name}`;
}

export default function AnnualStatement({ organisation, donorName, periodLabel, totalMinor, currency, payments, manageUrl }: Props) {
  return (
    <EmailLayout heading={`Your giving in ${periodLabel}`} preview={`${formatEmailAmount(totalMinor, currency)} in ${periodLabel}`}>
      <Paragraph>{`${donorName ? `${donorName}, you` : "You"} gave ${formatEmailAmount(totalMinor, currency)} in ${periodLabel}, net of refunds. Thank you.`}</Paragraph>
      <Section>
        {payments.map((p) => (
          <Row key={p.receiptNumber}>
            <Column>{`Receipt ${p.receiptNumber}, ${formatEmailDate(p.paidAt, organisation.timeZone)}: ${p.description}`}</Column>
            <Column align="right">{`${formatEmailAmount(p.amountMinor - p.refundedMinor, p.currency)}${p.refundedMinor ? " (after refund)" : ""}`}</Column>
          </Row>
        ))}
      </Section>
      <ManageSupportLink manageUrl={manageUrl} />
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  periodLabel: "the year to 30 June 2026",
  totalMinor: 13500,
  currency: "AUD",
  payments: [
    { receiptNumber: 1001, paidAt: "2025-08-01T01:00:00.000Z", description: "One-off gift to Fighting Fund 2026", amountMinor: 2500, refundedMinor: 0, currency: "AUD" },
    { receiptNumber: 1044, paidAt: "2026-01-05T01:00:00.000Z", description: "Print supporter — 12 months", amountMinor: 11000, refundedMinor: 0, currency: "AUD" },
  ],
  manageUrl: null,
};
AnnualStatement.PreviewProps = PreviewProps;
