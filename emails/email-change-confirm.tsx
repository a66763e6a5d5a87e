import type { EmailTemplates } from "~/email/templates";
import { ActionButton } from "./components/action-button";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["email-change-confirm"];

export function subject({ organisation }: Props): string {
  return `Confirm your new email address for ${organisation.name}`;
}

export default function EmailChangeConfirm({ organisation, url, newEmail }: Props) {
  return (
    <EmailLayout heading="Confirm your new email address" preview="One click to confirm your new address">
      <Paragraph>{`You asked us to use ${newEmail} for your receipts and sign-in links. Confirm it within 24 hours; until then we keep using your old address.`}</Paragraph>
      <ActionButton href={url}>Confirm this address</ActionButton>
      <Paragraph small>If you didn't ask for this, ignore this email and nothing changes.</Paragraph>
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  url: "http://localhost:3000/account/auth/preview-token",
  newEmail: "rosa.new@example.net",
};
EmailChangeConfirm.PreviewProps = PreviewProps;
