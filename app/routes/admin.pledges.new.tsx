import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { listActivePlans, listCampaignChoices } from "~/campaigns/campaigns.server";
import { readFormData } from "~/http/form-data.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { createPledge, pledgeInputFromForm, type FieldErrors } from "~/pledges/pledges.server";
import { CALLER_SEARCH } from "~/supporters/caller-search";
import { getCallerForPledge, searchCallers } from "~/supporters/caller-search.server";
import { ErrorSummary, FieldError, fieldProps, TextAreaField, TextField } from "~/ui/fields";
import { callerDetails, SupporterCombobox } from "~/ui/SupporterCombobox";
import { RowId } from "~/ids";
import { hasNoControlCharacters, LIMITS } from "~/validation/fields";
import { Button, FormActions } from "~/ui/admin";

const withoutControlCharacters = hasNoControlCharacters();

export const meta: MetaFunction = () => [{ title: t("admin.pledgesNew.takeAPhonePledge") }];

const QuerySchema = z.object({
  q: z.string().trim().max(CALLER_SEARCH.maxLength).refine(withoutControlCharacters).optional().catch(undefined),
  supporter: RowId.optional().catch(undefined),
});

const PRIVATE = { "Cache-Control": "private, no-store" };
/** The search results without JavaScript: a few more than the type-ahead, as each try costs a page load. */
const PAGE_SEARCH_LIMIT = 12;

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const { q, supporter: supporterId } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [csrf, campaignRows, plans, matches, selected] = await Promise.all([
    issueCsrfToken(request),
    listCampaignChoices(db),
    listActivePlans(db),
    q ? searchCallers(db, { q, limit: PAGE_SEARCH_LIMIT }) : Promise.resolve([]),
    supporterId ? getCallerForPledge(db, { supporterId }) : Promise.resolve(null),
  ]);
  return json(
    {
      csrf: csrf.token,
      q: q ?? "",
      matches,
      selected,
      campaigns: campaignRows,
      plans: plans.map((p) => ({
        code: p.code,
        name: p.name,
        billing: p.billing,
        tier: p.tier,
        amountMinor: p.amountMinor,
        currency: p.currency,
      })),
    },
    { headers: { ...csrf.headers, ...PRIVATE } },
  );
}

type ActionData = { errors: FieldErrors; values: Record<string, string>; formError: string };

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const formData = await readFormData(request);
  const values = Object.fromEntries(
    [...formData.entries()].filter(([k, v]) => k !== "csrf" && typeof v === "string"),
  ) as Record<string, string>;
  if (!(await isValidCsrf(request, formData)))
    return json<ActionData>({ errors: {}, values, formError: t("error.csrf") }, { status: 403, headers: PRIVATE });
  const parsed = await pledgeInputFromForm(db, values);
  if (!parsed.ok)
    return json<ActionData>(
      { errors: parsed.errors, values, formError: t("error.form") },
      { status: 400, headers: PRIVATE },
    );
  const result = await createPledge(db, { ...parsed.input, staff });
  if (!result.ok)
    return json<ActionData>(
      { errors: result.errors, values, formError: t("error.form") },
      { status: 400, headers: PRIVATE },
    );
  return redirect(`/admin/pledges/${result.pledgeId}?created=1`, { status: 303, headers: PRIVATE });
}

const LABELS: Record<string, string> = {
  supporterId: t("admin.pledgesNew.caller"),
  email: t("admin.pledgesNew.email"),
  name: t("admin.pledgesNew.name"),
  phone: t("admin.pledgesNew.phone"),
  addressLine1: t("admin.pledgesNew.postalAddress"),
  addressCity: t("admin.pledgesNew.suburbOrTown"),
  addressState: t("admin.pledgesNew.state"),
  addressPostalCode: t("admin.pledgesNew.postcode"),
  kind: t("admin.pledgesNew.what"),
  planCode: t("admin.pledgesNew.tier"),
  amount: t("admin.pledgesNew.amount"),
  campaignId: t("admin.pledgesNew.campaign"),
  notes: t("admin.pledgesNew.notes"),
  publicName: t("admin.pledgesNew.nameThemOnTheWall2"),
  message: t("admin.pledgesNew.messageForTheWall"),
  payMethod: t("admin.pledgesNew.howTheyPay"),
  reference: t("admin.pledgesNew.reference"),
};

