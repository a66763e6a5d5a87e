import type { EmailTemplates } from "~/email/templates";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, Paragraph } from "./components/layout";
import { previewReceipt } from "./components/preview-data";
import { ReceiptDetails } from "./components/receipt-details";

type Props = EmailTemplates["donation-receipt"];

export function subject({ receipt }: Props): string {
  return `Your receipt ${receipt.receiptNumber} from ${receipt.organisation.name}`;
}

export default function DonationReceipt({ receipt, manageUrl }: Props) {
  const amount = formatEmailAmount(receipt.amountMinor, receipt.currency);
  const thanks = receipt.donor.name ? `Thank you, ${receipt.donor.name}.` : "Thank you.";
  const next = receipt.nextPaymentAt
    ? ` The next one is on ${formatEmailDate(receipt.nextPaymentAt, receipt.organisation.timeZone)}.`
    : "";
  const what =
    receipt.frequency === "monthly"
      ? `Your first monthly gift of ${amount} to ${receipt.campaignName} has arrived. Your gift repeats every month until you change or cancel it, and we will send a receipt for each one.${next}`
      : `Your gift of ${amount} to ${receipt.campaignName} has arrived.`;
  return (
    <EmailLayout
      heading={thanks}
      preview={`Receipt ${receipt.receiptNumber}: ${amount} to ${receipt.organisation.name}`}
    >
      <Paragraph>{what}</Paragraph>
      <Paragraph>Please keep this email as your receipt.</Paragraph>
      <ReceiptDetails receipt={receipt} />
      <ManageSupportLink manageUrl={manageUrl} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = { receipt: previewReceipt({ purpose: "gift" }) };
DonationReceipt.PreviewProps = PreviewProps;
