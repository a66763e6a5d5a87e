import { Heading } from "@react-email/heading";
import { Section } from "@react-email/section";
import type { CSSProperties } from "react";
import type { EmailLocale, ReceiptSnapshot } from "~/email/templates";
import { t } from "~/i18n/t";
import { formatEmailAmount, formatEmailDate, localiseDescription } from "./format";
import { styles } from "./layout";
import { OrganisationContact } from "./organisation-contact";

const table: CSSProperties = { borderCollapse: "collapse", width: "100%", margin: "0 0 16px" };
const th: CSSProperties = {
  textAlign: "left",
  verticalAlign: "top",
  fontWeight: 400,
  color: "#404040",
  padding: "6px 12px 6px 0",
  fontSize: "15px",
  width: "40%",
};
const td: CSSProperties = { textAlign: "left", verticalAlign: "top", padding: "6px 0", fontSize: "15px" };

/** The receipt as issued: every email that carries a receipt shows it the same way. */
export function ReceiptDetails({
  receipt,
  locale = "en",
}: {
  receipt: ReceiptSnapshot;
  locale?: EmailLocale | undefined;
}) {
  const money = (amountMinor: number) => formatEmailAmount(amountMinor, receipt.currency, locale);
  const rows: [string, string][] = [
    [t("email.receipt.number", {}, locale), String(receipt.receiptNumber)],
    [t("email.receipt.datePaid", {}, locale), formatEmailDate(receipt.paidAt, receipt.organisation.timeZone, locale)],
  ];
  // The gift and the card fees the reader chose to cover on lines of their own, then what was paid (ADR 040).
  if (receipt.feeCoverMinor > 0) {
    rows.push([t("email.receipt.gift", {}, locale), money(receipt.amountMinor - receipt.feeCoverMinor)]);
    rows.push([t("email.receipt.feeCover", {}, locale), money(receipt.feeCoverMinor)]);
  }
  rows.push([t("email.receipt.amount", {}, locale), money(receipt.amountMinor)]);
  rows.push([t("email.receipt.for", {}, locale), localiseDescription(receipt.description, locale)]);
  if (receipt.purpose)
    rows.push([
      t("email.receipt.type", {}, locale),
      t(receipt.purpose === "gift" ? "email.purpose.gift" : "email.purpose.subscription", {}, locale),
    ]);
  // Only what the reader gave us: no name, no line.
  if (receipt.donor.name) rows.push([t("email.receipt.receivedFrom", {}, locale), receipt.donor.name]);

  return (
    <Section>
      <Heading as="h2" style={styles.h2}>
        {t("email.receipt.heading", { number: String(receipt.receiptNumber) }, locale)}
      </Heading>
      <table className="receipt-details" style={table}>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row" style={th}>
                {label}
              </th>
              <td style={td}>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <OrganisationContact organisation={receipt.organisation} locale={locale} />
    </Section>
  );
}
