import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { requireStaff } from "~/auth/staff-auth.server";
import { safeTimeZone, zonedParts } from "~/dates";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { EXPORT_KINDS, ExportQuerySchemas, type ExportKind } from "~/reports/exports.server";

export const meta: MetaFunction = () => [{ title: "Exports" }];

/**
 * Three GET forms that submit to this page: a valid request is sent on to its CSV (which is
 * audit-logged there); an invalid one comes back with messages at the fields.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(getDb(), request);
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const { kind, ...query } = params;
  const errors: Record<string, string> = {};
  if (kind && (EXPORT_KINDS as string[]).includes(kind)) {
    const parsed = ExportQuerySchemas[kind as ExportKind].safeParse(query);
    if (parsed.success)
      throw redirect(`/admin/exports/${kind}.csv?${new URLSearchParams(query as Record<string, string>)}`, 303);
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  }
  // Sensible starting dates on the organisation's calendar: today, and this month so far.
  const timeZone = safeTimeZone((await getOrganisationSettings(getDb())).timeZone);
  const { year, month, day } = zonedParts(new Date(), timeZone);
  const iso = (d: number) => `${year}-${String(month).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  const defaults = { on: iso(day), from: iso(1), to: iso(day) };
  return json(
    { kind: kind ?? null, values: query, errors, defaults, timeZone },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

function Field({
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
    <p>
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
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </p>
  );
}

export default function Exports() {
  const { kind, values, errors, defaults, timeZone } = useLoaderData<typeof loader>();
  const at = (k: string) =>
    kind === k
      ? { values: { ...defaults, ...(values as Record<string, string>) }, errors }
      : { values: defaults as Record<string, string>, errors: {} as Record<string, string> };
  const print = at("print-list");
  const pay = at("payments");
  return (
    <div className="panel">
      <h1>Exports</h1>
      <p>
        CSV files, UTF-8, one row per record. Every export is written to the audit log. Dates and times are on the
        organisation's clock ({timeZone}).
      </p>

      <h2>Print mailing list</h2>
      <form method="get" action="/admin/exports">
        <input type="hidden" name="kind" value="print-list" />
        <p className="hint">
          Everyone entitled to the print edition on this date, with postal address, sorted by country, postcode and
          name.
        </p>
        <Field form="print" name="on" label="Entitled on" value={print.values.on} error={print.errors.on} />
        <button type="submit">Download mailing list</button>
      </form>

      <h2>Payments</h2>
      <form method="get" action="/admin/exports">
        <input type="hidden" name="kind" value="payments" />
        <p className="hint">
          Receipt number, date, supporter, kind, method, amount, currency, refunded and campaign, for the accountant.
        </p>
        <Field form="payments" name="from" label="From" value={pay.values.from} error={pay.errors.from} />
        <Field form="payments" name="to" label="To (inclusive)" value={pay.values.to} error={pay.errors.to} />
        <button type="submit">Download payments</button>
      </form>

      <h2>Supporters</h2>
      <form method="get" action="/admin/exports">
        <input type="hidden" name="kind" value="supporters" />
        <p className="hint">Contact details of every supporter, without payment details.</p>
        <button type="submit">Download supporters</button>
      </form>
    </div>
  );
}
