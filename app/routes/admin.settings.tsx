import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { readFormData, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { appealBlockSnippet } from "~/campaigns/appeal.server";
import { getDefaultCampaign } from "~/campaigns/campaigns.server";
import { getEnv } from "~/env.server";
import { t } from "~/i18n/t";
import {
  getOrganisationSettings,
  giftsTaxSentence,
  parseSupporterPageSettings,
  updateSupporterPageSettings,
} from "~/organisation/settings.server";
import { Button, FormActions, Notice } from "~/ui/admin";
import { ErrorSummary, fieldProps, FieldError, Hint, TextAreaField, TextField } from "~/ui/fields";

export const meta: MetaFunction = () => [{ title: t("admin.settings.settings") }];

/** What supporters are promised after paying: the first print edition, and what statements say about tax. */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const [s, csrf, defaultCampaign] = await Promise.all([
    getOrganisationSettings(db),
    issueCsrfToken(request),
    getDefaultCampaign(db),
  ]);
  return json(
    {
      csrf: csrf.token,
      values: {
        firstPrintEditionDays: s.firstPrintEditionDays === null ? "" : String(s.firstPrintEditionDays),
        giftsTaxDeductible: s.giftsTaxDeductible,
        embedOrigins: s.embedOrigins.join("\n"),
      } as FormValues,
      appUrl: getEnv().appUrl,
      // The snippet for the campaign on the front page, ready to copy (docs/embedding.md explains it).
      snippet: defaultCampaign
        ? {
            slug: defaultCampaign.slug,
            text: appealBlockSnippet({
              appUrl: getEnv().appUrl,
              slug: defaultCampaign.slug,
              name: defaultCampaign.name,
            }),
          }
        : null,
      sentences: {
        not_stated: t("admin.settings.statementsSayNothingAboutTax"),
        deductible: giftsTaxSentence({ orgName: s.orgName, giftsTaxDeductible: "deductible" }),
        not_deductible: giftsTaxSentence({ orgName: s.orgName, giftsTaxDeductible: "not_deductible" }),
      },
    },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

type ActionData = { errors: FieldErrors; values: FormValues; formError?: string };

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request, { role: "admin" });
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json<ActionData>({ errors: {}, values: {}, formError: t("error.csrf") }, { status: 403 });
  const parsed = parseSupporterPageSettings(formData);
  if (!parsed.ok)
    return json<ActionData>(
      { errors: parsed.errors, values: parsed.values, formError: t("error.form") },
      { status: 400 },
    );
  await updateSupporterPageSettings(db, { staffUserId: staff.staffUserId, input: parsed.value });
  return redirect("/admin/settings?saved=1", 303);
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

const TAX_LABELS = {
  not_stated: t("admin.settings.sayNothingTheDefault"),
  deductible: t("admin.settings.giftsAreTaxDeductible"),
  not_deductible: t("admin.settings.giftsAreNotTaxDeductible"),
} as const;

export default function SettingsPage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const values = actionData?.values ?? data.values;
  const errors = actionData?.errors;
  return (
    <div className="panel">
      <h1>{t("admin.settings.settings")}</h1>
      {params.get("saved") === "1" && !actionData ? (
        <Notice tone="done">{t("admin.settings.settingsSaved")}</Notice>
      ) : null}
      <Form method="post" noValidate>
        <input type="hidden" name="csrf" value={data.csrf} />
        <ErrorSummary
          formError={actionData?.formError}
          errors={errors}
          labels={{
            firstPrintEditionDays: t("admin.settings.daysUntilTheFirstPrint"),
            giftsTaxDeductible: t("admin.settings.taxOnGifts"),
            embedOrigins: t("admin.settings.sitesThatMayShowThe"),
          }}
        />
        <TextField
          name="firstPrintEditionDays"
          label={t("admin.settings.daysUntilTheFirstPrint")}
          hint={t("admin.settings.theThankYouPageAnd")}
          inputMode="numeric"
          errors={errors}
          values={values}
        />
        <fieldset
          className="field"
          {...(errors?.giftsTaxDeductible ? { "aria-describedby": "giftsTaxDeductible-error" } : {})}
        >
          <legend>{t("admin.settings.whatAnnualStatementsSayAbout")}</legend>
          <Hint id="giftsTaxDeductible-hint">{t("admin.settings.onlyGiftsOneOffAnd")}</Hint>
          {(Object.keys(TAX_LABELS) as (keyof typeof TAX_LABELS)[]).map((key) => (
            <div className="check" key={key}>
              <input
                type="radio"
                {...fieldProps("giftsTaxDeductible", undefined)}
                id={`giftsTaxDeductible-${key}`}
                aria-describedby={`giftsTaxDeductible-${key}-says`}
                value={key}
                defaultChecked={values.giftsTaxDeductible === key}
              />
              <div>
                <label htmlFor={`giftsTaxDeductible-${key}`}>{TAX_LABELS[key]}</label>
                <p className="hint" id={`giftsTaxDeductible-${key}-says`}>
                  {key === "not_stated"
                    ? data.sentences[key]
                    : t("admin.settings.statementsSayValue", { value: String(data.sentences[key]) })}
                </p>
              </div>
            </div>
          ))}
          <FieldError id="giftsTaxDeductible-error" message={errors?.giftsTaxDeductible} />
        </fieldset>
        <TextAreaField
          name="embedOrigins"
          label={t("admin.settings.sitesThatMayShowThe")}
          hint={
            <>
              {t("admin.settings.theAppealBlock")}
              <code>{`${data.appUrl}/embed/<campaign>`}</code>
              {t("admin.settings.showsACampaignSProgress")} <code>{t("admin.settings.httpsNewsExampleOrg")}</code>{" "}
              {t("admin.settings.listTheWwwAddressToo")}
            </>
          }
          rows={4}
          spellCheck={false}
          autoCapitalize="off"
          errors={errors}
          values={values}
        />
        {data.snippet ? (
          <details className="field">
            <summary>{t("admin.settings.theSnippetToPasteInto")}</summary>
            {/* Scrolls sideways at phone widths: focusable, so a keyboard can scroll it too (axe: scrollable-region-focusable). */}
            {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex */}
            <pre className="snippet" tabIndex={0} role="region" aria-label={t("admin.settings.snippet")}>
              <code>{data.snippet.text}</code>
            </pre>
            <p className="hint">
              {t("admin.settings.forAnotherCampaignChange")} <code>{data.snippet.slug}</code>{" "}
              {t("admin.settings.toTheEndOfIts")}
              <code>{t("admin.settings.c")}</code>
              {t("admin.settings.theScriptIsOptionalIt")}
            </p>
          </details>
        ) : null}
        <FormActions>
          <Button>{t("admin.settings.saveSettings")}</Button>
        </FormActions>
      </Form>
    </div>
  );
}
