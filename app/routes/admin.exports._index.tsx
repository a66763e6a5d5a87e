import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/http/guards.server";
import { safeTimeZone, zonedParts } from "~/dates";
import { getOrganisationSettings } from "~/organisation/settings.server";
import {
  campaignCurrencies,
  EXPORT_KINDS,
  ExportQuerySchemas,
  statementFor,
  type ExportKind,
} from "~/reports/exports.server";
import { XERO_MAX_LINES } from "~/reports/statement.server";
import { Button } from "~/ui/admin";
import { FieldError } from "~/ui/fields";
import { t } from "~/i18n/t";

export const meta: MetaFunction = () => [{ title: t("admin.exports.exports") }];

/**
 * Four GET forms that submit to this page: a valid request is sent on to its CSV (which is
 * audit-logged there); an invalid one comes back with messages at the fields. A Xero statement
 * is also refused here when Xero would refuse it (too many lines, several currencies).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const { kind, ...query } = params;
  const errors: Record<string, string> = {};
  const timeZone = safeTimeZone((await getOrganisationSettings(db)).timeZone);
  if (kind && (EXPORT_KINDS as string[]).includes(kind)) {
    const parsed = ExportQuerySchemas[kind as ExportKind].safeParse(query);
    if (parsed.success) {
      const refused =
        kind === "statement"
          ? await statementFor(db, parsed.data as Parameters<typeof statementFor>[1], timeZone)
          : null;
      if (refused && !refused.ok) errors[refused.field] = refused.message;
      else throw redirect(`/admin/exports/${kind}.csv?${new URLSearchParams(query as Record<string, string>)}`, 303);
    } else for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  }
  // Sensible starting dates on the organisation's calendar: today, and this month so far.
  const { year, month, day } = zonedParts(new Date(), timeZone);
  const iso = (d: number) => `${year}-${String(month).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  const defaults = {
    on: iso(day),
    from: iso(1),
    to: iso(day),
    account: "card",
    // Xero writes dates month first only in the United States.
    dates: timeZone.startsWith("America/") ? "mdy" : "dmy",
    currency: "",
  };
  const currencies = await campaignCurrencies(db);
  return json(
    // Xero's limit travels with the data: a `.server` module is not in the browser's bundle.
    { kind: kind ?? null, values: query, errors, defaults, timeZone, currencies, maxLines: XERO_MAX_LINES },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

function DateField({
  name,
  label,
  value,
  error,
  form,
}: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  form: string;
}) {
  const id = `${form}-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="date"
        name={name}
        required
        defaultValue={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

/** A period of days, from and to inclusive, as the payments export and the Xero statement ask for it. */
function DateRange({
  form,
  at,
}: {
  form: string;
  at: { values: Record<string, string>; errors: Record<string, string> };
}) {
  return (
    <div className="field-pair">
      {(
        [
          ["from", t("admin.exports.from")],
          ["to", t("admin.exports.toInclusive")],
        ] as const
      ).map(([name, label]) => (
        <DateField key={name} form={form} name={name} label={label} value={at.values[name]} error={at.errors[name]} />
      ))}
    </div>
  );
}

function SelectField({
  name,
  label,
  value,
  error,
  form,
  options,
}: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  form: string;
  options: [string, string][];
}) {
  const id = `${form}-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        defaultValue={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

export default function Exports() {
  const { kind, values, errors, defaults, timeZone, currencies, maxLines } = useLoaderData<typeof loader>();
  const at = (k: string) =>
    kind === k
      ? { values: { ...defaults, ...(values as Record<string, string>) }, errors }
      : { values: defaults as Record<string, string>, errors: {} as Record<string, string> };
  const print = at("print-list");
  const pay = at("payments");
  const statement = at("statement");
  return (
    <div className="panel exports-page">
      <h1>{t("admin.exports.exports")}</h1>
      <p>
        {t("admin.exports.csvFilesUtf8One")}
        {timeZone}).
      </p>

      <h2>{t("admin.exports.printMailingList")}</h2>
      <form method="get" action="/admin/exports">
        <input type="hidden" name="kind" value="print-list" />
        <p className="hint">{t("admin.exports.everyoneEntitledToThePrint")}</p>
        <DateField
          form="print"
          name="on"
          label={t("admin.exports.entitledOn")}
          value={print.values.on}
          error={print.errors.on}
        />
        <Button>{t("admin.exports.downloadMailingList")}</Button>
      </form>

      <h2>{t("admin.exports.payments")}</h2>
      <form method="get" action="/admin/exports">
        <input type="hidden" name="kind" value="payments" />
        <p className="hint">{t("admin.exports.forTheAccountantReceiptNumber")}</p>
        <DateRange form="payments" at={pay} />
        <Button>{t("admin.exports.downloadPayments")}</Button>
      </form>

      <h2>{t("admin.exports.bankStatementForXero")}</h2>
      <form method="get" action="/admin/exports">
        <input type="hidden" name="kind" value="statement" />
        <p className="hint">
          {t("admin.exports.forXeroSImportA")} {maxLines.toLocaleString("en")} {t("admin.exports.linesPerFileAsXero")}
        </p>
        <SelectField
          form="statement"
          name="account"
          label={t("admin.exports.account")}
          value={statement.values.account}
          error={statement.errors.account}
          options={[
            ["card", t("admin.exports.cardPaymentsStripe")],
            ["offline", t("admin.exports.chequesBankTransfersAndCash")],
          ]}
        />
        <DateRange form="statement" at={statement} />
        <SelectField
          form="statement"
          name="dates"
          label={t("admin.exports.datesAsYourXeroOrganisation")}
          value={statement.values.dates}
          error={statement.errors.dates}
          options={[
            ["dmy", t("admin.exports.dayFirst31122026")],
            ["mdy", t("admin.exports.monthFirstUnitedStates12")],
          ]}
        />
        {currencies.length > 1 || statement.errors.currency ? (
          <SelectField
            form="statement"
            name="currency"
            label={t("admin.exports.currency")}
            value={statement.values.currency}
            error={statement.errors.currency}
            options={[["", t("admin.exports.choose")], ...currencies.map((c): [string, string] => [c, c])]}
          />
        ) : null}
        <Button>{t("admin.exports.downloadStatement")}</Button>
      </form>

      <h2>{t("admin.exports.supporters")}</h2>
      <form method="get" action="/admin/exports">
        <input type="hidden" name="kind" value="supporters" />
        <p className="hint">{t("admin.exports.contactDetailsOfEverySupporter")}</p>
        <Button>{t("admin.exports.downloadSupporters")}</Button>
      </form>
    </div>
  );
}
