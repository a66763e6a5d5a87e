import { Heading } from "@react-email/heading";
import { Section } from "@react-email/section";
import type { EmailTemplates } from "~/email/templates";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, Paragraph, styles } from "./components/layout";
import { previewReceipt } from "./components/preview-data";
import { ReceiptDetails } from "./components/receipt-details";

type Props = EmailTemplates["supporter-welcome"];

export function subject({ receipt, tierName }: Props): string {
  return `Welcome to ${receipt.organisation.name}: ${tierName}`;
}

export default function SupporterWelcome({
  receipt,
  tierName,
  benefits,
  billing,
  postalAddress,
  coversUntil,
  firstEditionBy,
  manageUrl,
}: Props) {
  const amount = formatEmailAmount(receipt.amountMinor, receipt.currency);
  const zone = receipt.organisation.timeZone;
  const how =
    billing === "monthly"
      ? `You pay ${amount} every month until you change or cancel it.${receipt.nextPaymentAt ? ` The next payment is on ${formatEmailDate(receipt.nextPaymentAt, zone)}.` : ""}`
      : coversUntil
        ? `You paid ${amount} once. Your support runs until ${formatEmailDate(coversUntil, receipt.organisation.timeZone)}, and nothing more will be charged.`
        : `You paid ${amount} once; nothing more will be charged.`;
  return (
    <EmailLayout
      heading={receipt.donor.name ? `Welcome, ${receipt.donor.name}` : "Welcome, and thank you"}
      preview={`You are now a supporter: ${tierName}`}
    >
      <Paragraph>{`Thank you for becoming a supporter of ${receipt.organisation.name}. Your plan: ${tierName}.`}</Paragraph>
      <Paragraph>{how}</Paragraph>
      {benefits.length > 0 ? (
        <Section>
          <Heading as="h2" style={styles.h2}>
            What your support includes
          </Heading>
          <ul style={{ ...styles.text, paddingLeft: "24px" }}>
            {benefits.map((benefit) => (
              <li key={benefit}>{benefit}</li>
            ))}
          </ul>
        </Section>
      ) : null}
      {postalAddress && postalAddress.length > 0 ? (
        <Section>
          <Heading as="h2" style={styles.h2}>
            Where we post your print edition
          </Heading>
          <Paragraph>
            {postalAddress.map((line, i) => (
              <span key={i}>
                {i > 0 ? <br /> : null}
                {line}
              </span>
            ))}
          </Paragraph>
          {firstEditionBy ? (
            <Paragraph>{`Expect your first print edition by ${formatEmailDate(firstEditionBy, zone)}.`}</Paragraph>
          ) : null}
          <Paragraph
            small
          >{`If this address is wrong, write to ${receipt.organisation.contactEmail} and we will fix it before the next edition is posted.`}</Paragraph>
        </Section>
      ) : null}
      <ReceiptDetails receipt={receipt} />
      <ManageSupportLink manageUrl={manageUrl} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  receipt: previewReceipt({
    receiptNumber: 1044,
    amountMinor: 12000,
    feeCoverMinor: 0,
    description: "Print supporter — 12 months",
    frequency: "year",
    purpose: "subscription",
  }),
  tierName: "Print supporter — 12 months",
  benefits: ["The print edition, posted weekly for 12 months", "The weekly digital edition", "Supporter newsletter"],
  billing: "one_time_year",
  postalAddress: ["Rosa Reader", "1 Printers Lane", "Fitzroy VIC 3065", "AU"],
  coversUntil: "2027-11-23T09:29:41.000Z",
  firstEditionBy: "2026-11-30T09:29:41.000Z",
};
SupporterWelcome.PreviewProps = PreviewProps;
