import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { isValidCsrf } from "~/auth/csrf.server";
import { requireSupporter } from "~/http/guards.server";
import { formatDate } from "~/dates";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { formatMoney, formatMoneyNamed } from "~/money";
import { getOrganisationSettings } from "~/organisation/settings.server";
import {
  currentFinancialYear,
  emailAnnualStatement,
  financialYear,
  getAnnualStatement,
  listStatementYears,
} from "~/supporters/statement.server";
import { ErrorSummary } from "~/ui/fields";
import type { loader as layoutLoader } from "./account";

export const meta: MetaFunction = () => [{ title: t("statement.heading") }, { name: "robots", content: "noindex" }];

/** A four-digit year from 2000 to next year: a statement for any other is not a thing. */
/** A failed parse has at least one issue; its message is the one shown at the field. */
const firstIssue = (error: z.ZodError) => error.issues[0]?.message ?? error.message;

function yearSchema(current: number) {
  return z
    .string()
    .regex(/^\d{4}$/, t("error.statement.year"))
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(2000, t("error.statement.year"))
        .max(current + 1, t("error.statement.year")),
    );
}

/** A supporter whose email address was removed (by staff, on their request) can still print. */
const noEmailMessage = () => t("statement.noEmail");

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const settings = await getOrganisationSettings(db);
  const current = currentFinancialYear(settings);
  const asked = new URL(request.url).searchParams;
  const year = yearSchema(current).safeParse(asked.get("year") ?? String(current));
  const years = (await listStatementYears(db, { supporterId })).map((y) => ({
    year: y,
    label: financialYear(y, settings).label,
  }));
  const headers = { "Cache-Control": "private, no-store" };
  const sent = asked.get("sent") === "1";
  if (!year.success) {
    return json(
      {
        statement: null,
        years,
        year: null,
        timeZone: settings.timeZone,
        sent: false,
        errors: { year: firstIssue(year.error) },
      },
      { status: 400, headers },
    );
  }
  const statement = await getAnnualStatement(db, { supporterId, year: year.data });
  if (!statement) throw new Response("Not found", { status: 404 });
  return json(
    { statement, years, year: year.data, timeZone: settings.timeZone, sent, errors: {} as Record<string, string> },
    { headers },
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json({ errors: {} as Record<string, string>, formError: t("error.csrf") }, { status: 403 });
  const current = currentFinancialYear(await getOrganisationSettings(db));
  const year = yearSchema(current).safeParse(formData.get("year") ?? "");
  if (!year.success)
    return json({ errors: { year: firstIssue(year.error) }, formError: t("error.form") }, { status: 400 });
  const outcome = await emailAnnualStatement(db, { supporterId, year: year.data });
  if (outcome === "not_found") throw new Response("Not found", { status: 404 });
  if (outcome === "nothing_to_send")
    return json(
      {
        errors: {} as Record<string, string>,
        formError: t("statement.nothingToSend"),
      },
      { status: 400 },
    );
  if (outcome === "no_email")
    return json({ errors: {} as Record<string, string>, formError: noEmailMessage() }, { status: 409 });
  if (outcome === "email_declined")
    return json({ errors: {} as Record<string, string>, formError: t("statement.emailDeclined") }, { status: 409 });
  return redirect(`/account/statement?year=${year.data}&sent=1`, 303);
}

type Part = {
  lines: {
    paymentId: number;
    paidAt: string;
    receiptNumber: number;
    description: string;
    amountMinor: number;
    refundedMinor: number;
    currency: string;
  }[];
  totals: { currency: string; totalMinor: number }[];
};

