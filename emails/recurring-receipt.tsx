import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatEmailAmount, formatEmailDate, localiseDescription } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, Paragraph } from "./components/layout";
import { previewReceipt } from "./components/preview-data";
import { ReceiptDetails } from "./components/receipt-details";

type Props = EmailTemplates["recurring-receipt"];

export function subject({ receipt, locale }: Props): string {
  return t(
    "email.recurringReceipt.subject",
    { number: String(receipt.receiptNumber), organisation: receipt.organisation.name },
    locale,
  );
}

export default function RecurringReceipt({ receipt, manageUrl, locale = "en" }: Props) {
  const amount = formatEmailAmount(receipt.amountMinor, receipt.currency, locale);
  const description = localiseDescription(receipt.description, locale);
  return (
    <EmailLayout
      locale={locale}
      heading={
        receipt.donor.name
          ? t("email.recurringReceipt.thanksNamed", { name: receipt.donor.name }, locale)
          : t("email.recurringReceipt.thanks", {}, locale)
      }
      preview={t("email.recurringReceipt.preview", { number: String(receipt.receiptNumber), amount }, locale)}
    >
      <Paragraph>{t("email.recurringReceipt.body", { amount, description }, locale)}</Paragraph>
      {receipt.nextPaymentAt ? (
        <Paragraph>
          {t(
            "email.recurringReceipt.next",
            { amount, date: formatEmailDate(receipt.nextPaymentAt, receipt.organisation.timeZone, locale) },
            locale,
          )}
        </Paragraph>
      ) : null}
      <ReceiptDetails receipt={receipt} locale={locale} />
      <ManageSupportLink manageUrl={manageUrl} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  receipt: previewReceipt({
    receiptNumber: 1043,
    amountMinor: 1000,
    feeCoverMinor: 0,
    description: "Print supporter — monthly",
    frequency: "monthly",
    purpose: "subscription",
    nextPaymentAt: "2026-12-23T09:29:41.000Z",
  }),
};
RecurringReceipt.PreviewProps = PreviewProps;
