import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { campaigns, supporters } from "@db/schema";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/auth/staff-auth.server";
import { listActivePlans } from "~/campaigns/campaigns.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { createPledge, pledgeInputFromForm, searchSupportersForPledge, type FieldErrors } from "~/pledges/pledges.server";
import { ErrorSummary, FieldError, fieldProps, TextField } from "~/ui/fields";

export const meta: MetaFunction = () => [{ title: "Take a phone pledge" }];

const QuerySchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  supporter: z.coerce.number().int().positive().optional().catch(undefined),
});

const PRIVATE = { "Cache-Control": "private, no-store" };

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const { q, supporter: supporterId } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [csrf, campaignRows, plans, matches, selectedRows] = await Promise.all([
    issueCsrfToken(request),
    db.select({ id: campaigns.id, name: campaigns.name, currency: campaigns.currency, isDefault: campaigns.isDefault }).from(campaigns).orderBy(asc(campaigns.id)),
    listActivePlans(db),
    q ? searchSupportersForPledge(db, q) : Promise.resolve([]),
    supporterId
      ? db
          .select({ id: supporters.id, name: supporters.name, email: supporters.email, phone: supporters.phone, addressLine1: supporters.addressLine1, postalCode: supporters.addressPostalCode })
          .from(supporters)
          .where(eq(supporters.id, supporterId))
      : Promise.resolve([]),
  ]);
  return json(
    {
      csrf: csrf.token,
      q: q ?? "",
      matches,
      selected: selectedRows[0] ?? null,
      campaigns: campaignRows,
      plans: plans.map((p) => ({ code: p.code, name: p.name, billing: p.billing, tier: p.tier, amountMinor: p.amountMinor, currency: p.currency })),
    },
    { headers: { ...csrf.headers, ...PRIVATE } },
  );
}

type ActionData = { errors: FieldErrors; values: Record<string, string>; formError: string };

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const formData = await request.formData();
  const values = Object.fromEntries([...formData.entries()].filter(([k, v]) => k !== "csrf" && typeof v === "string")) as Record<string, string>;
  if (!(await isValidCsrf(request, formData))) return json<ActionData>({ errors: {}, values, formError: t("error.csrf") }, { status: 403, headers: PRIVATE });
  const parsed = await pledgeInputFromForm(db, values);
  if (!parsed.ok) return json<ActionData>({ errors: parsed.errors, values, formError: t("error.form") }, { status: 400, headers: PRIVATE });
  const result = await createPledge(db, { ...parsed.input, staff });
  if (!result.ok) return json<ActionData>({ errors: result.errors, values, formError: t("error.form") }, { status: 400, headers: PRIVATE });
  return redirect(`/admin/pledges/${result.pledgeId}?created=1`, { status: 303, headers: PRIVATE });
}

const LABELS: Record<string, string> = {
  supporterId: "Caller",
  email: "Email",
  name: "Name",
  phone: "Phone",
  addressLine1: "Postal address",
  kind: "What",
  planCode: "Tier",
  amount: "Amount",
  campaignId: "Campaign",
  notes: "Notes",
  payMethod: "How they pay",
  reference: "Reference",
};

const KINDS = [
  ["one_off", "One-off gift"],
  ["monthly", "Monthly gift"],
  ["tier_monthly", "Tier, monthly"],
  ["tier_one_time", "Tier, 12 months at once"],
] as const;
const METHODS = [
  ["link", "Email a payment link"],
  ["cheque", "Cheque"],
  ["bank_transfer", "Bank transfer"],
  ["cash", "Cash"],
] as const;

