import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import type { MessageKey } from "~/i18n/en";
import { t } from "~/i18n/t";
import { requireSupporter } from "~/http/guards.server";
import { formatDate } from "~/dates";
import { formatMoney } from "~/money";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { getAccountOverview } from "~/supporters/account.server";
import type { loader as layoutLoader } from "./account";

export const meta: MetaFunction = () => [{ title: t("account.title") }];

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

const STATUS: Record<string, MessageKey> = {
  active: "account.sub.status.active",
  past_due: "account.sub.status.past_due",
  canceled: "account.sub.status.canceled",
  incomplete: "account.sub.status.incomplete",
  unpaid: "account.sub.status.unpaid",
  paused: "account.sub.status.paused",
  trialing: "account.sub.status.active",
};
const statusText = (status: string) => {
  const key = STATUS[status];
  return key ? t(key) : status;
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
      <h1>{supporter.name ? t("account.hello", { name: supporter.name }) : t("account.title")}</h1>

      <section aria-labelledby="subs-heading" className="panel">
        <h2 id="subs-heading">{t("account.regular")}</h2>
        {live.length === 0 ? (
          <p>
            {t("account.noMonthly")} <Link to="/support">{t("site.nav.support")}</Link>
            {" · "}
            <Link to="/">{t("account.giveMonthly")}</Link>
          </p>
        ) : (
          <ul className="card-list">
            {live.map((s) => (
              <li key={s.id} className={s.status === "past_due" ? "card-item attention" : "card-item"}>
                <p className="card-title">
                  <Link to={`/account/subscriptions/${s.id}`}>{s.what}</Link>
                </p>
                <p>
                  {t("account.sub.perMonth", { amount: formatMoney(s.amountMinor, s.currency), currency: s.currency })}{" "}
                  · {statusText(s.status)}
                  {s.updating ? ` · ${t("account.updating")}` : ""}
                </p>
                <p className="hint">
                  {s.pausedUntil
                    ? t("account.pausedUntil", { date: date(s.pausedUntil) ?? "" })
                    : s.endsAt
                      ? t("account.endsOn", { date: date(s.endsAt) ?? "" })
                      : s.nextPaymentAt
                        ? t("account.nextPayment", { date: date(s.nextPaymentAt) ?? "" })
                        : null}
                </p>
                {s.status === "past_due" ? (
                  <Form method="post" action="/account/card">
                    <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
                    <button type="submit" className="give-button">
                      {t("account.sub.fixPayment")}
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
                ? t("account.updateCardNamed", {
                    brand: supporter.card.brand ?? t("account.card"),
                    last4: supporter.card.last4 ?? "",
                  })
                : t("account.card.submit")}
            </button>
          </Form>
        ) : null}
        {ended.length > 0 ? (
          <>
            <h3 id="ended-heading">{t("account.endedHeading")}</h3>
            <ul className="card-list" aria-labelledby="ended-heading">
              {ended.map((s) => (
                <li key={s.id} className="card-item">
                  <p className="card-title">{s.what}</p>
                  <p>
                    {t("account.sub.perMonth", {
                      amount: formatMoney(s.amountMinor, s.currency),
                      currency: s.currency,
                    })}{" "}
                    · {t("account.ended")}
                  </p>
                  {s.canStartAgain ? (
                    <p>
                      <Link
                        to={`/account/subscriptions/${s.id}`}
                        aria-label={t("account.startAgainNamed", { what: s.what })}
                      >
                        {t("account.sub.restart.heading")}
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
        <h2 id="ent-heading">{t("account.receive")}</h2>
        {entitlements.length === 0 ? (
          <p>{t("account.noEdition")}</p>
        ) : (
          <ul>
            {entitlements.map((e, i) => (
              <li key={i}>
                {e.until
                  ? t(e.tier === "print" ? "account.printUntil" : "account.digitalUntil", {
                      plan: e.planName,
                      date: date(e.until) ?? "",
                    })
                  : t(e.tier === "print" ? "account.printMonthly" : "account.digitalMonthly", { plan: e.planName })}
                {e.source === "one_time" ? (
                  <>
                    {" "}
                    · <Link to="/support">{t("account.renewEarly")}</Link>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="pay-heading" className="panel">
        <h2 id="pay-heading">{t("account.payments")}</h2>
        {payments.length === 0 ? (
          <p>{t("account.noPayments")}</p>
        ) : (
          <table className="stack-table">
            <caption className="visually-hidden">{t("account.paymentsCaption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("account.col.date")}</th>
                <th scope="col">{t("simulated.for")}</th>
                <th scope="col">{t("account.col.type")}</th>
                <th scope="col">{t("donate.amount")}</th>
                <th scope="col">{t("account.col.receipt")}</th>
              </tr>
            </thead>
            <tbody>
              {payments.map((p) => (
                <tr key={p.id}>
                  <td data-label={t("account.col.date")}>{date(p.paidAt)}</td>
                  <td data-label={t("simulated.for")}>{p.description}</td>
                  <td data-label={t("account.col.type")}>
                    {p.purpose === "gift" ? t("account.type.gift") : t("account.type.subscription")}
                  </td>
                  <td data-label={t("donate.amount")}>
                    {formatMoney(p.amountMinor, p.currency)}
                    {p.refundedMinor > 0
                      ? ` ${t("account.refunded", { amount: formatMoney(p.refundedMinor, p.currency) })}`
                      : ""}
                  </td>
                  <td data-label={t("account.col.receipt")}>
                    <Link to={`/account/receipts/${p.id}`}>{t("account.receiptNo", { number: p.receiptNumber })}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p>
          <Link to="/account/statement">{t("account.annualStatement")}</Link>
        </p>
      </section>

      <Form method="post" action="/account/sign-out" className="panel">
        <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
        <div className="check">
          <input type="checkbox" id="everywhere" name="everywhere" />
          <label htmlFor="everywhere">{t("account.signOutEverywhere")}</label>
        </div>
        <button type="submit" className="button-secondary">
          {t("account.signOut")}
        </button>
      </Form>
    </div>
  );
}