const KINDS = [
  ["one_off", t("admin.pledgesNew.oneOffGift")],
  ["monthly", t("admin.pledgesNew.monthlyGift")],
  ["tier_monthly", t("admin.pledgesNew.tierMonthly")],
  ["tier_one_time", t("admin.pledgesNew.tier12Months")],
] as const;
/** Asked on the phone as on the donate form; unasked, a caller is not named (ADR 043). */
const PUBLIC_NAME = [
  ["no", t("admin.pledgesNew.noAnonymous")],
  ["yes", t("admin.pledgesNew.yesFirstNameTown")],
] as const;
const METHODS = [
  ["link", t("admin.pledgesNew.emailAPaymentLink")],
  ["cheque", t("admin.pledgesNew.cheque")],
  ["bank_transfer", t("admin.pledgesNew.bankTransfer")],
  ["cash", t("admin.pledgesNew.cash")],
] as const;

/** The pledge's own form; the caller's fields sit beside it (in the caller column) and join it by this id. */
const FORM_ID = "pledge-form";

type Errors = FieldErrors | undefined;

function RadioGroup({
  name,
  legend,
  options,
  checked,
  errors,
}: {
  name: string;
  legend: string;
  options: readonly (readonly [string, string])[];
  checked: string;
  errors: Errors;
}) {
  return (
    <fieldset id={name} className="choice-grid" aria-describedby={errors?.[name] ? `${name}-error` : undefined}>
      <legend>{legend}</legend>
      {options.map(([value, label]) => (
        <label key={value} className="check">
          <input type="radio" name={name} value={value} defaultChecked={checked === value} /> {label}
        </label>
      ))}
      <FieldError id={`${name}-error`} message={errors?.[name]} />
    </fieldset>
  );
}

/** Who is calling when they are not on file yet. Email is optional: some callers have none. */
function NewCallerFields({ errors, values }: { errors: Errors; values: Record<string, string> }) {
  const field = { form: FORM_ID, autoComplete: "off", errors, values };
  return (
    <fieldset className="new-caller">
      <legend>{t("admin.pledgesNew.newCaller")}</legend>
      <TextField name="name" label={t("admin.pledgesNew.name")} maxLength={LIMITS.name} {...field} />
      <div className="field-pair">
        <TextField name="phone" label={t("admin.pledgesNew.phone")} type="tel" maxLength={LIMITS.phone} {...field} />
        <div className="field">
          <label htmlFor="email">{t("admin.pledgesNew.emailOptional")}</label>
          <input
            type="email"
            form={FORM_ID}
            autoComplete="off"
            maxLength={LIMITS.email}
            {...fieldProps("email", errors, "email-hint")}
            defaultValue={values.email ?? ""}
          />
          <FieldError id="email-error" message={errors?.email} />
        </div>
      </div>
      <p className="hint" id="email-hint">
        {t("admin.pledgesNew.noEmailThenAPhone")}
      </p>
      <TextField
        name="addressLine1"
        label={t("admin.pledgesNew.streetAddressNeededForPrint")}
        maxLength={LIMITS.address.line1}
        {...field}
      />
      <div className="address-row">
        <TextField
          name="addressCity"
          label={t("admin.pledgesNew.suburbOrTown")}
          maxLength={LIMITS.address.city}
          {...field}
        />
        <TextField
          name="addressState"
          label={t("admin.pledgesNew.state")}
          maxLength={LIMITS.address.state}
          {...field}
        />
        <TextField
          name="addressPostalCode"
          label={t("admin.pledgesNew.postcode")}
          maxLength={LIMITS.address.postalCode}
          {...field}
        />
      </div>
    </fieldset>
  );
}

