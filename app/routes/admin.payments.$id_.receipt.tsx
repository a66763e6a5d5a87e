import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { formatDate, safeTimeZone } from "~/dates";
import { formatMoney } from "~/money";
import { getPrintableReceipt } from "~/payments/admin-payments.server";
import stylesheet from "~/styles/printed-receipt.css";
import type { loader as adminLoader } from "./admin";
import { RowId } from "~/ids";
import { Button } from "~/ui/admin";
import { t } from "~/i18n/t";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? t("admin.paymentsIdReceipt.receiptReceiptnumber", { receiptNumber: String(data.receipt.receiptNumber) })
      : t("admin.paymentsIdReceipt.receipt"),
  },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const id = RowId.safeParse(params.id);
  const found = id.success ? await getPrintableReceipt(db, { paymentId: id.data }) : null;
  if (!found) throw new Response(t("admin.paymentsIdReceipt.receiptNotFound"), { status: 404 });
  return json(found, { headers: { "Cache-Control": "private, no-store" } });
}

/**
 * The receipt exactly as issued (its snapshot), on an A4 letter for a window envelope. "Print"
 * is a link to this page, so it works without JavaScript (then the browser's own Print command
 * does the rest); with JavaScript it opens the print dialog.
 */
export default function PrintedReceipt() {
  const { paymentId, receipt, refundedMinor, postalAddress, postedAt, sender } = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof adminLoader>("routes/admin");
  const zone = safeTimeZone(receipt.organisation.timeZone);
  const money = (minor: number) =>
    `${formatMoney(minor, receipt.currency, "en-AU", { alwaysShowCents: true })} ${receipt.currency}`;
  const self = `/admin/payments/${paymentId}/receipt`;
  return (
    <>
      <div className="receipt-tools no-print">
        <Link to={`/admin/payments/${paymentId}`}>{t("admin.paymentsIdReceipt.payment")}</Link>
        <a
          href={self}
          className="button"
          onClick={(event) => {
            event.preventDefault();
            window.print();
          }}
        >
          {t("admin.paymentsIdReceipt.print")}
        </a>
        <span className="hint">{t("admin.paymentsIdReceipt.withoutThePrintButtonWorking")}</span>
        {postedAt ? (
          <span>
            {t("admin.paymentsIdReceipt.postedOn")} {formatDate(postedAt, zone, "medium")}.
          </span>
        ) : postalAddress ? (
          <Form method="post" action={`/admin/payments/${paymentId}`} className="inline-form">
            <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
            <Button variant="secondary" name="intent" value="mark-posted">
              {t("admin.paymentsIdReceipt.markAsPosted")}
            </Button>
          </Form>
        ) : null}
      </div>
      <article
        className="receipt-sheet"
        aria-label={t("admin.paymentsIdReceipt.receiptReceiptnumber", { receiptNumber: String(receipt.receiptNumber) })}
      >
        <p className="receipt-letterhead">
          <strong>{sender.name}</strong>
          {sender.address ? (
            <>
              <br />
              {sender.address}
            </>
          ) : null}
          <br />
          {sender.email}
          {sender.phone ? (
            <>
              <br />
              {sender.phone}
            </>
          ) : null}
        </p>
        <div className="receipt-window">
          <p className="receipt-return">{[sender.name, sender.address].filter(Boolean).join(", ")}</p>
          {postalAddress ? (
            <address className="receipt-address">
              {postalAddress.map((line, i) => (
                <span key={i}>
                  {line}
                  <br />
                </span>
              ))}
            </address>
          ) : (
            <p className="receipt-missing-address">{t("admin.paymentsIdReceipt.noPostalAddressOnFile")}</p>
          )}
        </div>
        <div className="receipt-body">
          <h1>
            {t("admin.paymentsIdReceipt.receipt")} {receipt.receiptNumber}
          </h1>
          <dl>
            <dt>{t("admin.paymentsIdReceipt.datePaid")}</dt>
            <dd>{formatDate(receipt.paidAt, zone)}</dd>
            {receipt.donor.name ? (
              <>
                <dt>{t("admin.paymentsIdReceipt.receivedFrom")}</dt>
                <dd>{receipt.donor.name}</dd>
              </>
            ) : null}
            <dt>{t("admin.paymentsIdReceipt.for")}</dt>
            <dd>{receipt.description}</dd>
            <dt>{t("admin.paymentsIdReceipt.amount")}</dt>
            <dd>{money(receipt.amountMinor)}</dd>
            {receipt.feeCoverMinor > 0 ? (
              <>
                <dt>{t("admin.paymentsIdReceipt.ofWhichCoversCardFees")}</dt>
                <dd>{money(receipt.feeCoverMinor)}</dd>
              </>
            ) : null}
            <dt>{t("admin.paymentsIdReceipt.issued")}</dt>
            <dd>{formatDate(receipt.issuedAt, zone)}</dd>
          </dl>
          {refundedMinor > 0 ? (
            <p>
              {money(refundedMinor)} {t("admin.paymentsIdReceipt.ofThisPaymentWasLater")}
            </p>
          ) : null}
          <p>{t("admin.paymentsIdReceipt.thankYouForYourSupport")}</p>
          <div className="receipt-footer">
            <p>
              {receipt.organisation.name}
              {receipt.organisation.contactAddress ? `, ${receipt.organisation.contactAddress}` : ""}
            </p>
            {receipt.organisation.receiptFooter ? <p>{receipt.organisation.receiptFooter}</p> : null}
          </div>
        </div>
      </article>
    </>
  );
}