/** One kind of payment (gifts, or subscriptions): a table that stacks into labelled rows on phones, and its totals. */
function StatementPartView(props: {
  id: string;
  heading: string;
  intro?: string;
  part: Part;
  timeZone: string;
  empty: string | null;
  totalSentence: (total: string) => string;
}) {
  const { id, part } = props;
  if (part.lines.length === 0)
    return props.empty ? (
      <>
        <h3 id={`${id}-heading`}>{props.heading}</h3>
        <p>{props.empty}</p>
      </>
    ) : null;
  return (
    <>
      <h3 id={`${id}-heading`}>{props.heading}</h3>
      {props.intro ? <p>{props.intro}</p> : null}
      <table className="stack-table" aria-labelledby={`${id}-heading`}>
        <thead>
          <tr>
            <th scope="col">{t("account.col.date")}</th>
            <th scope="col">{t("account.col.receipt")}</th>
            <th scope="col">{t("simulated.for")}</th>
            <th scope="col">{t("donate.amount")}</th>
          </tr>
        </thead>
        <tbody>
          {part.lines.map((p) => (
            <tr key={p.paymentId}>
              <td data-label={t("account.col.date")}>{formatDate(p.paidAt, props.timeZone, "medium")}</td>
              <td data-label={t("account.col.receipt")}>{p.receiptNumber}</td>
              <td data-label={t("simulated.for")}>{p.description}</td>
              <td data-label={t("donate.amount")}>
                {formatMoneyNamed(p.amountMinor - p.refundedMinor, p.currency)}
                {p.refundedMinor
                  ? ` ${t("account.refunded", { amount: formatMoney(p.refundedMinor, p.currency) })}`
                  : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {part.totals.map((total) => (
        <p key={total.currency}>
          <strong>{props.totalSentence(formatMoneyNamed(total.totalMinor, total.currency))}</strong>
        </p>
      ))}
    </>
  );
}

export default function Statement() {
  const data = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof layoutLoader>("routes/account");
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { statement } = data;
  return (
    <div className="account-page">
      <h1>{t("statement.heading")}</h1>
      <Form method="get" className="no-print">
        <ErrorSummary errors={data.errors} labels={{ year: t("statement.year") }} />
        <div className="field">
          <label htmlFor="year">{t("statement.year")}</label>
          <select
            id="year"
            name="year"
            defaultValue={data.year ?? data.years[0]?.year}
            aria-invalid={data.errors.year ? true : undefined}
          >
            {data.years.map((y) => (
              <option key={y.year} value={y.year}>
                {y.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button-secondary">
          {t("statement.show")}
        </button>
      </Form>

      {statement ? (
        <section className="panel" aria-labelledby="statement-heading">
          <h2 id="statement-heading">{t("statement.for", { period: statement.period.label })}</h2>
          <p>
            {statement.period.range}
            {statement.donorName ? ` · ${statement.donorName}` : ""}
          </p>
          {statement.payments.length === 0 ? <p>{t("statement.noPayments")}</p> : null}
          <StatementPartView
            id="gifts"
            heading={t("statement.gifts")}
            part={statement.gifts}
            timeZone={data.timeZone}
            empty={statement.payments.length > 0 ? t("statement.noGifts") : null}
            totalSentence={(total) => t("statement.gave", { total })}
          />
          {statement.taxNote ? <p className="statement-tax">{statement.taxNote}</p> : null}
          {statement.subscriptions.lines.length > 0 ? (
            <StatementPartView
              id="subscriptions"
              heading={t("statement.subscriptions")}
              intro={t("statement.subscriptionsIntro")}
              part={statement.subscriptions}
              timeZone={data.timeZone}
              empty={null}
              totalSentence={(total) => t("statement.paid", { total })}
            />
          ) : null}
        </section>
      ) : null}

      {statement && statement.payments.length > 0 ? (
        <section className="panel no-print" aria-labelledby="send-heading">
          <h2 id="send-heading">{t("statement.keepCopy")}</h2>
          {data.sent ? (
            <p className="notice-done" role="status">
              {t("statement.emailed", { email: statement.email ?? "" })}
            </p>
          ) : null}
          <Form method="post">
            <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
            <input type="hidden" name="year" value={statement.period.year} />
            <ErrorSummary
              formError={actionData?.formError}
              errors={actionData?.errors}
              labels={{ year: t("statement.year") }}
            />
            {statement.email ? null : <p>{noEmailMessage()}</p>}
            {statement.email && statement.emailDeclined ? <p>{t("statement.emailDeclined")}</p> : null}
            <div className="button-row">
              {statement.email && !statement.emailDeclined ? (
                <button type="submit" className="button-secondary" disabled={busy}>
                  {t("statement.emailMe")}
                </button>
              ) : null}
              <button type="button" className="button-secondary" onClick={() => window.print()}>
                {t("receipt.print")}
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
