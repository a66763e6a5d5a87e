import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { localiseDescription } from "./components/format";
import { EmailLayout, Paragraph } from "./components/layout";
import { ManageSupportLink } from "./components/manage-link";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["subscription-changed"];

export function subject({ organisation, locale }: Props): string {
  return t("email.changed.subject", { organisation: organisation.name }, locale);
}

/** The summary is written in the supporter's language when queued (describeSettledChange). */
export default function SubscriptionChanged({
  organisation,
  donorName,
  description,
  summary,
  manageUrl,
  locale = "en",
}: Props) {
  return (
    <EmailLayout
      locale={locale}
      heading={
        donorName
          ? t("email.changed.headingNamed", { name: donorName }, locale)
          : t("email.changed.heading", {}, locale)
      }
      preview={summary}
    >
      <Paragraph>
        {t("email.changed.body", { description: localiseDescription(description, locale), summary }, locale)}
      </Paragraph>
      <Paragraph>{t("email.changed.notYou", {}, locale)}</Paragraph>
      <ManageSupportLink manageUrl={manageUrl} locale={locale} />
      <OrganisationContact organisation={organisation} locale={locale} />
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
