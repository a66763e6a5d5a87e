import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatEmailAmount, localiseDescription } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, Paragraph } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["refund-confirmation"];

export function subject({ organisation, receiptNumber, locale }: Props): string {
  return t("email.refund.subject", { number: String(receiptNumber), organisation: organisation.name }, locale);
}

export default function RefundConfirmation({
  organisation,
  donorName,
  receiptNumber,
  description,
  refundMinor,
  refundedTotalMinor,
  amountMinor,
  currency,
  manageUrl,
  locale = "en",
}: Props) {
  const money = (minor: number) => formatEmailAmount(minor, currency, locale);
  const refund = money(refundMinor);
  const number = String(receiptNumber);
  const full = refundedTotalMinor >= amountMinor;
  return (
    <EmailLayout
      locale={locale}
      heading={
        donorName
          ? t("email.refund.headingNamed", { name: donorName, amount: refund }, locale)
          : t("email.refund.heading", { amount: refund }, locale)
      }
      preview={t("email.refund.preview", { amount: refund, number }, locale)}
    >
      <Paragraph>
        {t(
          "email.refund.body",
          {
            refund,
            amount: money(amountMinor),
            description: localiseDescription(description, locale, { inSentence: true }),
            number,
          },
          locale,
        )}
      </Paragraph>
      <Paragraph>
        {full
          ? t("email.refund.full", {}, locale)
          : t("email.refund.part", { total: money(refundedTotalMinor) }, locale)}
      </Paragraph>
      <Paragraph>{t("email.refund.timing", {}, locale)}</Paragraph>
      <OrganisationContact organisation={organisation} locale={locale} />
      <ManageSupportLink manageUrl={manageUrl} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  receiptNumber: 1042,
  description: "One-off gift to Fighting Fund 2026",
  refundMinor: 1000,
  refundedTotalMinor: 1000,
  amountMinor: 2500,
  currency: "AUD",
};
RefundConfirmation.PreviewProps = PreviewProps;
