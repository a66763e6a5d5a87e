import { Button } from "@react-email/button";
import { Section } from "@react-email/section";
import type { EmailTemplates } from "~/email/templates";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, EmailLink, Paragraph, styles } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["payment-failed"];

export function subject({ organisation }: Props): string {
  return `Your payment to ${organisation.name} didn't go through`;
}

export default function PaymentFailed({
  organisation,
  donorName,
  description,
  amountMinor,
  currency,
  reason,
  nextAttemptAt,
  fixUrl,
  manageUrl,
}: Props) {
  const amount = formatEmailAmount(amountMinor, currency);
  return (
    <EmailLayout
      heading={donorName ? `${donorName}, your payment didn't go through` : "Your payment didn't go through"}
      preview={`We couldn't take ${amount}: please check your card`}
    >
      <Paragraph>{`We tried to take ${amount} for ${description}, but the payment didn't go through. Nothing was charged.`}</Paragraph>
      {reason ? <Paragraph>{`The reason given: ${reason}`}</Paragraph> : null}
      {nextAttemptAt ? (
        <Paragraph>{`We will try again on ${formatEmailDate(nextAttemptAt, organisation.timeZone)}.`}</Paragraph>
      ) : null}
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={fixUrl} style={styles.button}>
          Update your payment details
        </Button>
      </Section>
      {/* The plain-text version already prints the address next to the button's label. */}
      <Paragraph small skipInText>
        If the button doesn't work, copy this address into your browser: <EmailLink href={fixUrl}>{fixUrl}</EmailLink>
      </Paragraph>
      <OrganisationContact organisation={organisation} />
      <ManageSupportLink manageUrl={manageUrl} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  description: "Print supporter — monthly",
  amountMinor: 1000,
  currency: "AUD",
  reason: "Your card has expired.",
  nextAttemptAt: "2026-11-26T09:00:00.000Z",
  fixUrl: "http://localhost:3000/account/billing",
};
PaymentFailed.PreviewProps = PreviewProps;
