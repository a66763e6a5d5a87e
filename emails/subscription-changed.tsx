import type { EmailTemplates } from "~/email/templates";
import { EmailLayout, Paragraph } from "./components/layout";
import { ManageSupportLink } from "./components/manage-link";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["subscription-changed"];

export function subject({ organisation }: Props): string {
  return `Your support for ${organisation.name} has changed`;
}

export default function SubscriptionChanged({ organisation, donorName, description, summary, manageUrl }: Props) {
  return (
    <EmailLayout
      heading={donorName ? `${donorName}, your change is confirmed` : "Your change is confirmed"}
      preview={summary}
    >
      <Paragraph>{`${description}: ${summary}`}</Paragraph>
      <Paragraph>If you didn't make this change, reply to this email or call us.</Paragraph>
      <ManageSupportLink manageUrl={manageUrl} />
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  description: "Monthly gift to Fighting Fund 2026",
  summary: "from your next payment you give $30 a month (was $25).",
  manageUrl: "http://localhost:3000/account/auth/preview-token",
};
SubscriptionChanged.PreviewProps = PreviewProps;
