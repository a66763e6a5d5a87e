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
import {
  countReceiptsToPost,
  listReceiptsToPost,
  listRecentPayments,
  markReceiptPosted,
} from "~/payments/admin-payments.server";
import { GIFT_KIND_LABELS, PAYMENT_METHOD_LABELS } from "~/payments/labels";
import { RowId } from "~/ids";
import { useOrgTime } from "~/ui/org-time";
import { Button, DataTable, Notice } from "~/ui/admin";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.view === "to-post" ? t("admin.payments.receiptsToPost") : t("admin.payments.payments") },
];

const PRIVATE = { "Cache-Control": "private, no-store" };
const QuerySchema = z.object({
  to: z.enum(["post"]).optional().catch(undefined),
  cursor: RowId.optional().catch(undefined),
  done: z.enum(["posted"]).optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const csrf = await issueCsrfToken(request);
  const headers = { ...csrf.headers, ...PRIVATE };
  const toPostCount = await countReceiptsToPost(db);
  if (query.to === "post") {
    const { rows, next } = await listReceiptsToPost(db, { after: query.cursor });
    return json(
      {
        view: "to-post" as const,
        toPost: rows,
        recent: [],
        next,
        toPostCount,
        posted: query.done === "posted",
        csrf: csrf.token,
      },
      { headers },
    );
  }
  const { rows, next } = await listRecentPayments(db, { before: query.cursor });
  return json(
    { view: "recent" as const, toPost: [], recent: rows, next, toPostCount, posted: false, csrf: csrf.token },
    { headers },
  );
}

const MarkSchema = z.object({ intent: z.literal("mark-posted"), paymentId: RowId });

/** "Mark as posted" from the list, one receipt at a time; back to the list afterwards. */
export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json({ formError: t("error.csrf") }, { status: 403, headers: PRIVATE });
  const parsed = MarkSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success)
    return json({ formError: t("admin.payments.chooseAReceipt") }, { status: 400, headers: PRIVATE });
  const outcome = await markReceiptPosted(db, { staff, paymentId: parsed.data.paymentId });
  if (outcome.status === "not_found")
    return json({ formError: t("admin.payments.thatPaymentHasNoReceipt") }, { status: 404, headers: PRIVATE });
  // Already posted (by someone else a moment ago) is what was wanted: nothing to complain about.
  return redirect("/admin/payments?to=post&done=posted", { status: 303, headers: PRIVATE });
}

export default function Payments() {
  const { date } = useOrgTime();
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const toPostView = data.view === "to-post";
  return (
    <div className="panel">
      <h1>{toPostView ? t("admin.payments.receiptsToPost") : t("admin.payments.payments")}</h1>
      <p>
        {toPostView ? (
          <Link to="/admin/payments">{t("admin.payments.allPayments")}</Link>
        ) : (
          <Link to="/admin/payments?to=post">
            {t("admin.payments.receiptsToPost2")}
            {data.toPostCount})
          </Link>
        )}
      </p>
      {data.posted ? <Notice tone="done">{t("admin.payments.markedAsPosted")}</Notice> : null}
      {actionData?.formError ? <Notice tone="error">{actionData.formError}</Notice> : null}
      {toPostView ? (
        <>
          <p className="hint">{t("admin.payments.supportersWithoutAnEmailAddress")}</p>
          {data.toPost.length === 0 ? (
            <p>{t("admin.payments.noReceiptsAreWaitingTo")}</p>
          ) : (
            <DataTable caption={t("admin.payments.receiptsToPostOldestFirst")}>
              <thead>
                <tr>
                  <th scope="col">{t("admin.payments.receipt")}</th>
                  <th scope="col">{t("admin.payments.date")}</th>
                  <th scope="col">{t("admin.payments.supporter")}</th>
                  <th scope="col">{t("admin.payments.amount")}</th>
                  <th scope="col">{t("admin.payments.method")}</th>
                  <th scope="col">{t("admin.payments.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {data.toPost.map((r) => (
                  <tr key={r.paymentId}>
                    <td>
                      <Link to={`/admin/payments/${r.paymentId}`}>{r.receiptNumber}</Link>
                    </td>
                    <td>{date(r.paidAt)}</td>
                    <td>
                      <Link to={`/admin/supporters/${r.supporterId}`}>
                        {r.supporterName || t("admin.payments.noName")}
                      </Link>
                      {r.hasAddress ? "" : t("admin.payments.noPostalAddressOnFile")}
                    </td>
                    <td>
                      {formatMoney(r.amountMinor, r.currency)} {r.currency}
                      {r.refundedMinor
                        ? t("admin.payments.refundedminorRefunded", {
                            refundedMinor: String(formatMoney(r.refundedMinor, r.currency)),
                          })
                        : ""}
                    </td>
                    <td>{PAYMENT_METHOD_LABELS[r.method] ?? r.method}</td>
                    <td>
                      <div className="button-row">
                        <Link to={`/admin/payments/${r.paymentId}/receipt`}>
                          {t("admin.payments.printReceipt")} {r.receiptNumber}
                        </Link>
                        <Form method="post" className="inline-form">
                          <input type="hidden" name="csrf" value={data.csrf} />
                          <input type="hidden" name="paymentId" value={r.paymentId} />
                          <Button variant="secondary" compact name="intent" value="mark-posted">
                            {t("admin.payments.markReceipt")} {r.receiptNumber} {t("admin.payments.asPosted")}
                          </Button>
                        </Form>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </DataTable>
          )}
        </>
      ) : data.recent.length === 0 ? (
        <p>{t("admin.payments.noPaymentsYet")}</p>
      ) : (
        <DataTable caption={t("admin.payments.paymentsNewestFirst")}>
          <thead>
            <tr>
              <th scope="col">{t("admin.payments.receipt")}</th>
              <th scope="col">{t("admin.payments.date")}</th>
              <th scope="col">{t("admin.payments.supporter")}</th>
              <th scope="col">{t("admin.payments.for")}</th>
              <th scope="col">{t("admin.payments.method")}</th>
              <th scope="col">{t("admin.payments.amount")}</th>
            </tr>
          </thead>
          <tbody>
            {data.recent.map((p) => (
              <tr key={p.paymentId}>
                <td>
                  <Link to={`/admin/payments/${p.paymentId}`}>{p.receiptNumber}</Link>
                </td>
                <td>{date(p.paidAt)}</td>
                <td>
                  {p.erased ? (
                    t("admin.payments.erased")
                  ) : (
                    <Link to={`/admin/supporters/${p.supporterId}`}>
                      {p.supporterName || t("admin.payments.noName")}
                    </Link>
                  )}
                </td>
                <td>
                  {GIFT_KIND_LABELS[p.kind] ?? p.kind}, {p.campaignName}
                </td>
                <td>{PAYMENT_METHOD_LABELS[p.method] ?? p.method}</td>
                <td>
                  {formatMoney(p.amountMinor, p.currency)} {p.currency}
                  {p.refundedMinor
                    ? t("admin.payments.refundedminorRefunded", {
                        refundedMinor: String(formatMoney(p.refundedMinor, p.currency)),
                      })
                    : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      {data.next ? (
        <p>
          <Link
            to={`/admin/payments?${new URLSearchParams({ ...(toPostView ? { to: "post" } : {}), cursor: String(data.next) })}`}
          >
            {toPostView ? t("admin.payments.moreReceiptsToPost") : t("admin.payments.olderPayments")}
          </Link>
        </p>
      ) : null}
    </div>
  );
}
