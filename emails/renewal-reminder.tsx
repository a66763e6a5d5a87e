import type { EmailTemplates } from "~/email/templates";
import { ActionButton } from "./components/action-button";
import { formatEmailDate } from "./components/format";
import { EmailLayout, Paragraph } from "./components/layout";
import { ManageSupportLink } from "./components/manage-link";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["renewal-reminder"];

export function subject({ organisation }: Props): string {
  return `Your ${organisation.name} support ends soon`;
}

export default function RenewalReminder({
  organisation,
  donorName,
  tierName,
  coversUntil,
  renewUrl,
  manageUrl,
}: Props) {
  const until = formatEmailDate(coversUntil, organisation.timeZone);
  return (
    <EmailLayout
      heading={donorName ? `${donorName}, your support ends on ${until}` : `Your support ends on ${until}`}
      preview={`${tierName} ends on ${until}`}
    >
      <Paragraph>{`Your ${tierName} runs until ${until}. We won't charge you automatically: renew whenever suits you, for another 12 months or monthly.`}</Paragraph>
      <ActionButton href={renewUrl}>Renew my support</ActionButton>
      <ManageSupportLink manageUrl={manageUrl} />
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  tierName: "Print supporter — 12 months",
  coversUntil: "2026-12-23T00:00:00.000Z",
  renewUrl: "http://localhost:3000/support",
  manageUrl: "http://localhost:3000/account/auth/preview-token",
};
RenewalReminder.PreviewProps = PreviewProps;
