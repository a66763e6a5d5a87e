import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import type { RefundReason } from "@db/schema";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { statusFor } from "~/http/status";
import { formValues, readFormData, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { rowIdParam } from "~/ids";
import { formatMoney } from "~/money";
import {
  confirmRefund,
  describeRefund,
  getRefundContext,
  mintRefundRequestId,
  parseRefundRequest,
  REFUND_FORM_FIELDS,
  RefundRequestId,
  refundTimeZone,
  type RefundDescription,
} from "~/payments/refunds.server";
import { listPositionsQuery, parseListPositions } from "~/supporters/admin-supporters.server";
import { REFUND_REASON_LABELS } from "~/payments/labels";
import { refundRequestAccepted } from "~/payments/refund-requests.server";
import { Button, SummaryList } from "~/ui/admin";
import { ErrorSummary, FieldError, TextAreaField, TextField } from "~/ui/fields";

/**
 * A deliberate refund (ADR 039), in two steps that need no script: the request (amount, reason,
 * note), then a confirmation saying what will happen. Only the confirmation refunds, and it
 * carries the request id minted when it was shown.
 */

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? t("admin.refund.heading", { receipt: data.context.payment.receiptNumber })
      : t("admin.paymentsIdRefund.refund"),
  },
];

const PRIVATE = { "Cache-Control": "private, no-store" };
/** The reasons offered, in the order their labels are listed. */
const REFUND_REASONS = Object.keys(REFUND_REASON_LABELS) as RefundReason[];
const paymentId = (params: { id?: string }) => rowIdParam(params.id, t("admin.paymentsIdRefund.paymentNotFound"));
const From = z.enum(["payment", "supporter"]).catch("payment");
/** Where the supporter page's lists were (paged), so going back lands on the same pages. */
const listsAt = (raw: string | null | undefined) =>
  listPositionsQuery(parseListPositions(new URLSearchParams(raw ?? ""))).toString();

async function requireAdmin(request: Request) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  // Said in words by the root error page: who may do this, and to ask them.
  if (staff.role !== "admin") throw new Response(t("admin.refund.adminOnly"), { status: 403 });
  return { db, staff };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db } = await requireAdmin(request);
  const context = await getRefundContext(db, { paymentId: paymentId(params) });
  if (!context) throw new Response(t("admin.paymentsIdRefund.paymentNotFound"), { status: 404 });
  const csrf = await issueCsrfToken(request);
  const query = new URL(request.url).searchParams;
  const from = From.parse(query.get("from") ?? undefined);
  return json(
    { context, csrf: csrf.token, from, at: from === "supporter" ? listsAt(query.get("at")) : "" },
    { headers: { ...csrf.headers, ...PRIVATE } },
  );
}

