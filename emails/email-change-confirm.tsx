import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { ActionButton } from "./components/action-button";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["email-change-confirm"];

export function subject({ organisation, locale }: Props): string {
  return t("email.emailChange.subject", { organisation: organisation.name }, locale);
}

export default function EmailChangeConfirm({ organisation, url, newEmail, locale = "en" }: Props) {
  return (
    <EmailLayout
      locale={locale}
      heading={t("email.emailChange.heading", {}, locale)}
      preview={t("email.emailChange.preview", {}, locale)}
    >
      <Paragraph>{t("email.emailChange.body", { email: newEmail }, locale)}</Paragraph>
      <ActionButton href={url} locale={locale}>
        {t("email.emailChange.button", {}, locale)}
      </ActionButton>
      <Paragraph small>{t("email.emailChange.ignore", {}, locale)}</Paragraph>
      <OrganisationContact organisation={organisation} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  url: "http://localhost:3000/account/auth/preview-token",
  newEmail: "rosa.new@example.net",
};
EmailChangeConfirm.PreviewProps = PreviewProps;
