import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { ActionButton } from "./components/action-button";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["sign-in-link"];

export function subject({ organisation, locale }: Props): string {
  return t("email.signIn.subject", { organisation: organisation.name }, locale);
}

export default function SignInLink({ organisation, url, expiresInMinutes, locale = "en" }: Props) {
  const minutes = { minutes: expiresInMinutes };
  return (
    <EmailLayout
      locale={locale}
      heading={t("email.signIn.heading", {}, locale)}
      preview={t("email.signIn.preview", minutes, locale)}
    >
      <Paragraph>{t("email.signIn.body", minutes, locale)}</Paragraph>
      <ActionButton href={url} locale={locale}>
        {t("email.signIn.button", {}, locale)}
      </ActionButton>
      <Paragraph small>{t("email.signIn.ignore", {}, locale)}</Paragraph>
      <OrganisationContact organisation={organisation} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  url: "http://localhost:3000/account/auth/preview-token",
  expiresInMinutes: 15,
};
SignInLink.PreviewProps = PreviewProps;
