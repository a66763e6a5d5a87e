import { Column } from "@react-email/column";
import { Row } from "@react-email/row";
import { Section } from "@react-email/section";
import type { EmailLocale, EmailTemplates } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatEmailAmount, formatEmailDate, localiseDescription, localisePeriod } from "./components/format";
import { Heading } from "@react-email/heading";
import { EmailLayout, Paragraph, styles } from "./components/layout";
import { ManageSupportLink } from "./components/manage-link";
import { OrganisationContact } from "./components/organisation-contact";
import { previewOrganisation } from "./components/preview-data";

type Props = EmailTemplates["annual-statement"];

export function subject({ organisation, periodLabel, locale }: Props): string {
  return t(
    "email.statement.subject",
    { period: localisePeriod(periodLabel, locale), organisation: organisation.name },
    locale,
  );
}

type Line = Props["payments"][number];

function Lines({ lines, timeZone, locale }: { lines: Line[]; timeZone: string; locale: EmailLocale }) {
  return (
    <Section>
      {lines.map((p) => {
        const amount = formatEmailAmount(p.amountMinor - p.refundedMinor, p.currency, locale);
        return (
          <Row key={p.receiptNumber}>
            <Column>
              {t(
                "email.statement.line",
                {
                  number: String(p.receiptNumber),
                  date: formatEmailDate(p.paidAt, timeZone, locale),
                  description: localiseDescription(p.description, locale),
                },
                locale,
              )}
            </Column>
            <Column align="right">
              {p.refundedMinor ? t("email.statement.afterRefund", { amount }, locale) : amount}
            </Column>
          </Row>
        );
      })}
    </Section>
  );
}

/**
 * Gifts and supporter subscriptions apart (ADR 036): only gifts are giving. A statement queued
 * before the two were told apart has no purposes and no subscriptions total, and reads as before.
 */
export default function AnnualStatement({
  organisation,
  donorName,
  periodLabel,
  totalMinor,
  subscriptionsTotalMinor,
  taxNote,
  currency,
  payments,
  manageUrl,
  locale = "en",
}: Props) {
  const period = localisePeriod(periodLabel, locale);
  const total = formatEmailAmount(totalMinor, currency, locale);
  const split = subscriptionsTotalMinor !== undefined;
  const gifts = split ? payments.filter((p) => p.purpose !== "subscription") : payments;
  const subscriptions = split ? payments.filter((p) => p.purpose === "subscription") : [];
  const zone = organisation.timeZone;
  return (
    <EmailLayout
      locale={locale}
      heading={t("email.statement.heading", { period }, locale)}
      preview={t("email.statement.preview", { amount: total, period }, locale)}
    >
      {gifts.length > 0 ? (
        <>
          {split ? (
            <Heading as="h2" style={styles.h2}>
              {t("email.statement.gifts", {}, locale)}
            </Heading>
          ) : null}
          <Paragraph>
            {donorName
              ? t("email.statement.gaveNamed", { name: donorName, amount: total, period }, locale)
              : t("email.statement.gave", { amount: total, period }, locale)}
          </Paragraph>
          <Lines lines={gifts} timeZone={zone} locale={locale} />
        </>
      ) : (
        <Paragraph>{t("email.statement.noGifts", { period }, locale)}</Paragraph>
      )}
      {subscriptions.length > 0 && subscriptionsTotalMinor !== undefined ? (
        <>
          <Heading as="h2" style={styles.h2}>
            {t("email.statement.subscriptions", {}, locale)}
          </Heading>
          <Paragraph>
            {t(
              "email.statement.subscriptionsPaid",
              { amount: formatEmailAmount(subscriptionsTotalMinor, currency, locale), period },
              locale,
            )}
          </Paragraph>
          <Lines lines={subscriptions} timeZone={zone} locale={locale} />
        </>
      ) : null}
      {taxNote ? <Paragraph>{taxNote}</Paragraph> : null}
      <ManageSupportLink manageUrl={manageUrl} locale={locale} />
      <OrganisationContact organisation={organisation} locale={locale} />
    </EmailLayout>
  );
}

export const PreviewProps: Props = {
  organisation: previewOrganisation,
  donorName: "Rosa Reader",
  periodLabel: "the year to 30 June 2026",
  totalMinor: 2500,
  subscriptionsTotalMinor: 11000,
  taxNote: null,
  currency: "AUD",
  payments: [
    {
      receiptNumber: 1001,
      paidAt: "2025-08-01T01:00:00.000Z",
      description: "One-off gift to Fighting Fund 2026",
      amountMinor: 2500,
      refundedMinor: 0,
      currency: "AUD",
      purpose: "gift",
    },
    {
      receiptNumber: 1044,
      paidAt: "2026-01-05T01:00:00.000Z",
      description: "Print supporter — 12 months",
      amountMinor: 11000,
      refundedMinor: 0,
      currency: "AUD",
      purpose: "subscription",
    },
  ],
  manageUrl: null,
};
AnnualStatement.PreviewProps = PreviewProps;
