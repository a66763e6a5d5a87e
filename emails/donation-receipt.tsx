import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, Paragraph } from "./components/layout";
import { previewReceipt } from "./components/preview-data";
import { ReceiptDetails } from "./components/receipt-details";

type Props = EmailTemplates["donation-receipt"];

export function subject({ receipt, locale }: Props): string {
  return t(
    "email.donationReceipt.subject",
    { number: String(receipt.receiptNumber), organisation: receipt.organisation.name },
    locale,
  );
}

export default function DonationReceipt({ receipt, manageUrl, locale = "en" }: Props) {
  const amount = formatEmailAmount(receipt.amountMinor, receipt.currency, locale);
  const thanks = receipt.donor.name
    ? t("email.donationReceipt.thanksNamed", { name: receipt.donor.name }, locale)
    : t("email.donationReceipt.thanks", {}, locale);
  const next = receipt.nextPaymentAt
    ? ` ${t("email.donationReceipt.next", { date: formatEmailDate(receipt.nextPaymentAt, receipt.organisation.timeZone, locale) }, locale)}`
    : "";
  const gift = { amount, campaign: receipt.campaignName };
  const what =
    receipt.frequency === "monthly"
      ? `${t("email.donationReceipt.monthly", gift, locale)}${next}`
      : t("email.donationReceipt.once", gift, locale);
  return (
    <EmailLayout
      locale={locale}
      heading={thanks}
      preview={t(
        "email.donationReceipt.preview",
        { number: String(receipt.receiptNumber), amount, organisation: receipt.organisation.name },
        locale,
      )}
    >
      <Paragraph>{what}</Paragraph>
      <Paragraph>{t("email.donationReceipt.keep", {}, locale)}</Paragraph>
      <ReceiptDetails receipt={receipt} locale={locale} />
      <ManageSupportLink manageUrl={manageUrl} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = { receipt: previewReceipt({ purpose: "gift" }) };
DonationReceipt.PreviewProps = PreviewProps;
