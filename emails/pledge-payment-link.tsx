import { Button } from "@react-email/button";
import { Section } from "@react-email/section";
import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatEmailAmount, formatEmailDate, localiseDescription } from "./components/format";
import { EmailLayout, EmailLink, Paragraph, styles } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["pledge-payment-link"];

export function subject({ organisation, reminder, locale }: Props): string {
  return t(
    reminder ? "email.pledge.subjectReminder" : "email.pledge.subject",
    { organisation: organisation.name },
    locale,
  );
}

export default function PledgePaymentLink({
  organisation,
  donorName,
  description,
  amountMinor,
  currency,
  payUrl,
  expiresAt,
  reminder,
  locale = "en",
}: Props) {
  const amount = formatEmailAmount(amountMinor, currency, locale);
  const thanks = donorName
    ? t("email.pledge.thanksNamed", { name: donorName }, locale)
    : t("email.pledge.thanks", {}, locale);
  const pledged = { amount, description: localiseDescription(description, locale, { inSentence: true }) };
  return (
    <EmailLayout
      locale={locale}
      heading={reminder ? t("email.pledge.headingReminder", {}, locale) : thanks}
      preview={t("email.pledge.preview", { amount }, locale)}
    >
      <Paragraph>{t(reminder ? "email.pledge.bodyReminder" : "email.pledge.body", pledged, locale)}</Paragraph>
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={payUrl} style={styles.button}>
          {t("email.pledge.button", {}, locale)}
        </Button>
      </Section>
      <Paragraph small skipInText>
        {t("email.button.fallback", {}, locale)} <EmailLink href={payUrl}>{payUrl}</EmailLink>
      </Paragraph>
      <Paragraph small>
        {t("email.pledge.expiry", { date: formatEmailDate(expiresAt, organisation.timeZone, locale) }, locale)}
      </Paragraph>
      <OrganisationContact organisation={organisation} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  description: "One-off gift to Fighting Fund 2026",
  amountMinor: 5000,
  currency: "AUD",
  payUrl: "http://localhost:3000/pay/preview-token",
  expiresAt: "2026-12-07T09:00:00.000Z",
  reminder: false,
};
PledgePaymentLink.PreviewProps = PreviewProps;
