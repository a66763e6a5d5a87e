import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { ActionButton } from "./components/action-button";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["staff-invite"];

export function subject({ organisation, purpose, locale }: Props): string {
  const key = purpose === "invite" ? "email.staffInvite.subjectInvite" : "email.staffInvite.subjectReset";
  return t(key, { organisation: organisation.name }, locale);
}

/** Staff read English; the catalogue holds both languages all the same. */
export default function StaffInvite({ organisation, staffName, purpose, url, expiresInHours, locale = "en" }: Props) {
  const invite = purpose === "invite";
  const hours = { hours: expiresInHours };
  const org = { organisation: organisation.name };
  return (
    <EmailLayout
      locale={locale}
      heading={
        invite
          ? t("email.staffInvite.headingInvite", { name: staffName }, locale)
          : t("email.staffInvite.headingReset", {}, locale)
      }
      preview={
        invite ? t("email.staffInvite.previewInvite", {}, locale) : t("email.staffInvite.previewReset", hours, locale)
      }
    >
      <Paragraph>
        {invite ? t("email.staffInvite.bodyInvite", org, locale) : t("email.staffInvite.bodyReset", org, locale)}
      </Paragraph>
      <ActionButton href={url} locale={locale}>
        {invite ? t("email.staffInvite.buttonInvite", {}, locale) : t("email.staffInvite.buttonReset", {}, locale)}
      </ActionButton>
      <Paragraph small>{t("email.staffInvite.linkOnce", hours, locale)}</Paragraph>
      <Paragraph small>{t("email.staffInvite.ignore", {}, locale)}</Paragraph>
      <OrganisationContact organisation={organisation} locale={locale} />
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
