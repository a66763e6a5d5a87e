import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import type { ReactNode } from "react";
import { getDb } from "@db/client.server";
import { formatDate } from "~/dates";
import type { MailStatus } from "~/email/mail-status";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { getPaymentForStaff, markReceiptPosted } from "~/payments/admin-payments.server";
import { REFUND_REASON_LABELS } from "~/payments/labels";
import { listPaymentRefunds } from "~/payments/refunds.server";
import { Button, LinkButton, Notice } from "~/ui/admin";
import { GIFT_KIND_LABELS, PAYMENT_METHOD_LABELS } from "~/payments/labels";
import { rowIdParam } from "~/ids";
import { useOrgTime } from "~/ui/org-time";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? t("admin.paymentsId.paymentReceiptReceiptnumber", { receiptNumber: String(data.page.payment.receiptNumber) })
      : t("admin.paymentsId.payment"),
  },
];

const PRIVATE = { "Cache-Control": "private, no-store" };

const paymentId = (params: { id?: string }) => rowIdParam(params.id, t("admin.paymentsId.paymentNotFound"));

const DONE = {
  posted: t("admin.paymentsId.markedAsPosted"),
  refund: t("admin.refund.done.recorded"),
  "refund-requested": t("admin.refund.done.requested"),
  "refund-already": t("admin.refund.done.already"),
} as const;
const DoneSchema = z
  .enum(Object.keys(DONE) as [keyof typeof DONE])
  .optional()
  .catch(undefined);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const page = await getPaymentForStaff(db, { paymentId: paymentId(params) });
  if (!page) throw new Response(t("admin.paymentsId.paymentNotFound"), { status: 404 });
  const refunds = await listPaymentRefunds(db, { paymentId: page.payment.id });
  const csrf = await issueCsrfToken(request);
  const done = DoneSchema.parse(new URL(request.url).searchParams.get("done") ?? undefined) ?? null;
  return json(
    { page, refunds, isAdmin: staff.role === "admin", csrf: csrf.token, done },
    { headers: { ...csrf.headers, ...PRIVATE } },
  );
}

/** "Mark as posted": the only change made from this page. */
export async function action({ request, params }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const id = paymentId(params);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json({ formError: t("error.csrf") }, { status: 403, headers: PRIVATE });
  if (formData.get("intent") !== "mark-posted")
    return json({ formError: t("admin.paymentsId.unknownAction") }, { status: 400, headers: PRIVATE });
  const outcome = await markReceiptPosted(db, { staff, paymentId: id });
  if (outcome.status === "not_found") throw new Response(t("admin.paymentsId.paymentNotFound"), { status: 404 });
  if (outcome.status === "already_posted")
    return json(
      {
        formError: t("admin.paymentsId.thisReceiptWasAlreadyMarked", {
          postedAt: String(formatDate(outcome.postedAt, (await getOrganisationSettings(db)).timeZone, "medium")),
        }),
      },
      { status: 409, headers: PRIVATE },
    );
  return redirect(`/admin/payments/${id}?done=posted`, { status: 303, headers: PRIVATE });
}