type RequestStep = { step: "request"; errors: FieldErrors; values: FormValues; formError?: string };
type ConfirmStep = {
  step: "confirm";
  values: FormValues;
  requestId: string;
  description: RefundDescription;
  reasonLabel: string;
  formError?: string;
};
type ActionData = RequestStep | ConfirmStep;

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, staff } = await requireAdmin(request);
  const id = paymentId(params);
  const formData = await readFormData(request);
  const values = formValues(formData, [...REFUND_FORM_FIELDS, "requestId", "from", "at"]);
  const from = From.parse(values.from);
  const requestStep = (status: number, data: Omit<RequestStep, "step">) =>
    json<ActionData>({ step: "request", ...data }, { status, headers: PRIVATE });
  if (!(await isValidCsrf(request, formData)))
    return requestStep(403, { errors: {}, values, formError: t("error.csrf") });
  const context = await getRefundContext(db, { paymentId: id });
  if (!context) throw new Response(t("admin.paymentsIdRefund.paymentNotFound"), { status: 404 });
  const backTo = (done: string) => {
    if (from !== "supporter") return `/admin/payments/${id}?done=${done}`;
    const query = new URLSearchParams(listsAt(values.at));
    query.set("done", done);
    return `/admin/supporters/${context.supporter.id}?${query}`;
  };
  const intent = formData.get("intent");

  if (intent === "change") return requestStep(200, { errors: {}, values });

  if (intent === "confirm") {
    const requestId = RefundRequestId.safeParse(values.requestId);
    if (!requestId.success) return requestStep(400, { errors: {}, values, formError: t("error.form") });
    // The same confirmation again, after it was done: nothing more, and say so.
    if (await refundRequestAccepted(db, { requestId: requestId.data, paymentId: id }))
      return redirect(backTo("refund-already"), { status: 303, headers: PRIVATE });
    const parsed = parseRefundRequest(values, context);
    if (!parsed.ok) return requestStep(400, { errors: parsed.errors, values, formError: t("error.form") });
    const outcome = await confirmRefund(db, { staff, paymentId: id, requestId: requestId.data, request: parsed.value });
    if (outcome.ok)
      return redirect(backTo(outcome.already ? "refund-already" : outcome.pending ? "refund-requested" : "refund"), {
        status: 303,
        headers: PRIVATE,
      });
    if (outcome.error === "unavailable") {
      // Shown again with the same request id: confirming again is the same refund, never a second.
      const description = describeRefund(context, parsed.value.amountMinor, { timeZone: await refundTimeZone(db) });
      return json<ActionData>(
        {
          step: "confirm",
          values,
          requestId: requestId.data,
          description,
          reasonLabel: REFUND_REASON_LABELS[parsed.value.reason],
          formError: `${outcome.formError} ${t("admin.refund.error.retry")}`,
        },
        { status: 503, headers: PRIVATE },
      );
    }
    return requestStep(statusFor(outcome.error), { errors: outcome.errors, values, formError: outcome.formError });
  }

  if (intent !== "review")
    return requestStep(400, { errors: {}, values, formError: t("admin.paymentsIdRefund.unknownAction") });
  // "Continue": check the request, then show what it will do, under a fresh request id.
  const parsed = parseRefundRequest(values, context);
  if (!parsed.ok) return requestStep(400, { errors: parsed.errors, values, formError: t("error.form") });
  const amount = formatMoney(parsed.value.amountMinor, context.payment.currency, "en-AU", {
    alwaysShowCents: true,
  }).replace(/[^\d.]/g, "");
  const description = describeRefund(context, parsed.value.amountMinor, { timeZone: await refundTimeZone(db) });
  return json<ActionData>(
    {
      step: "confirm",
      values: { ...values, amount, note: parsed.value.note ?? "" },
      requestId: mintRefundRequestId(),
      description,
      reasonLabel: REFUND_REASON_LABELS[parsed.value.reason],
    },
    { headers: PRIVATE },
  );
}

const LABELS = {
  amount: t("admin.paymentsIdRefund.amount"),
  reason: t("admin.refund.reason"),
  note: t("admin.refund.note"),
};

