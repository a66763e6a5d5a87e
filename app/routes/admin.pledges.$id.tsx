import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { cancelPledge, getPledge, resendPledgeLink } from "~/pledges/pledges.server";
import { RowId } from "~/ids";
import { useOrgTime } from "~/ui/org-time";
import { Button, Notice } from "~/ui/admin";

export const meta: MetaFunction = () => [{ title: t("admin.pledgesId.pledge") }];

const PRIVATE = { "Cache-Control": "private, no-store" };

async function requirePledge(id: string | undefined) {
  const parsed = RowId.safeParse(id);
  const row = parsed.success ? await getPledge(getDb(), { id: parsed.data }) : null;
  if (!row) throw new Response(t("admin.pledgesId.pledgeNotFound"), { status: 404 });
  return row;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireStaff(getDb(), request);
  const row = await requirePledge(params.id);
  const csrf = await issueCsrfToken(request);
  const url = new URL(request.url);
  const { pledge, supporter } = row;
  return json(
    {
      csrf: csrf.token,
      notice: url.searchParams.get("created")
        ? t("admin.pledgesId.pledgeSaved")
        : url.searchParams.get("done") === "resent"
          ? t("admin.pledgesId.aNewPaymentLinkWas")
          : url.searchParams.get("done") === "cancelled"
            ? t("admin.pledgesId.pledgeCancelledItsLinkNo")
            : null,
      pledge: {
        id: pledge.id,
        status: pledge.status,
        kind: pledge.kind,
        amountMinor: pledge.amountMinor,
        currency: pledge.currency,
        payMethod: pledge.payMethod,
        notes: pledge.notes,
        anonymous: pledge.anonymous,
        message: pledge.message,
        createdAt: pledge.createdAt.toISOString(),
        expiresAt: pledge.expiresAt?.toISOString() ?? null,
        reminderSentAt: pledge.reminderSentAt?.toISOString() ?? null,
        paymentId: pledge.paymentId,
      },
      supporter: { id: supporter.id, name: supporter.name, email: supporter.email, phone: supporter.phone },
      takenBy: row.takenBy,
      campaignName: row.campaignName,
      planName: row.planName,
      receiptNumber: row.receiptNumber,
      reference: row.reference,
      method: row.method,
    },
    { headers: { ...csrf.headers, ...PRIVATE } },
  );
}

const IntentSchema = z.enum(["resend", "cancel"]);

export async function action({ request, params }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const { pledge } = await requirePledge(params.id);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json({ formError: t("error.csrf") }, { status: 403, headers: PRIVATE });
  const intent = IntentSchema.safeParse(formData.get("intent"));
  if (!intent.success)
    return json({ formError: t("admin.pledgesId.unknownAction") }, { status: 400, headers: PRIVATE });
  if (intent.data === "cancel") {
    const result = await cancelPledge(db, { staff, pledgeId: pledge.id });
    if (result !== "cancelled")
      return json({ formError: t("admin.pledgesId.onlyAPendingPledgeCan") }, { status: 409, headers: PRIVATE });
    return redirect(`/admin/pledges/${pledge.id}?done=cancelled`, { status: 303, headers: PRIVATE });
  }
  const result = await resendPledgeLink(db, { staff, pledgeId: pledge.id });
  if (result.status !== "sent")
    return json({ formError: t("admin.pledgesId.onlyAPendingOrExpired") }, { status: 409, headers: PRIVATE });
  return redirect(`/admin/pledges/${pledge.id}?done=resent`, { status: 303, headers: PRIVATE });
}

const KIND_LABELS: Record<string, string> = {
  one_off: t("admin.pledgesId.oneOffGift"),
  monthly: t("admin.pledgesId.monthlyGift"),
  tier_monthly: t("admin.pledgesId.tierMonthly"),
  tier_one_time: t("admin.pledgesId.tier12Months"),
};
const METHOD_LABELS: Record<string, string> = {
  link: t("admin.pledgesId.paymentLink"),
  cheque: t("admin.pledgesId.cheque"),
  bank_transfer: t("admin.pledgesId.bankTransfer"),
  cash: t("admin.pledgesId.cash"),
};

