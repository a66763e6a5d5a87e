import type { EmailTemplates } from "~/email/templates";
import { ActionButton } from "./components/action-button";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["staff-invite"];

export function subject({ organisation, purpose }: Props): string {
  return purpose === "invite"
    ? `You're invited to the ${organisation.name} staff area`
    : `Set a new password for the ${organisation.name} staff area`;
}

export default function StaffInvite({ organisation, staffName, purpose, url, expiresInHours }: Props) {
  const invite = purpose === "invite";
  return (
    <EmailLayout
      heading={invite ? `Welcome, ${staffName}` : "Set a new password"}
      preview={invite ? "Choose your password to start" : `Your set-password link (valid ${expiresInHours} hours)`}
    >
      <Paragraph>
        {invite
          ? `An administrator has made you a staff account for ${organisation.name}. Choose your password to sign in for the first time.`
          : `An administrator has sent you a link to set a new password for your ${organisation.name} staff account. Until you do, your current password keeps working.`}
      </Paragraph>
      <ActionButton href={url}>{invite ? "Choose your password" : "Set a new password"}</ActionButton>
      <Paragraph
        small
      >{`The link works once, for ${expiresInHours} hours. If it has expired, ask an administrator for a new one.`}</Paragraph>
      <Paragraph small>If you weren't expecting this, ignore this email: nothing happens without the link.</Paragraph>
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  staffName: "Sam Staff",
  purpose: "invite",
  url: "http://localhost:3000/admin/set-password/preview-token",
  expiresInHours: 72,
};
StaffInvite.PreviewProps = PreviewProps;