export default function NewPledge() {
  const { csrf, q, matches, selected, campaigns: campaignList, plans } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const errors = actionData?.errors;
  const values: Record<string, string> = actionData?.values ?? {};
  const defaultCampaign = campaignList.find((c) => c.isDefault) ?? campaignList[0];
  const supporterId = values.supporterId ?? (selected ? String(selected.id) : "");
  const kind = values.kind ?? "one_off";
  const payMethod = values.payMethod ?? "link";
  return (
    <div className="panel">
      <h1>Take a phone pledge</h1>
      <ErrorSummary formError={actionData?.formError} errors={errors} labels={LABELS} />

      <Form method="get" role="search" className="inline-form" aria-label="Find the caller">
        <label htmlFor="q">Find the caller (email, name, phone or postcode)</label>{" "}
        <input id="q" name="q" type="search" defaultValue={q} autoComplete="off" autoFocus={!selected && !actionData} />{" "}
        <button type="submit" className="button-secondary">
          Search
        </button>
      </Form>
      {q ? (
        matches.length > 0 ? (
          <ul aria-label="Matching supporters">
            {matches.map((m) => (
              <li key={m.id}>
                <Link to={`/admin/pledges/new?${new URLSearchParams({ q, supporter: String(m.id) })}`}>
                  {m.name || "(no name)"} — {m.email}
                  {m.phone ? ` — ${m.phone}` : ""}
                  {m.postalCode ? ` — ${m.postalCode}` : ""}
                </Link>
              </li>
            ))}
          </ul>
        ) : (
          <p role="status">No supporter matches “{q}”: fill in a new caller below.</p>
        )
      ) : null}

      <Form method="post" noValidate>
        <input type="hidden" name="csrf" value={csrf} />
        <fieldset>
          <legend>Caller</legend>
          {supporterId && selected ? (
            <>
              <input type="hidden" name="supporterId" value={supporterId} />
              <p>
                <strong>{selected.name || "(no name)"}</strong> — {selected.email}
                {selected.phone ? ` — ${selected.phone}` : ""}
                {selected.addressLine1 ? "" : " — no postal address on file"}{" "}
                <Link to="/admin/pledges/new">Someone else</Link>
              </p>
              <FieldError id="supporterId-error" message={errors?.supporterId} />
              <FieldError id="addressLine1-error" message={errors?.addressLine1} />
            </>
          ) : (
            <>
              <TextField name="name" label="Name" autoComplete="off" maxLength={200} errors={errors} values={values} />
              <TextField name="email" label="Email" type="email" autoComplete="off" maxLength={254} errors={errors} values={values} />
              <TextField name="phone" label="Phone (optional)" type="tel" autoComplete="off" maxLength={40} errors={errors} values={values} />
              <TextField name="addressLine1" label="Street address (needed for print)" autoComplete="off" maxLength={200} errors={errors} values={values} />
              <TextField name="addressCity" label="Suburb or town" autoComplete="off" maxLength={100} errors={errors} values={values} />
              <TextField name="addressState" label="State" autoComplete="off" maxLength={100} errors={errors} values={values} />
              <TextField name="addressPostalCode" label="Postcode" autoComplete="off" maxLength={20} errors={errors} values={values} />
            </>
          )}
        </fieldset>

        <fieldset id="kind">
          <legend>What they pledge</legend>
          {KINDS.map(([value, label]) => (
            <label key={value} className="check">
              <input type="radio" name="kind" value={value} defaultChecked={kind === value} /> {label}
            </label>
          ))}
          <FieldError id="kind-error" message={errors?.kind} />
        </fieldset>

        <div className="field">
          <label htmlFor="planCode">Tier (for tier pledges: the amount is the tier's price)</label>
          <select {...fieldProps("planCode", errors)} defaultValue={values.planCode ?? ""}>
            <option value="">—</option>
            {plans.map((p) => (
              <option key={p.code} value={p.code}>
                {p.name} — {formatMoney(p.amountMinor, p.currency)}
                {p.billing === "monthly" ? " a month" : " for 12 months"}
              </option>
            ))}
          </select>
          <FieldError id="planCode-error" message={errors?.planCode} />
        </div>

        <TextField name="amount" label="Amount (gifts)" inputMode="decimal" autoComplete="off" errors={errors} values={values} />

        <div className="field">
          <label htmlFor="campaignId">Campaign</label>
          <select {...fieldProps("campaignId", errors)} defaultValue={values.campaignId ?? String(defaultCampaign?.id ?? "")}>
            {campaignList.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.currency})
              </option>
            ))}
          </select>
          <FieldError id="campaignId-error" message={errors?.campaignId} />
        </div>

        <div className="field">
          <label htmlFor="notes">Notes (optional)</label>
          <textarea {...fieldProps("notes", errors)} rows={2} maxLength={2000} defaultValue={values.notes ?? ""} />
          <FieldError id="notes-error" message={errors?.notes} />
        </div>

        <fieldset id="payMethod">
          <legend>How they pay</legend>
          {METHODS.map(([value, label]) => (
            <label key={value} className="check">
              <input type="radio" name="payMethod" value={value} defaultChecked={payMethod === value} /> {label}
            </label>
          ))}
          <FieldError id="payMethod-error" message={errors?.payMethod} />
        </fieldset>

        <TextField name="reference" label="Reference (cheque number or bank reference)" autoComplete="off" maxLength={100} errors={errors} values={values} />

        <button type="submit" className="button" disabled={busy}>
          {busy ? "Saving…" : "Save pledge"}
        </button>
      </Form>
    </div>
  );
}
