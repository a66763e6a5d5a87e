import type { EmailTemplates } from "~/email/templates";
import { ActionButton } from "./components/action-button";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["card-expiring"];

export function subject({ organisation }: Props): string {
  return `Your card for ${organisation.name} is about to expire`;
}

export default function CardExpiring({
  organisation,
  donorName,
  cardBrand,
  cardLast4,
  expMonth,
  expYear,
  fixUrl,
}: Props) {
  const card =
    [cardBrand, cardLast4 ? `ending ${cardLast4}` : null].filter(Boolean).join(" ") || "The card we have on file";
  const expiry = `${String(expMonth).padStart(2, "0")}/${expYear}`;
  return (
    <EmailLayout
      heading={donorName ? `${donorName}, your card is about to expire` : "Your card is about to expire"}
      preview={`${card} expires ${expiry}`}
    >
      <Paragraph>{`${card} expires at the end of ${expiry}, before your next payment. Update it now and your support carries on without a gap.`}</Paragraph>
      <ActionButton href={fixUrl}>Update your card</ActionButton>
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  cardBrand: "Visa",
  cardLast4: "4242",
  expMonth: 12,
  expYear: 2026,
  fixUrl: "http://localhost:3000/account/auth/preview-token",
};
CardExpiring.PreviewProps = PreviewProps;
