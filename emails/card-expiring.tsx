import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { ActionButton } from "./components/action-button";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["card-expiring"];

export function subject({ organisation, locale }: Props): string {
  return t("email.cardExpiring.subject", { organisation: organisation.name }, locale);
}

export default function CardExpiring({
  organisation,
  donorName,
  cardBrand,
  cardLast4,
  expMonth,
  expYear,
  fixUrl,
  locale = "en",
}: Props) {
  const card = cardLast4
    ? cardBrand
      ? t("email.cardExpiring.brandLast4", { brand: cardBrand, last4: cardLast4 }, locale)
      : t("email.cardExpiring.last4", { last4: cardLast4 }, locale)
    : cardBrand || t("email.cardExpiring.onFile", {}, locale);
  const expiry = `${String(expMonth).padStart(2, "0")}/${expYear}`;
  return (
    <EmailLayout
      locale={locale}
      heading={
        donorName
          ? t("email.cardExpiring.headingNamed", { name: donorName }, locale)
          : t("email.cardExpiring.heading", {}, locale)
      }
      preview={t("email.cardExpiring.preview", { card, expiry }, locale)}
    >
      <Paragraph>{t("email.cardExpiring.body", { card, expiry }, locale)}</Paragraph>
      <ActionButton href={fixUrl} locale={locale}>
        {t("email.cardExpiring.button", {}, locale)}
      </ActionButton>
      <OrganisationContact organisation={organisation} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  cardBrand: "Visa",
  cardLast4: "4242",
  expMonth: 12,
  expYear: 2026,
  fixUrl: "http://localhost:3000/account/auth/preview-token",
};
CardExpiring.PreviewProps = PreviewProps;
