import type { EmailTemplates } from "~/email/templates";
import { formatEmailAmount } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["refund-confirmation"];

export function subject({ organisation, receiptNumber }: Props): string {
  return `Your refund for receipt ${receiptNumber} from ${organisation.name}`;
}

export default function RefundConfirmation({
  organisation,
  donorName,
  receiptNumber,
  description,
  refundMinor,
  refundedTotalMinor,
  amountMinor,
  currency,
  manageUrl,
}: Props) {
  const refund = formatEmailAmount(refundMinor, currency);
  const full = refundedTotalMinor >= amountMinor;
  return (
    <EmailLayout
      heading={donorName ? `${donorName}, we've refunded ${refund}` : `We've refunded ${refund}`}
      preview={`A refund of ${refund} for receipt ${receiptNumber}`}
    >
      <Paragraph>{`We have refunded ${refund} of your payment of ${formatEmailAmount(amountMinor, currency)} for ${description} (receipt ${receiptNumber}).`}</Paragraph>
      <Paragraph>
        {full
          ? "The payment has been refunded in full."
          : `In total ${formatEmailAmount(refundedTotalMinor, currency)} of this payment has been refunded; the rest stands as your gift.`}
      </Paragraph>
      <Paragraph>A card refund usually reaches your account within 5 to 10 working days.</Paragraph>
      <OrganisationContact organisation={organisation} />
      <ManageSupportLink manageUrl={manageUrl} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  receiptNumber: 1042,
  description: "One-off gift to Fighting Fund 2026",
  refundMinor: 1000,
  refundedTotalMinor: 1000,
  amountMinor: 2500,
  currency: "AUD",
};
RefundConfirmation.PreviewProps = PreviewProps;
