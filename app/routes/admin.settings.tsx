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

export const meta: MetaFunction = () => [{ title: "Settings" }];

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
        not_stated: "Statements say nothing about tax.",
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
  not_stated: "Say nothing (the default)",
  deductible: "Gifts are tax-deductible",
  not_deductible: "Gifts are not tax-deductible",
} as const;

export default function SettingsPage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const values = actionData?.values ?? data.values;
  const errors = actionData?.errors;
  return (
    <div className="panel">
      <h1>Settings</h1>
      {params.get("saved") === "1" && !actionData ? <Notice tone="done">Settings saved.</Notice> : null}
      <Form method="post" noValidate>
        <input type="hidden" name="csrf" value={data.csrf} />
        <ErrorSummary
          formError={actionData?.formError}
          errors={errors}
          labels={{
            firstPrintEditionDays: "Days until the first print edition",
            giftsTaxDeductible: "Tax on gifts",
            embedOrigins: "Sites that may show the appeal block",
          }}
        />
        <TextField
          name="firstPrintEditionDays"
          label="Days until the first print edition"
          hint="The thank-you page and welcome email tell new print supporters to expect their first edition this many days after paying. Leave blank to say nothing."
          inputMode="numeric"
          errors={errors}
          values={values}
        />
        <fieldset
          className="field"
          {...(errors?.giftsTaxDeductible ? { "aria-describedby": "giftsTaxDeductible-error" } : {})}
        >
          <legend>What annual statements say about tax on gifts</legend>
          <Hint id="giftsTaxDeductible-hint">
            Only gifts (one-off and monthly donations) can be tax-deductible; supporter subscriptions buy an edition.
          </Hint>
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
                  {key === "not_stated" ? data.sentences[key] : `Statements say: “${data.sentences[key]}”`}
                </p>
              </div>
            </div>
          ))}
          <FieldError id="giftsTaxDeductible-error" message={errors?.giftsTaxDeductible} />
        </fieldset>
        <TextAreaField
          name="embedOrigins"
          label="Sites that may show the appeal block"
          hint={
            <>
              The appeal block (<code>{`${data.appUrl}/embed/<campaign>`}</code>) shows a campaign&rsquo;s progress and
              a give button inside another site&rsquo;s pages. Browsers show it only on the sites listed here: one
              address a line, like <code>https://news.example.org</code> (list the www. address too if readers use it).
              Leave empty to let no site show it.
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
            <summary>The snippet to paste into a page (WordPress: a Custom HTML block; Ghost: an HTML card)</summary>
            {/* Scrolls sideways at phone widths: focusable, so a keyboard can scroll it too (axe: scrollable-region-focusable). */}
            {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex */}
            <pre className="snippet" tabIndex={0} role="region" aria-label="Snippet">
              <code>{data.snippet.text}</code>
            </pre>
            <p className="hint">
              For another campaign, change <code>{data.snippet.slug}</code> to the end of its address (<code>/c/…</code>
              ). The script is optional: it makes the frame as tall as the block.
            </p>
          </details>
        ) : null}
        <FormActions>
          <Button>Save settings</Button>
        </FormActions>
      </Form>
    </div>
  );
}
