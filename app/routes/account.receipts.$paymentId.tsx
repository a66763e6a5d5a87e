import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { requireSupporter } from "~/http/guards.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { getReceiptForSupporter } from "~/supporters/account.server";
import { RowId } from "~/ids";
import { activeIntlLocale } from "~/i18n/active";
import { PAYMENT_PURPOSE_LABELS } from "~/payments/labels";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? t("receipt.heading", { number: data.receipt.receiptNumber }) : t("account.col.receipt") },
];

const ParamsSchema = z.object({ paymentId: RowId });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const parsed = ParamsSchema.safeParse(params);
  const found = parsed.success
    ? await getReceiptForSupporter(db, { supporterId, paymentId: parsed.data.paymentId })
    : null;
  // Someone else's receipt and no receipt look the same.
  if (!found) throw new Response("Receipt not found", { status: 404 });
  return json(found, { headers: { "Cache-Control": "private, no-store" } });
}

/** The receipt exactly as issued (its snapshot), printable. */
export default function ReceiptPage() {
  const { receipt, refundedMinor, purpose } = useLoaderData<typeof loader>();
  const zone = (() => {
    try {
      new Intl.DateTimeFormat("en-AU", { timeZone: receipt.organisation.timeZone });
      return receipt.organisation.timeZone;
    } catch {
      return "UTC";
    }
  })();
  const date = new Intl.DateTimeFormat(activeIntlLocale(), { dateStyle: "long", timeZone: zone }).format(
    new Date(receipt.paidAt),
  );
  const money = (minor: number) =>
    `${formatMoney(minor, receipt.currency, activeIntlLocale(), { alwaysShowCents: true })} ${receipt.currency}`;
  return (
    <article className="narrow panel receipt">
      <p className="no-print">
        <Link to="/account">{t("account.sub.back")}</Link> ·{" "}
        <button type="button" className="link-button" onClick={() => window.print()}>
          {t("receipt.print")}
        </button>
      </p>
      <h1>{t("receipt.heading", { number: receipt.receiptNumber })}</h1>
      <p>
        <strong>{receipt.organisation.name}</strong>
        <br />
        {receipt.organisation.contactAddress}
        <br />
        {receipt.organisation.contactEmail}
        {receipt.organisation.phone ? ` · ${receipt.organisation.phone}` : ""}
      </p>
      <dl className="summary">
        <div>
          <dt>{t("receipt.datePaid")}</dt>
          <dd>{date}</dd>
        </div>
        {receipt.donor.name ? (
          <div>
            <dt>{t("receipt.from")}</dt>
            <dd>{receipt.donor.name}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t("simulated.for")}</dt>
          <dd>{receipt.description}</dd>
        </div>
        <div>
          <dt>{t("account.col.type")}</dt>
          <dd>{PAYMENT_PURPOSE_LABELS[receipt.purpose ?? purpose]}</dd>
        </div>
        {/* The gift and the card fees covered on lines of their own, then what was paid (ADR 040). */}
        {receipt.feeCoverMinor > 0 ? (
          <>
            <div>
              <dt>{t("giftLines.gift")}</dt>
              <dd>{money(receipt.amountMinor - receipt.feeCoverMinor)}</dd>
            </div>
            <div>
              <dt>{t("giftLines.feeCover")}</dt>
              <dd>{money(receipt.feeCoverMinor)}</dd>
            </div>
          </>
        ) : null}
        <div>
          <dt>{t("donate.amount")}</dt>
          <dd>{money(receipt.amountMinor)}</dd>
        </div>
      </dl>
      {receipt.frequency === "monthly" ? (
        <p className="no-print">
          {t("receipt.repeats")} <Link to="/account">{t("thanks.accountLink")}</Link>
        </p>
      ) : null}
      {refundedMinor > 0 ? <p className="notice">{t("receipt.refunded", { amount: money(refundedMinor) })}</p> : null}
      {receipt.organisation.receiptFooter ? <p className="hint">{receipt.organisation.receiptFooter}</p> : null}
    </article>
  );
}
