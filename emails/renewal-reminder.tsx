import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { ActionButton } from "./components/action-button";
import { formatEmailDate } from "./components/format";
import { EmailLayout, Paragraph } from "./components/layout";
import { ManageSupportLink } from "./components/manage-link";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["renewal-reminder"];

export function subject({ organisation, locale }: Props): string {
  return t("email.renewal.subject", { organisation: organisation.name }, locale);
}

export default function RenewalReminder({
  organisation,
  donorName,
  tierName,
  coversUntil,
  renewUrl,
  manageUrl,
  locale = "en",
}: Props) {
  const date = formatEmailDate(coversUntil, organisation.timeZone, locale);
  return (
    <EmailLayout
      locale={locale}
      heading={
        donorName
          ? t("email.renewal.headingNamed", { name: donorName, date }, locale)
          : t("email.renewal.heading", { date }, locale)
      }
      preview={t("email.renewal.preview", { tier: tierName, date }, locale)}
    >
      <Paragraph>{t("email.renewal.body", { tier: tierName, date }, locale)}</Paragraph>
      <ActionButton href={renewUrl} locale={locale}>
        {t("email.renewal.button", {}, locale)}
      </ActionButton>
      <ManageSupportLink manageUrl={manageUrl} locale={locale} />
      <OrganisationContact organisation={organisation} locale={locale} />
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
