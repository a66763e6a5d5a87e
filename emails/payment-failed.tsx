import { Button } from "@react-email/button";
import { Section } from "@react-email/section";
import type { EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatEmailAmount, formatEmailDate, localiseDescription } from "./components/format";
import { ManageSupportLink } from "./components/manage-link";
import { EmailLayout, EmailLink, Paragraph, styles } from "./components/layout";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["payment-failed"];

export function subject({ organisation, locale }: Props): string {
  return t("email.paymentFailed.subject", { organisation: organisation.name }, locale);
}

export default function PaymentFailed({
  organisation,
  donorName,
  description,
  amountMinor,
  currency,
  reason,
  nextAttemptAt,
  fixUrl,
  manageUrl,
  locale = "en",
}: Props) {
  const amount = formatEmailAmount(amountMinor, currency, locale);
  return (
    <EmailLayout
      locale={locale}
      heading={
        donorName
          ? t("email.paymentFailed.headingNamed", { name: donorName }, locale)
          : t("email.paymentFailed.heading", {}, locale)
      }
      preview={t("email.paymentFailed.preview", { amount }, locale)}
    >
      <Paragraph>
        {t(
          "email.paymentFailed.body",
          { amount, description: localiseDescription(description, locale, { inSentence: true }) },
          locale,
        )}
      </Paragraph>
      {reason ? <Paragraph>{t("email.paymentFailed.reason", { reason }, locale)}</Paragraph> : null}
      {nextAttemptAt ? (
        <Paragraph>
          {t(
            "email.paymentFailed.retry",
            { date: formatEmailDate(nextAttemptAt, organisation.timeZone, locale) },
            locale,
          )}
        </Paragraph>
      ) : null}
      <Section style={{ margin: "8px 0 24px" }}>
        <Button href={fixUrl} style={styles.button}>
          {t("email.paymentFailed.button", {}, locale)}
        </Button>
      </Section>
      {/* The plain-text version already prints the address next to the button's label. */}
      <Paragraph small skipInText>
        {t("email.button.fallback", {}, locale)} <EmailLink href={fixUrl}>{fixUrl}</EmailLink>
      </Paragraph>
      <OrganisationContact organisation={organisation} locale={locale} />
      <ManageSupportLink manageUrl={manageUrl} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  description: "Print supporter — monthly",
  amountMinor: 1000,
  currency: "AUD",
  reason: "Your card has expired.",
  nextAttemptAt: "2026-11-26T09:00:00.000Z",
  fixUrl: "http://localhost:3000/account/billing",
};
PaymentFailed.PreviewProps = PreviewProps;
