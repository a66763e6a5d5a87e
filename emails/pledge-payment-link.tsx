import { Button } from "@react-email/button";
import { Section } from "@react-email/section";
import type { EmailTemplates } from "~/email/templates";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { EmailLayout, EmailLink, Paragraph, styles } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["pledge-payment-link"];

export function subject({ organisation, reminder }: Props): string {
  return reminder
    ? `Reminder: complete your pledge to ${organisation.name}`
    : `Complete your pledge to ${organisation.name}`;
}

export default function PledgePaymentLink({
  organisation,
  donorName,
  description,
  amountMinor,
  currency,
  payUrl,
  expiresAt,
  reminder,
}: Props) {
  const amount = formatEmailAmount(amountMinor, currency);
  const thanks = donorName ? `Thank you for your call, ${donorName}` : "Thank you for your call";
  return (
    <EmailLayout heading={reminder ? "Your pledge is waiting" : thanks} preview={`Complete your pledge of ${amount}`}>
      <Paragraph>{`${reminder ? "A reminder: you" : "You"} pledged ${amount} for ${description}. You can complete it securely on our page below.`}</Paragraph>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={payUrl} style={styles.button}>
          Complete your pledge
        </Button>
      </Section>
      <Paragraph small skipInText>
        If the button doesn't work, copy this address into your browser: <EmailLink href={payUrl}>{payUrl}</EmailLink>
      </Paragraph>
      <Paragraph
        small
      >{`This link works until ${formatEmailDate(expiresAt, organisation.timeZone)}. If you didn't make this pledge, you can ignore this email.`}</Paragraph>
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  description: "One-off gift to Fighting Fund 2026",
  amountMinor: 5000,
  currency: "AUD",
  payUrl: "http://localhost:3000/pay/preview-token",
  expiresAt: "2026-12-07T09:00:00.000Z",
  reminder: false,
};
PledgePaymentLink.PreviewProps = PreviewProps;
