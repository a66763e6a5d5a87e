import type { EmailTemplates } from "~/email/templates";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, Paragraph } from "./components/layout";
import { previewReceipt } from "./components/preview-data";
import { ReceiptDetails } from "./components/receipt-details";

type Props = EmailTemplates["recurring-receipt"];

export function subject({ receipt }: Props): string {
  return `Receipt ${receipt.receiptNumber}: your monthly support for ${receipt.organisation.name}`;
}

export default function RecurringReceipt({ receipt, manageUrl }: Props) {
  const amount = formatEmailAmount(receipt.amountMinor, receipt.currency);
  return (
    <EmailLayout
      heading={receipt.donor.name ? `Thank you, ${receipt.donor.name}` : "Thank you"}
      preview={`Receipt ${receipt.receiptNumber}: ${amount} received`}
    >
      <Paragraph>{`We have received this month's payment of ${amount}: ${receipt.description}. Regular support is what lets us plan ahead.`}</Paragraph>
      {receipt.nextPaymentAt ? (
        <Paragraph>{`You pay ${amount} every month. The next payment is on ${formatEmailDate(receipt.nextPaymentAt, receipt.organisation.timeZone)}.`}</Paragraph>
      ) : null}
      <ReceiptDetails receipt={receipt} />
      <ManageSupportLink manageUrl={manageUrl} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  receipt: previewReceipt({
    receiptNumber: 1043,
    amountMinor: 1000,
    feeCoverMinor: 0,
    description: "Print supporter — monthly",
    frequency: "monthly",
    purpose: "subscription",
    nextPaymentAt: "2026-12-23T09:29:41.000Z",
  }),
};
RecurringReceipt.PreviewProps = PreviewProps;
