import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { CURRENCIES } from "~/campaigns/campaigns.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { statusFor } from "~/http/status";
import { createCampaign, newCampaignValues, parseCampaignForm } from "~/campaigns/admin-campaigns.server";
import { readFormData, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { CampaignForm } from "~/ui/CampaignForm";

export const meta: MetaFunction = () => [{ title: t("admin.campaignsNew.newCampaign") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const [{ values, timeZone }, csrf] = await Promise.all([newCampaignValues(db), issueCsrfToken(request)]);
  return json(
    { values, timeZone, currencies: CURRENCIES, csrf: csrf.token },
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
  const parsed = parseCampaignForm(formData);
  if (!parsed.ok)
    return json<ActionData>(
      { errors: parsed.errors, values: parsed.values, formError: t("error.form") },
      { status: 400 },
    );
  const outcome = await createCampaign(db, { staff, input: parsed.value });
  if (!outcome.ok)
    return json<ActionData>(
      { errors: outcome.errors, values: parsed.values, formError: outcome.formError },
      { status: statusFor(outcome.error) },
    );
  return redirect("/admin/campaigns?done=created", 303);
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function NewCampaign() {
  const { values, timeZone, currencies, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div className="panel">
      <p>
        <Link to="/admin/campaigns">{t("admin.campaignsNew.campaigns")}</Link>
      </p>
      <h1>{t("admin.campaignsNew.newCampaign")}</h1>
      <CampaignForm
        csrf={csrf}
        values={actionData?.values ?? values}
        errors={actionData?.errors}
        formError={actionData?.formError}
        currencies={currencies}
        currencyLockedTo={null}
        isDefault={false}
        timeZone={timeZone}
        submitLabel={t("admin.campaignsNew.createCampaign")}
      />
    </div>
  );
}
