import type { EmailTemplates } from "~/email/templates";
import { ActionButton } from "./components/action-button";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["sign-in-link"];

export function subject({ organisation }: Props): string {
  return `Your sign-in link for ${organisation.name}`;
}

export default function SignInLink({ organisation, url, expiresInMinutes }: Props) {
  return (
    <EmailLayout
      heading="Sign in to manage your support"
      preview={`Your sign-in link (valid ${expiresInMinutes} minutes)`}
    >
      <Paragraph>{`Use this link within ${expiresInMinutes} minutes to sign in. It works once.`}</Paragraph>
      <ActionButton href={url}>Sign in</ActionButton>
      <Paragraph small>If you didn't ask to sign in, ignore this email: nothing happens without the link.</Paragraph>
      <OrganisationContact organisation={organisation} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  url: "http://localhost:3000/account/auth/preview-token",
  expiresInMinutes: 15,
};
SignInLink.PreviewProps = PreviewProps;
