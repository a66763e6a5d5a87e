import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { formatMoney } from "~/money";
import { countReceiptsToPost } from "~/payments/admin-payments.server";
import { getDashboard } from "~/reports/dashboard.server";
import { Button, DataTable, SummaryCard } from "~/ui/admin";
import { IncomeChart, monthName } from "~/ui/IncomeChart";
import { ProgressBar } from "~/ui/ProgressBar";
import { t } from "~/i18n/t";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? t("admin.dashboard.dashboardName", { name: String(data.campaign.name) })
      : t("admin.dashboard.dashboard"),
  },
];

const DashboardQuerySchema = z.object({
  campaign: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    .max(100)
    .optional(),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const query = DashboardQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  // Across campaigns: a receipt waiting for the post is work whichever campaign it is for.
  const [dashboard, receiptsToPost] = await Promise.all([
    query.success ? getDashboard(db, { campaignSlug: query.data.campaign }) : null,
    countReceiptsToPost(db),
  ]);
  if (!dashboard) throw new Response(t("admin.dashboard.campaignNotFound"), { status: 404 });
  return json({ ...dashboard, receiptsToPost }, { headers: { "Cache-Control": "private, no-store" } });
}

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export default function AdminDashboard() {
  const d = useLoaderData<typeof loader>();
  const currency = d.campaign.currency;
  const money = (minor: number) => formatMoney(minor, currency);
  return (
    <div className="admin-dashboard">
      <div className="dashboard-head">
        <h1>{d.campaign.name}</h1>
        {d.campaigns.length > 1 ? (
          <Form method="get" className="campaign-chooser">
            <div className="field field--inline">
              <label htmlFor="campaign">{t("admin.dashboard.campaign")}</label>
              <select id="campaign" name="campaign" defaultValue={d.campaign.slug}>
                {d.campaigns.map((c) => (
                  <option key={c.slug} value={c.slug}>
                    {c.name}
                    {c.isDefault ? t("admin.dashboard.default") : ""}
                  </option>
                ))}
              </select>
            </div>
            <Button variant="secondary">{t("admin.dashboard.show")}</Button>
          </Form>
        ) : null}
      </div>

      <ProgressBar {...d.progress} />

      {d.byCurrency.length > 1 || d.byCurrency.some((c) => c.currency !== currency) ? (
        // Income as paid in each currency, and what Stripe settled of it in the home currency (ADR 050).
        <SummaryCard title={t("admin.dashboard.byCurrency.title")} headingId="currencies-heading">
          <DataTable caption={t("admin.dashboard.byCurrency.caption")}>
            <thead>
              <tr>
                <th scope="col">{t("admin.dashboard.byCurrency.currency")}</th>
                <th scope="col">{t("admin.dashboard.byCurrency.paid")}</th>
                <th scope="col">{t("admin.dashboard.byCurrency.settledIn", { currency })}</th>
                <th scope="col">{t("admin.dashboard.byCurrency.notSettled")}</th>
              </tr>
            </thead>
            <tbody>
              {d.byCurrency.map((c) => (
                <tr key={c.currency}>
                  <th scope="row">{c.currency}</th>
                  <td>{formatMoney(c.paidMinor, c.currency)}</td>
                  <td>{money(c.homeMinor)}</td>
                  <td>
                    {c.unconvertedPayments === 0
                      ? "—"
                      : `${formatMoney(c.unconvertedMinor, c.currency)} (${c.unconvertedPayments})`}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{t("admin.dashboard.byCurrency.settledTotal")}</th>
                <td />
                <td>{money(d.byCurrency.reduce((sum, c) => sum + c.homeMinor, 0))}</td>
                <td />
              </tr>
            </tfoot>
          </DataTable>
        </SummaryCard>
      ) : null}
      <SummaryCard
        title={t("admin.dashboard.monthSoFar", { month: String(monthName(d.month)) })}
        headingId="month-heading"
      >
        <dl className="figures">
          <Figure label={t("admin.dashboard.income")}>{money(d.income.totalMinor)}</Figure>
          <Figure label={t("admin.dashboard.oneOff")}>{money(d.income.oneOffMinor)}</Figure>
          <Figure label={t("admin.dashboard.recurring")}>{money(d.income.recurringMinor)}</Figure>
          <Figure label={t("admin.dashboard.offline")}>{money(d.income.offlineMinor)}</Figure>
          <Figure label={t("admin.dashboard.newSubscriptions")}>{d.changes.started}</Figure>
          <Figure label={t("admin.dashboard.cancelled")}>{d.changes.cancelled}</Figure>
        </dl>
        <p className="hint">{t("admin.dashboard.netOfRefundsAndOf")}</p>
      </SummaryCard>

      <SummaryCard title={t("admin.dashboard.regularSupport")} headingId="regular-heading">
        <dl className="figures">
          <Figure label={t("admin.dashboard.monthlyRecurringRevenue")}>
            {d.recurring.mrr.length === 0
              ? money(0)
              : d.recurring.mrr
                  .map(
                    (m) =>
                      `${formatMoney(m.amountMinor, m.currency)}${m.currency === currency ? "" : ` ${m.currency}`}`,
                  )
                  .join(" + ")}
          </Figure>
          <Figure label={t("admin.dashboard.monthlyDonors")}>{d.recurring.monthlyDonors}</Figure>
          <Figure label={t("admin.dashboard.digitalSupporters")}>{d.tiers.digital}</Figure>
          <Figure label={t("admin.dashboard.printSupporters")}>{d.tiers.print}</Figure>
        </dl>
      </SummaryCard>

      <SummaryCard
        title={t("admin.dashboard.paymentsFailingNowTotal", { total: String(d.failing.total) })}
        headingId="failing-heading"
        tone={d.failing.total > 0 ? "warning" : undefined}
      >
        {d.failing.total === 0 ? (
          <p>{t("admin.dashboard.noSubscriptionIsBehindOn")}</p>
        ) : (
          <>
            <ul className="failing-list">
              {d.failing.subscriptions.map((f) => (
                <li key={f.subscriptionId}>
                  <Link to={`/admin/supporters/${f.supporterId}`}>{f.supporterName}</Link> —{" "}
                  {f.planName ?? t("admin.dashboard.monthlyGift")}, {formatMoney(f.amountMinor, f.currency)}{" "}
                  {t("admin.dashboard.aMonth")}
                </li>
              ))}
            </ul>
            {d.failing.total > d.failing.subscriptions.length ? (
              <p className="hint">
                {t("admin.dashboard.showingThe")} {d.failing.subscriptions.length}{" "}
                {t("admin.dashboard.thatHaveBeenFailingLongest")}
              </p>
            ) : null}
          </>
        )}
      </SummaryCard>

      <SummaryCard
        title={t("admin.dashboard.pendingPledgesCount", { count: String(d.pending.count) })}
        headingId="pending-heading"
      >
        {d.pending.count === 0 ? (
          <p>{t("admin.dashboard.noPledgeIsWaitingTo")}</p>
        ) : (
          <p>
            {formatMoney(d.pending.amountMinor, d.campaign.currency)} {t("admin.dashboard.promisedOnThePhoneLine")}
            {d.pending.oldestAt
              ? t("admin.dashboard.theOldestSinceValue", {
                  value: String(new Date(d.pending.oldestAt).toISOString().slice(0, 10)),
                })
              : ""}
            . <Link to="/admin/pledges?status=pending">{t("admin.dashboard.seePendingPledges")}</Link>
          </p>
        )}
      </SummaryCard>

      <SummaryCard
        title={t("admin.dashboard.receiptsToPostReceiptstopost", { receiptsToPost: String(d.receiptsToPost) })}
        headingId="post-heading"
        tone={d.receiptsToPost > 0 ? "warning" : undefined}
      >
        {d.receiptsToPost === 0 ? (
          <p>{t("admin.dashboard.noPrintedReceiptIsWaiting")}</p>
        ) : (
          <p>
            {t("admin.dashboard.supportersWithoutAnEmailAddress")}{" "}
            {d.receiptsToPost === 1
              ? t("admin.dashboard.aPrintedReceipt")
              : t("admin.dashboard.receiptstopostPrintedReceipts", { receiptsToPost: String(d.receiptsToPost) })}
            . <Link to="/admin/payments?to=post">{t("admin.dashboard.printAndPostThem")}</Link>
          </p>
        )}
      </SummaryCard>

      <SummaryCard title={t("admin.dashboard.incomeLast12Months")} headingId="chart-heading">
        <IncomeChart months={d.chart} currency={currency} />
      </SummaryCard>
    </div>
  );
}
