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

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Dashboard — ${data.campaign.name}` : "Dashboard" },
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
  if (!dashboard) throw new Response("Campaign not found", { status: 404 });
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
              <label htmlFor="campaign">Campaign</label>
              <select id="campaign" name="campaign" defaultValue={d.campaign.slug}>
                {d.campaigns.map((c) => (
                  <option key={c.slug} value={c.slug}>
                    {c.name}
                    {c.isDefault ? " (default)" : ""}
                  </option>
                ))}
              </select>
            </div>
            <Button variant="secondary">Show</Button>
          </Form>
        ) : null}
      </div>

      <ProgressBar {...d.progress} />

      {d.byCurrency.length > 1 || d.byCurrency.some((c) => c.currency !== currency) ? (
        // Income as paid in each currency, and what Stripe settled of it in the home currency (ADR 050).
        <SummaryCard title="Income by currency" headingId="currencies-heading">
          <DataTable caption="Income by currency, net of refunds">
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col">Paid</th>
                <th scope="col">Settled in {currency}</th>
                <th scope="col">Not settled yet</th>
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
                <th scope="row">Settled total</th>
                <td />
                <td>{money(d.byCurrency.reduce((sum, c) => sum + c.homeMinor, 0))}</td>
                <td />
              </tr>
            </tfoot>
          </DataTable>
        </SummaryCard>
      ) : null}

      <SummaryCard title={`${monthName(d.month)} so far`} headingId="month-heading">
        <dl className="figures">
          <Figure label="Income">{money(d.income.totalMinor)}</Figure>
          <Figure label="One-off">{money(d.income.oneOffMinor)}</Figure>
          <Figure label="Recurring">{money(d.income.recurringMinor)}</Figure>
          <Figure label="Offline">{money(d.income.offlineMinor)}</Figure>
          <Figure label="New subscriptions">{d.changes.started}</Figure>
          <Figure label="Cancelled">{d.changes.cancelled}</Figure>
        </dl>
        <p className="hint">Net of refunds and of card fees donors covered.</p>
      </SummaryCard>

      <SummaryCard title="Regular support" headingId="regular-heading">
        <dl className="figures">
          <Figure label="Monthly recurring revenue">
            {d.recurring.mrr.length === 0
              ? money(0)
              : d.recurring.mrr
                  .map(
                    (m) =>
                      `${formatMoney(m.amountMinor, m.currency)}${m.currency === currency ? "" : ` ${m.currency}`}`,
                  )
                  .join(" + ")}
          </Figure>
          <Figure label="Monthly donors">{d.recurring.monthlyDonors}</Figure>
          <Figure label="Digital supporters">{d.tiers.digital}</Figure>
          <Figure label="Print supporters">{d.tiers.print}</Figure>
        </dl>
      </SummaryCard>

      <SummaryCard
        title={`Payments failing now (${d.failing.total})`}
        headingId="failing-heading"
        tone={d.failing.total > 0 ? "warning" : undefined}
      >
        {d.failing.total === 0 ? (
          <p>No subscription is behind on payment.</p>
        ) : (
          <>
            <ul className="failing-list">
              {d.failing.subscriptions.map((f) => (
                <li key={f.subscriptionId}>
                  <Link to={`/admin/supporters/${f.supporterId}`}>{f.supporterName}</Link> —{" "}
                  {f.planName ?? "Monthly gift"}, {formatMoney(f.amountMinor, f.currency)} a month
                </li>
              ))}
            </ul>
            {d.failing.total > d.failing.subscriptions.length ? (
              <p className="hint">Showing the {d.failing.subscriptions.length} that have been failing longest.</p>
            ) : null}
          </>
        )}
      </SummaryCard>

      <SummaryCard title={`Pending pledges (${d.pending.count})`} headingId="pending-heading">
        {d.pending.count === 0 ? (
          <p>No pledge is waiting to be paid.</p>
        ) : (
          <p>
            {formatMoney(d.pending.amountMinor, d.campaign.currency)} promised on the phone line and not paid yet
            {d.pending.oldestAt
              ? `, the oldest since ${new Date(d.pending.oldestAt).toISOString().slice(0, 10)}`
              : ""}. <Link to="/admin/pledges?status=pending">See pending pledges</Link>
          </p>
        )}
      </SummaryCard>

      <SummaryCard
        title={`Receipts to post (${d.receiptsToPost})`}
        headingId="post-heading"
        tone={d.receiptsToPost > 0 ? "warning" : undefined}
      >
        {d.receiptsToPost === 0 ? (
          <p>No printed receipt is waiting to be posted.</p>
        ) : (
          <p>
            Supporters without an email address are waiting for{" "}
            {d.receiptsToPost === 1 ? "a printed receipt" : `${d.receiptsToPost} printed receipts`}.{" "}
            <Link to="/admin/payments?to=post">Print and post them</Link>
          </p>
        )}
      </SummaryCard>

      <SummaryCard title="Income, last 12 months" headingId="chart-heading">
        <IncomeChart months={d.chart} currency={currency} />
      </SummaryCard>
    </div>
  );
}