const MESSAGE_STATE = {
  pending: t("admin.paymentsId.notYetReviewed"),
  approved: t("admin.paymentsId.approvedForThePublicWall"),
  hidden: t("admin.paymentsId.hiddenFromPublicView"),
} as const;
const MAIL_STATUS: Record<MailStatus, string> = {
  queued: t("admin.paymentsId.emailedWaitingToSend"),
  sent: t("admin.paymentsId.emailed"),
  failed: t("admin.paymentsId.emailFailed"),
  superseded: t("admin.paymentsId.emailReplacedByANewer"),
};

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export default function PaymentPage() {
  const { dateTime, date } = useOrgTime();
  const { page, refunds, isAdmin, csrf, done } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { payment, supporter, delivery } = page;
  const money = (minor: number) =>
    `${formatMoney(minor, payment.currency, "en-AU", { alwaysShowCents: true })} ${payment.currency}`;
  const canMarkPosted = page.hasReceipt && delivery.status !== "posted" && !supporter.erased;
  return (
    <div className="panel">
      <p>
        <Link to={`/admin/supporters/${supporter.id}`}>
          ←{" "}
          {supporter.erased
            ? t("admin.paymentsId.supporterErased")
            : supporter.name || supporter.email || supporter.phone || t("admin.paymentsId.supporter")}
        </Link>
      </p>
      <h1>
        {t("admin.paymentsId.paymentReceipt")} {payment.receiptNumber}
      </h1>
      {done ? <Notice tone="done">{DONE[done]}</Notice> : null}
      {actionData?.formError ? <Notice tone="error">{actionData.formError}</Notice> : null}
      <dl className="summary">
        <Row label={t("admin.paymentsId.receiptNumber")}>{payment.receiptNumber}</Row>
        <Row label={t("admin.paymentsId.datePaid")}>{dateTime(payment.paidAt)}</Row>
        <Row label={t("admin.paymentsId.supporter")}>
          {supporter.erased ? (
            t("admin.paymentsId.erased")
          ) : (
            <Link to={`/admin/supporters/${supporter.id}`}>
              {supporter.name || t("admin.paymentsId.noName")}
              {supporter.email
                ? ` — ${supporter.email}`
                : supporter.phone
                  ? t("admin.paymentsId.phoneNoEmail", { phone: String(supporter.phone) })
                  : ""}
            </Link>
          )}
        </Row>
        <Row label={t("admin.paymentsId.campaign")}>{page.campaignName}</Row>
        <Row label={t("admin.paymentsId.for")}>
          {GIFT_KIND_LABELS[payment.kind] ?? payment.kind}
          {page.planName ? ` — ${page.planName}` : ""}
        </Row>
        <Row label={t("admin.paymentsId.method")}>
          {PAYMENT_METHOD_LABELS[payment.method] ?? payment.method}
          {payment.recordedBy
            ? t("admin.paymentsId.recordedByRecordedby", { recordedBy: String(payment.recordedBy) })
            : ""}
        </Row>
        {payment.reference ? <Row label={t("admin.paymentsId.reference")}>{payment.reference}</Row> : null}
        {payment.message ? (
          <Row label={t("admin.paymentsId.messageOfSupport")}>
            <blockquote className="message-quote">{payment.message}</blockquote>
            <span className="hint">
              {MESSAGE_STATE[payment.messageStatus]}
              {payment.anonymous ? t("admin.paymentsId.theWriterAskedNotTo") : ""}.{" "}
              <Link
                to={`/admin/messages?show=${payment.messageStatus === "pending" ? "review" : payment.messageStatus}`}
              >
                {t("admin.paymentsId.reviewMessages")}
              </Link>
            </span>
          </Row>
        ) : null}
        <Row label={t("admin.paymentsId.amount")}>{money(payment.amountMinor)}</Row>
        {payment.feeCoverMinor > 0 ? (
          <Row label={t("admin.paymentsId.ofWhichCoversCardFees")}>{money(payment.feeCoverMinor)}</Row>
        ) : null}
        <Row label={t("admin.paymentsId.refunded")}>
          {payment.refundedMinor > 0 ? money(payment.refundedMinor) : t("admin.paymentsId.nothing")}
        </Row>
        {refunds.length > 0 ? (
          <Row label={t("admin.refund.history")}>
            <ul className="plain-list">
              {refunds.map((r) => (
                <li key={r.id}>
                  {t("admin.refund.history.by", {
                    amount: money(r.amountMinor),
                    name: r.staffName,
                    when: r.at ? dateTime(r.at) : "",
                  })}
                  : {REFUND_REASON_LABELS[r.reason]}
                  {r.note ? ` — “${r.note}”` : ""}
                </li>
              ))}
            </ul>
          </Row>
        ) : null}
        <Row label={t("admin.paymentsId.currency")}>{payment.currency}</Row>
        {page.pledgeId ? (
          <Row label={t("admin.paymentsId.pledge")}>
            <Link to={`/admin/pledges/${page.pledgeId}`}>
              {t("admin.paymentsId.pledge2")}
              {page.pledgeId}
            </Link>
          </Row>
        ) : null}
        <Row label={t("admin.paymentsId.receipt")}>
          {delivery.status === "posted"
            ? delivery.postedBy
              ? t("admin.paymentsId.postedOnBy", { date: date(delivery.postedAt), who: delivery.postedBy })
              : t("admin.paymentsId.postedOn", { date: date(delivery.postedAt) })
            : delivery.status === "emailed"
              ? `${MAIL_STATUS[delivery.mail]}, ${dateTime(delivery.at)}`
              : delivery.status === "to_post"
                ? t("admin.paymentsId.toPostThisSupporterHas")
                : delivery.status === "not_sent"
                  ? t("admin.paymentsId.notSent")
                  : t("admin.paymentsId.noReceiptWasIssuedFor")}
        </Row>
      </dl>
      <div className="admin-actions">
        {isAdmin && payment.amountMinor > payment.refundedMinor ? (
          <LinkButton to={`/admin/payments/${payment.id}/refund`} variant="secondary">
            {t("admin.refund.link")}
          </LinkButton>
        ) : null}
        {page.hasReceipt ? (
          <LinkButton to={`/admin/payments/${payment.id}/receipt`} variant="secondary">
            {t("admin.paymentsId.printReceipt")}
          </LinkButton>
        ) : null}
        {page.hasReceipt && canMarkPosted ? (
          <Form method="post">
            <input type="hidden" name="csrf" value={csrf} />
            <Button variant="secondary" name="intent" value="mark-posted">
              {t("admin.paymentsId.markAsPosted")}
            </Button>
          </Form>
        ) : null}
      </div>
    </div>
  );
}