export default function NewPledge() {
  const { csrf, q, matches, selected, campaigns: campaignList, plans } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigate = useNavigate();
  const busy = useNavigation().state === "submitting";
  const errors = actionData?.errors;
  const values: Record<string, string> = actionData?.values ?? {};
  const defaultCampaign = campaignList.find((c) => c.isDefault) ?? campaignList[0];
  const kind = values.kind ?? "one_off";
  const payMethod = values.payMethod ?? "link";
  return (
    <div className="panel pledge-screen">
      <h1>{t("admin.pledgesNew.takeAPhonePledge")}</h1>
      <ErrorSummary formError={actionData?.formError} errors={errors} labels={LABELS} />

      <div className="pledge-grid">
        <section className="pledge-caller" aria-label={t("admin.pledgesNew.caller")}>
          <Form method="get" role="search" aria-label={t("admin.pledgesNew.findTheCaller")}>
            <SupporterCombobox
              id="q"
              label={t("admin.pledgesNew.findByPhoneEmailName")}
              defaultQuery={q}
              // Staff on a call start here (see SupporterCombobox).
              // eslint-disable-next-line jsx-a11y/no-autofocus
              autoFocus={!selected && !actionData}
              onChoose={(match) =>
                navigate(`/admin/pledges/new?${new URLSearchParams({ supporter: String(match.id) })}`, {
                  preventScrollReset: true,
                })
              }
            />
          </Form>
          {q && !selected ? (
            matches.length > 0 ? (
              <ul aria-label={t("admin.pledgesNew.matchingSupporters")} className="match-list">
                {matches.map((m) => (
                  <li key={m.id}>
                    <Link to={`/admin/pledges/new?${new URLSearchParams({ q, supporter: String(m.id) })}`}>
                      {m.name || t("admin.pledgesNew.noName")}
                    </Link>{" "}
                    — {callerDetails(m)}
                    {m.entitlement ? ` — ${m.entitlement}` : ""}
                  </li>
                ))}
              </ul>
            ) : (
              <p>
                {t("admin.pledgesNew.noSupporterMatches")}
                {q}
                {t("admin.pledgesNew.fillInANewCaller")}
              </p>
            )
          ) : null}

          {selected ? (
            <div className="caller-card">
              <input type="hidden" name="supporterId" value={selected.id} form={FORM_ID} />
              <p>
                <strong>{selected.name || t("admin.pledgesNew.noName")}</strong>
                <br />
                {callerDetails(selected)}
                {selected.entitlement ? (
                  <>
                    <br />
                    {t("admin.pledgesNew.receives")} {selected.entitlement}
                  </>
                ) : null}
              </p>
              {!selected.hasAddress ? <p className="hint">{t("admin.pledgesNew.noPostalAddressOnFile")}</p> : null}
              {!selected.email ? <p className="hint">{t("admin.pledgesNew.noEmailOnFileThey")}</p> : null}
              <FieldError id="supporterId-error" message={errors?.supporterId} />
              <FieldError id="addressLine1-error" message={errors?.addressLine1} />
              <p>
                <Link to="/admin/pledges/new">{t("admin.pledgesNew.someoneElseANewCaller")}</Link>
              </p>
            </div>
          ) : (
            <NewCallerFields errors={errors} values={values} />
          )}
        </section>

        <Form id={FORM_ID} method="post" noValidate className="pledge-details">
          <input type="hidden" name="csrf" value={csrf} />
          <div>
            <RadioGroup
              name="kind"
              legend={t("admin.pledgesNew.whatTheyPledge")}
              options={KINDS}
              checked={kind}
              errors={errors}
            />

            <div className="field">
              <label htmlFor="planCode">{t("admin.pledgesNew.tierTierPledgesCostThe")}</label>
              <select {...fieldProps("planCode", errors)} defaultValue={values.planCode ?? ""}>
                <option value="">—</option>
                {plans.map((p) => (
                  <option key={p.code} value={p.code}>
                    {p.name} — {formatMoney(p.amountMinor, p.currency)}
                    {p.billing === "monthly" ? t("admin.pledgesNew.aMonth") : t("admin.pledgesNew.for12Months")}
                  </option>
                ))}
              </select>
              <FieldError id="planCode-error" message={errors?.planCode} />
            </div>

            {/* The error summary links an amount problem to #amount-group. */}
            <div id="amount-group">
              <TextField
                name="amount"
                label={t("admin.pledgesNew.amountGifts")}
                inputMode="decimal"
                autoComplete="off"
                errors={errors}
                values={values}
              />
            </div>

            <div className="field">
              <label htmlFor="campaignId">{t("admin.pledgesNew.campaign")}</label>
              <select
                {...fieldProps("campaignId", errors)}
                defaultValue={values.campaignId ?? String(defaultCampaign?.id ?? "")}
              >
                {campaignList.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.currency})
                  </option>
                ))}
              </select>
              <FieldError id="campaignId-error" message={errors?.campaignId} />
            </div>

            <RadioGroup
              name="publicName"
              legend={t("admin.pledgesNew.nameThemOnTheWall")}
              options={PUBLIC_NAME}
              checked={values.publicName === "yes" ? "yes" : "no"}
              errors={errors}
            />
          </div>

          <div>
            <RadioGroup
              name="payMethod"
              legend={t("admin.pledgesNew.howTheyPay")}
              options={METHODS}
              checked={payMethod}
              errors={errors}
            />

            <TextField
              name="reference"
              label={t("admin.pledgesNew.referenceChequeNumberOrBank")}
              autoComplete="off"
              maxLength={100}
              errors={errors}
              values={values}
            />

            <TextAreaField
              name="message"
              label={t("admin.pledgesNew.messageForTheWallOptional")}
              rows={2}
              maxLength={500}
              errors={errors}
              values={values}
            />

            <TextAreaField
              name="notes"
              label={t("admin.pledgesNew.notesOptional")}
              rows={2}
              maxLength={2000}
              errors={errors}
              values={values}
            />

            <FormActions>
              <Button disabled={busy}>{busy ? t("admin.pledgesNew.saving") : t("admin.pledgesNew.savePledge")}</Button>
            </FormActions>
          </div>
        </Form>
      </div>
    </div>
  );
}
