import { Heading } from "@react-email/heading";
import { Section } from "@react-email/section";
import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatEmailAmount, formatEmailDate } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, Paragraph, styles } from "./components/layout";
import { previewReceipt } from "./components/preview-data";
import { ReceiptDetails } from "./components/receipt-details";

type Props = EmailTemplates["supporter-welcome"];

export function subject({ receipt, tierName, locale }: Props): string {
  return t("email.welcome.subject", { organisation: receipt.organisation.name, tier: tierName }, locale);
}

export default function SupporterWelcome({
  receipt,
  tierName,
  benefits,
  billing,
  postalAddress,
  coversUntil,
  firstEditionBy,
  manageUrl,
  locale = "en",
}: Props) {
  const amount = formatEmailAmount(receipt.amountMinor, receipt.currency, locale);
  const zone = receipt.organisation.timeZone;
  const date = (iso: string) => formatEmailDate(iso, zone, locale);
  const next = receipt.nextPaymentAt
    ? ` ${t("email.welcome.nextPayment", { date: date(receipt.nextPaymentAt) }, locale)}`
    : "";
  const how =
    billing === "monthly"
      ? `${t("email.welcome.monthly", { amount }, locale)}${next}`
      : coversUntil
        ? t("email.welcome.yearUntil", { amount, date: date(coversUntil) }, locale)
        : t("email.welcome.once", { amount }, locale);
  return (
    <EmailLayout
      locale={locale}
      heading={
        receipt.donor.name
          ? t("email.welcome.headingNamed", { name: receipt.donor.name }, locale)
          : t("email.welcome.heading", {}, locale)
      }
      preview={t("email.welcome.preview", { tier: tierName }, locale)}
    >
      <Paragraph>
        {t("email.welcome.thanks", { organisation: receipt.organisation.name, tier: tierName }, locale)}
      </Paragraph>
      <Paragraph>{how}</Paragraph>
      {benefits.length > 0 ? (
        <Section>
          <Heading as="h2" style={styles.h2}>
            {t("email.welcome.benefits", {}, locale)}
          </Heading>
          <ul style={{ ...styles.text, paddingLeft: "24px" }}>
            {benefits.map((benefit) => (
              <li key={benefit}>{benefit}</li>
            ))}
          </ul>
        </Section>
      ) : null}
      {postalAddress && postalAddress.length > 0 ? (
        <Section>
          <Heading as="h2" style={styles.h2}>
            {t("email.welcome.address", {}, locale)}
          </Heading>
          <Paragraph>
            {postalAddress.map((line, i) => (
              <span key={i}>
                {i > 0 ? <br /> : null}
                {line}
              </span>
            ))}
          </Paragraph>
          {firstEditionBy ? (
            <Paragraph>{t("email.welcome.firstEdition", { date: date(firstEditionBy) }, locale)}</Paragraph>
          ) : null}
          <Paragraph small>
            {t("email.welcome.addressWrong", { email: receipt.organisation.contactEmail }, locale)}
          </Paragraph>
        </Section>
      ) : null}
      <ReceiptDetails receipt={receipt} locale={locale} />
      <ManageSupportLink manageUrl={manageUrl} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  receipt: previewReceipt({
    receiptNumber: 1044,
    amountMinor: 12000,
    feeCoverMinor: 0,
    description: "Print supporter — 12 months",
    frequency: "year",
    purpose: "subscription",
  }),
  tierName: "Print supporter — 12 months",
  benefits: ["The print edition, posted weekly for 12 months", "The weekly digital edition", "Supporter newsletter"],
  billing: "one_time_year",
  postalAddress: ["Rosa Reader", "1 Printers Lane", "Fitzroy VIC 3065", "AU"],
  coversUntil: "2027-11-23T09:29:41.000Z",
  firstEditionBy: "2026-11-30T09:29:41.000Z",
};
SupporterWelcome.PreviewProps = PreviewProps;
