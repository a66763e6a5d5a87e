import { Heading } from "@react-email/heading";
import { Section } from "@react-email/section";
import type { CSSProperties } from "react";
import type { ReceiptSnapshot } from "~/email/templates";
import { t } from "~/i18n/t";
import { PAYMENT_PURPOSE_LABELS } from "~/payments/labels";
import { formatEmailAmount, formatEmailDate } from "./format";
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
export function ReceiptDetails({ receipt }: { receipt: ReceiptSnapshot }) {
  const rows: [string, string][] = [
    ["Receipt number", String(receipt.receiptNumber)],
    ["Date paid", formatEmailDate(receipt.paidAt, receipt.organisation.timeZone)],
  ];
  // The gift and the card fees the reader chose to cover on lines of their own, then what was paid (ADR 040).
  if (receipt.feeCoverMinor > 0) {
    rows.push([t("giftLines.gift"), formatEmailAmount(receipt.amountMinor - receipt.feeCoverMinor, receipt.currency)]);
    rows.push([t("giftLines.feeCover"), formatEmailAmount(receipt.feeCoverMinor, receipt.currency)]);
  }
  rows.push(["Amount", formatEmailAmount(receipt.amountMinor, receipt.currency)]);
  rows.push(["For", receipt.description]);
  if (receipt.purpose) rows.push(["Type", PAYMENT_PURPOSE_LABELS[receipt.purpose]]);
  // Only what the reader gave us: no name, no line.
  if (receipt.donor.name) rows.push(["Received from", receipt.donor.name]);

  return (
    <Section>
      <Heading as="h2" style={styles.h2}>
        {`Receipt ${receipt.receiptNumber}`}
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
      <OrganisationContact organisation={receipt.organisation} />
    </Section>
  );
}