export default function RefundPage() {
  const { context, csrf, from, at } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { payment, supporter } = context;
  const money = (minor: number) =>
    `${formatMoney(minor, payment.currency, "en-AU", { alwaysShowCents: true })} ${payment.currency}`;
  const back =
    from === "supporter" ? `/admin/supporters/${supporter.id}${at ? `?${at}` : ""}` : `/admin/payments/${payment.id}`;
  const hidden = (
    <>
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="from" value={from} />
      {at ? <input type="hidden" name="at" value={at} /> : null}
    </>
  );

  if (data?.step === "confirm") {
    const { description, values } = data;
    return (
      <div className="panel admin-refund">
        <p>
          <Link to={back}>
            ←{" "}
            {from === "supporter"
              ? supporter.name || t("admin.paymentsIdRefund.supporter")
              : t("admin.paymentsIdRefund.paymentReceiptReceiptnumber", {
                  receiptNumber: String(payment.receiptNumber),
                })}
          </Link>
        </p>
        <h1>{t("admin.refund.confirmHeading")}</h1>
        {data.formError ? (
          <div className="error-summary" role="alert">
            <p>
              <strong>{data.formError}</strong>
            </p>
          </div>
        ) : null}
        <p>
          {t("admin.paymentsIdRefund.receipt")} {payment.receiptNumber},{" "}
          {supporter.erased ? t("admin.paymentsIdRefund.anErasedSupporter") : supporter.name}
          {t("admin.paymentsIdRefund.paid")} {money(payment.amountMinor)}
          {payment.refundedMinor > 0
            ? t("admin.paymentsIdRefund.refundedminorAlreadyRefunded", {
                refundedMinor: String(money(payment.refundedMinor)),
              })
            : ""}
          .
        </p>
        <SummaryList
          className="refund-confirmation"
          rows={[
            { label: t("admin.refund.row.amount"), value: description.amount },
            { label: t("admin.refund.row.method"), value: description.method },
            { label: t("admin.refund.row.sees"), value: description.supporterSees },
            { label: t("admin.refund.row.entitlement"), value: description.entitlement },
            { label: t("admin.refund.row.reason"), value: data.reasonLabel },
            values.note ? { label: t("admin.refund.row.note"), value: values.note } : null,
            { label: t("admin.refund.row.left"), value: description.leftAfter },
          ]}
        />
        <p className="hint">{t("admin.refund.notDoneYet")}</p>
        <div className="admin-actions">
          <Form method="post">
            {hidden}
            <input type="hidden" name="requestId" value={data.requestId} />
            <input type="hidden" name="amount" value={values.amount ?? ""} />
            <input type="hidden" name="reason" value={values.reason ?? ""} />
            <input type="hidden" name="note" value={values.note ?? ""} />
            <Button name="intent" value="confirm" variant="danger">
              {t("admin.refund.confirm", { amount: description.amount })}
            </Button>
          </Form>
          <Form method="post">
            {hidden}
            <input type="hidden" name="amount" value={values.amount ?? ""} />
            <input type="hidden" name="reason" value={values.reason ?? ""} />
            <input type="hidden" name="note" value={values.note ?? ""} />
            <Button name="intent" value="change" variant="secondary">
              {t("admin.refund.change")}
            </Button>
          </Form>
          <Link to={back}>{t("admin.refund.cancel")}</Link>
        </div>
      </div>
    );
  }

  const errors = data?.errors ?? {};
  const values = data?.values ?? {};
  return (
    <div className="panel admin-refund">
      <p>
        <Link to={back}>
          ←{" "}
          {from === "supporter"
            ? supporter.name || t("admin.paymentsIdRefund.supporter")
            : t("admin.paymentsIdRefund.paymentReceiptReceiptnumber", { receiptNumber: String(payment.receiptNumber) })}
        </Link>
      </p>
      <h1>{t("admin.refund.heading", { receipt: payment.receiptNumber })}</h1>
      <p>
        {supporter.erased ? t("admin.paymentsIdRefund.anErasedSupporter2") : supporter.name}{" "}
        {t("admin.paymentsIdRefund.paid2")} {money(payment.amountMinor)}
        {payment.refundedMinor > 0
          ? t("admin.paymentsIdRefund.refundedminorIsAlreadyRefunded", {
              refundedMinor: String(money(payment.refundedMinor)),
            })
          : ""}
        .
      </p>
      {context.remainingMinor <= 0 ? (
        <p className="notice">{t("admin.refund.nothingLeft")}</p>
      ) : (
        <>
          <ErrorSummary formError={data?.formError} errors={errors} labels={LABELS} />
          <Form method="post" noValidate className="admin-form">
            {hidden}
            <TextField
              name="amount"
              label={t("admin.refund.amount", { currency: payment.currency })}
              hint={t("admin.refund.amountHint", {
                left: money(context.remainingMinor),
                paid: money(payment.amountMinor),
              })}
              inputMode="decimal"
              autoComplete="off"
              className="input-amount"
              errors={errors}
              values={values}
            />
            <fieldset id="reason" aria-describedby={errors.reason ? "reason-error" : undefined}>
              <legend>{t("admin.refund.reason")}</legend>
              {REFUND_REASONS.map((r) => (
                <div className="check" key={r}>
                  <input type="radio" id={`reason-${r}`} name="reason" value={r} defaultChecked={values.reason === r} />
                  <label htmlFor={`reason-${r}`}>{REFUND_REASON_LABELS[r]}</label>
                </div>
              ))}
              <FieldError id="reason-error" message={errors.reason} />
            </fieldset>
            <TextAreaField
              name="note"
              label={t("admin.refund.note")}
              hint={t("admin.refund.noteHint")}
              rows={3}
              maxLength={1000}
              errors={errors}
              values={values}
            />
            <div className="admin-actions">
              <Button name="intent" value="review">
                {t("admin.refund.continue")}
              </Button>
              <Link to={back}>{t("admin.refund.cancel")}</Link>
            </div>
          </Form>
        </>
      )}
    </div>
  );
}
