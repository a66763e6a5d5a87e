import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { formatMoney } from "~/money";
import { listPledges } from "~/pledges/pledges.server";
import { Button, DataTable, LinkButton } from "~/ui/admin";
import { t } from "~/i18n/t";

// Here, not imported from the .server module: the filter is rendered in the browser too.
const PLEDGE_STATUSES = ["pending", "paid", "cancelled", "expired"] as const;

export const meta: MetaFunction = () => [{ title: t("admin.pledges.pledges") }];

const QuerySchema = z.object({
  status: z.enum(PLEDGE_STATUSES).optional().catch(undefined),
  before: z.string().max(400).optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const { status, before } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const { pledges, next } = await listPledges(db, { status, cursor: before });
  // The moment the ages are counted from, sent along: the page then reads the same in the
  // browser as on the server, also when a minute turns in between (a hydration mismatch).
  return json(
    { pledges, next, status: status ?? null, now: Date.now() },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

const KIND_LABELS: Record<string, string> = {
  one_off: t("admin.pledges.oneOffGift"),
  monthly: t("admin.pledges.monthlyGift"),
  tier_monthly: t("admin.pledges.tierMonthly"),
  tier_one_time: t("admin.pledges.tier12Months"),
};
const METHOD_LABELS: Record<string, string> = {
  link: t("admin.pledges.paymentLink"),
  cheque: t("admin.pledges.cheque"),
  bank_transfer: t("admin.pledges.bankTransfer"),
  cash: t("admin.pledges.cash"),
};

function age(iso: string, now: number): string {
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60000));
  if (minutes < 60) return t("admin.pledges.minutesMin", { minutes: String(minutes) });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return t("admin.pledges.valueDays", { value: String(Math.round(hours / 24)) });
}

export default function Pledges() {
  const { pledges, next, status, now } = useLoaderData<typeof loader>();
  const query = (extra: Record<string, string>) =>
    new URLSearchParams({ ...(status ? { status } : {}), ...extra }).toString();
  return (
    <div className="panel">
      <h1>{t("admin.pledges.pledges")}</h1>
      <p>
        <LinkButton to="/admin/pledges/new" variant="primary">
          {t("admin.pledges.takeAPhonePledge")}
        </LinkButton>
      </p>
      <Form method="get" className="filter-row">
        <div className="field">
          <label htmlFor="status">{t("admin.pledges.status")}</label>
          <select id="status" name="status" defaultValue={status ?? ""}>
            <option value="">{t("admin.pledges.all")}</option>
            {PLEDGE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0).toUpperCase() + s.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <Button variant="secondary">{t("admin.pledges.filter")}</Button>
      </Form>
      <DataTable caption={t("admin.pledges.pledgesNewestFirst")}>
        <thead>
          <tr>
            <th scope="col">{t("admin.pledges.pledge")}</th>
            <th scope="col">{t("admin.pledges.status")}</th>
            <th scope="col">{t("admin.pledges.supporter")}</th>
            <th scope="col">{t("admin.pledges.what")}</th>
            <th scope="col">{t("admin.pledges.amount")}</th>
            <th scope="col">{t("admin.pledges.payBy")}</th>
            <th scope="col">{t("admin.pledges.takenBy")}</th>
            <th scope="col">{t("admin.pledges.age")}</th>
            <th scope="col">{t("admin.pledges.receipt")}</th>
          </tr>
        </thead>
        <tbody>
          {pledges.map((p) => (
            <tr key={p.id}>
              <td>
                <Link to={`/admin/pledges/${p.id}`}>#{p.id}</Link>
              </td>
              <td>{p.status}</td>
              <td>
                {p.supporterName || t("admin.pledges.noName")}
                <br />
                <span className="hint">
                  {p.supporterEmail ??
                    (p.supporterPhone
                      ? t("admin.pledges.supporterphoneNoEmail", { supporterPhone: String(p.supporterPhone) })
                      : "")}
                </span>
              </td>
              <td>{KIND_LABELS[p.kind] ?? p.kind}</td>
              <td>{formatMoney(p.amountMinor, p.currency)}</td>
              <td>{METHOD_LABELS[p.payMethod] ?? p.payMethod}</td>
              <td>{p.takenBy}</td>
              <td>{age(p.createdAt, now)}</td>
              <td>
                {p.paymentId && p.receiptNumber ? (
                  <Link to={`/admin/payments/${p.paymentId}`}>
                    {t("admin.pledges.receipt2")}
                    {p.receiptNumber}
                  </Link>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      {pledges.length === 0 ? (
        <p>
          {t("admin.pledges.noPledges")}
          {status ? t("admin.pledges.withStatusStatus", { status: String(status) }) : ""}.
        </p>
      ) : null}
      {next ? (
        <p>
          <Link to={`/admin/pledges?${query({ before: next })}`}>{t("admin.pledges.olderPledges")}</Link>
        </p>
      ) : null}
    </div>
  );
}