export default function PledgeDetails() {
  const { dateTime } = useOrgTime();
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { pledge, supporter, csrf } = data;
  const canResend = pledge.payMethod === "link" && (pledge.status === "pending" || pledge.status === "expired");
  return (
    <div className="panel">
      <p>
        <Link to="/admin/pledges">{t("admin.pledgesId.allPledges")}</Link>
      </p>
      <h1>
        {t("admin.pledgesId.pledge2")}
        {pledge.id}
      </h1>
      {data.notice ? <Notice tone="done">{data.notice}</Notice> : null}
      {actionData?.formError ? <Notice tone="error">{actionData.formError}</Notice> : null}
      <dl className="summary">
        <div>
          <dt>{t("admin.pledgesId.status")}</dt>
          <dd>{pledge.status}</dd>
        </div>
        <div>
          <dt>{t("admin.pledgesId.supporter")}</dt>
          <dd>
            <Link to={`/admin/supporters/${supporter.id}`}>{supporter.name || t("admin.pledgesId.noName")}</Link> —{" "}
            {supporter.email ?? t("admin.pledgesId.noEmailAddressReceiptsAre")}
            {supporter.phone ? ` — ${supporter.phone}` : ""}
          </dd>
        </div>
        <div>
          <dt>{t("admin.pledgesId.what")}</dt>
          <dd>
            {KIND_LABELS[pledge.kind] ?? pledge.kind}
            {data.planName ? ` — ${data.planName}` : ""} {t("admin.pledgesId.to")} {data.campaignName}
          </dd>
        </div>
        <div>
          <dt>{t("admin.pledgesId.amount")}</dt>
          <dd>
            {formatMoney(pledge.amountMinor, pledge.currency)} {pledge.currency}
          </dd>
        </div>
        <div>
          <dt>{t("admin.pledgesId.payBy")}</dt>
          <dd>{METHOD_LABELS[pledge.payMethod] ?? pledge.payMethod}</dd>
        </div>
        <div>
          <dt>{t("admin.pledgesId.takenBy")}</dt>
          <dd>
            {data.takenBy}, {dateTime(pledge.createdAt)}
          </dd>
        </div>
        {pledge.expiresAt && pledge.status !== "paid" ? (
          <div>
            <dt>{t("admin.pledgesId.linkExpires")}</dt>
            <dd>{dateTime(pledge.expiresAt)}</dd>
          </div>
        ) : null}
        {pledge.reminderSentAt ? (
          <div>
            <dt>{t("admin.pledgesId.reminderSent")}</dt>
            <dd>{dateTime(pledge.reminderSentAt)}</dd>
          </div>
        ) : null}
        {data.receiptNumber ? (
          <div>
            <dt>{t("admin.pledgesId.payment")}</dt>
            <dd>
              <Link to={`/admin/payments/${pledge.paymentId}`}>
                {t("admin.pledgesId.payment2")}
                {pledge.paymentId}
                {t("admin.pledgesId.receipt")}
                {data.receiptNumber}
              </Link>
              {data.method ? ` (${data.method}${data.reference ? `, ref. ${data.reference}` : ""})` : ""}
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t("admin.pledgesId.onTheWall")}</dt>
          <dd>
            {pledge.anonymous ? t("admin.pledgesId.notNamedAnonymous") : t("admin.pledgesId.firstNameAndTown")}
            {pledge.message ? (
              <>
                {t("admin.pledgesId.message")}
                <q>{pledge.message}</q>
                {pledge.paymentId
                  ? t("admin.pledgesId.readUnderMessagesOfSupport")
                  : t("admin.pledgesId.oncePaidAndReadBy")}
              </>
            ) : (
              t("admin.pledgesId.noMessage")
            )}
          </dd>
        </div>
        {pledge.notes ? (
          <div>
            <dt>{t("admin.pledgesId.notes")}</dt>
            <dd>{pledge.notes}</dd>
          </div>
        ) : null}
      </dl>
      <div className="admin-actions">
        {canResend ? (
          <Form method="post">
            <input type="hidden" name="csrf" value={csrf} />
            <Button variant="secondary" name="intent" value="resend">
              {t("admin.pledgesId.emailANewPaymentLink")}
            </Button>
          </Form>
        ) : null}
        {pledge.status === "pending" ? (
          <Form method="post">
            <input type="hidden" name="csrf" value={csrf} />
            <Button variant="danger" name="intent" value="cancel">
              {t("admin.pledgesId.cancelPledge")}
            </Button>
          </Form>
        ) : null}
      </div>
    </div>
  );
}
