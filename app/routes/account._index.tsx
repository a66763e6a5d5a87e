import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { requireSupporter } from "~/http/guards.server";
import { formatDate } from "~/dates";
import { formatMoney } from "~/money";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { getAccountOverview } from "~/supporters/account.server";
import type { loader as layoutLoader } from "./account";

export const meta: MetaFunction = () => [{ title: "Your support" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const [overview, settings] = await Promise.all([
    getAccountOverview(db, { supporterId }),
    getOrganisationSettings(db),
  ]);
  if (!overview) throw new Response("Not found", { status: 404 });
  // Dates in the organisation's zone, as on the subscription page and in emails.
  return json({ ...overview, timeZone: settings.timeZone }, { headers: { "Cache-Control": "private, no-store" } });
}

const STATUS: Record<string, string> = {
  active: "Active",
  past_due: "Payment failed",
  canceled: "Cancelled",
  incomplete: "Starting",
  unpaid: "Unpaid",
  paused: "Paused",
  trialing: "Active",
};

export default function AccountOverview() {
  const data = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof layoutLoader>("routes/account");
  const { supporter, subscriptions, entitlements, payments } = data;
  const date = (iso: string | null) => (iso ? formatDate(iso, data.timeZone, "medium") : null);
  const live = subscriptions.filter((s) => s.status !== "canceled");
  const ended = subscriptions.filter((s) => s.status === "canceled");
  return (
    <div className="account-overview">
      <h1>{supporter.name ? `Hello, ${supporter.name}` : "Your support"}</h1>

      <section aria-labelledby="subs-heading" className="panel">
        <h2 id="subs-heading">Regular support</h2>
        {live.length === 0 ? (
          <p>
            You have no monthly support running. <Link to="/support">Become a supporter</Link> or{" "}
            <Link to="/">give monthly</Link>.
          </p>
        ) : (
          <ul className="card-list">
            {live.map((s) => (
              <li key={s.id} className={s.status === "past_due" ? "card-item attention" : "card-item"}>
                <p className="card-title">
                  <Link to={`/account/subscriptions/${s.id}`}>{s.what}</Link>
                </p>
                <p>
                  {formatMoney(s.amountMinor, s.currency)} {s.currency} a month · {STATUS[s.status] ?? s.status}
                  {s.updating ? " · updating…" : ""}
                </p>
                <p className="hint">
                  {s.pausedUntil
                    ? `Paused until ${date(s.pausedUntil)}`
                    : s.endsAt
                      ? `Ends on ${date(s.endsAt)}`
                      : s.nextPaymentAt
                        ? `Next payment ${date(s.nextPaymentAt)}`
                        : null}
                </p>
                {s.status === "past_due" ? (
                  <Form method="post" action="/account/card">
                    <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
                    <button type="submit" className="give-button">
                      Fix your payment
                    </button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {live.length > 0 ? (
          <Form method="post" action="/account/card">
            <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
            <button type="submit" className="button-secondary">
              {supporter.card
                ? `Update card (${supporter.card.brand ?? "card"} ending ${supporter.card.last4})`
                : "Update card"}
            </button>
          </Form>
        ) : null}
        {ended.length > 0 ? (
          <>
            <h3 id="ended-heading">Support that has ended</h3>
            <ul className="card-list" aria-labelledby="ended-heading">
              {ended.map((s) => (
                <li key={s.id} className="card-item">
                  <p className="card-title">{s.what}</p>
                  <p>
                    {formatMoney(s.amountMinor, s.currency)} {s.currency} a month · Ended
                  </p>
                  {s.canStartAgain ? (
                    <p>
                      <Link to={`/account/subscriptions/${s.id}`} aria-label={`Start ${s.what} again`}>
                        Start again
                      </Link>
                    </p>
                  ) : null}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>

      <section aria-labelledby="ent-heading" className="panel">
        <h2 id="ent-heading">What you receive</h2>
        {entitlements.length === 0 ? (
          <p>No edition at the moment.</p>
        ) : (
          <ul>
            {entitlements.map((e, i) => (
              <li key={i}>
                {e.tier === "print" ? "Print and digital editions" : "Digital edition"} ({e.planName})
                {e.until ? ` until ${date(e.until)}` : ", renewing monthly"}
                {e.source === "one_time" ? (
                  <>
                    {" "}
                    · <Link to="/support">Renew early</Link>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="pay-heading" className="panel">
        <h2 id="pay-heading">Payments and receipts</h2>
        {payments.length === 0 ? (
          <p>No payments yet.</p>
        ) : (
          <table className="stack-table">
            <caption className="visually-hidden">Your payments, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">For</th>
                <th scope="col">Type</th>
                <th scope="col">Amount</th>
                <th scope="col">Receipt</th>
              </tr>
            </thead>
            <tbody>
              {payments.map((p) => (
                <tr key={p.id}>
                  <td data-label="Date">{date(p.paidAt)}</td>
                  <td data-label="For">{p.description}</td>
                  <td data-label="Type">{p.purpose === "gift" ? "Donation" : "Supporter subscription"}</td>
                  <td data-label="Amount">
                    {formatMoney(p.amountMinor, p.currency)}
                    {p.refundedMinor > 0 ? ` (refunded ${formatMoney(p.refundedMinor, p.currency)})` : ""}
                  </td>
                  <td data-label="Receipt">
                    <Link to={`/account/receipts/${p.id}`}>No. {p.receiptNumber}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p>
          <Link to="/account/statement">Annual statement</Link>
        </p>
      </section>

      <Form method="post" action="/account/sign-out" className="panel">
        <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
        <div className="check">
          <input type="checkbox" id="everywhere" name="everywhere" />
          <label htmlFor="everywhere">Sign out on every device</label>
        </div>
        <button type="submit" className="button-secondary">
          Sign out
        </button>
      </Form>
    </div>
  );
}
