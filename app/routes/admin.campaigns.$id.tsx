import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { CURRENCIES } from "~/campaigns/campaigns.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { statusFor } from "~/http/status";
import { getCampaignForEdit, parseCampaignForm, updateCampaign } from "~/campaigns/admin-campaigns.server";
import { readFormData, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { CampaignForm } from "~/ui/CampaignForm";
import { rowIdParam } from "~/ids";

export const meta: MetaFunction = () => [{ title: t("admin.campaignsId.editCampaign") }];

const campaignId = (params: { id?: string }) => rowIdParam(params.id);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const campaign = await getCampaignForEdit(db, { campaignId: campaignId(params) });
  if (!campaign) throw new Response(t("admin.campaignsId.notFound"), { status: 404 });
  const csrf = await issueCsrfToken(request);
  return json(
    { campaign, currencies: CURRENCIES, csrf: csrf.token },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

type ActionData = { errors: FieldErrors; values: FormValues; formError?: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request, { role: "admin" });
  const id = campaignId(params);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json<ActionData>({ errors: {}, values: {}, formError: t("error.csrf") }, { status: 403 });
  const parsed = parseCampaignForm(formData);
  if (!parsed.ok)
    return json<ActionData>(
      { errors: parsed.errors, values: parsed.values, formError: t("error.form") },
      { status: 400 },
    );
  const outcome = await updateCampaign(db, { staff, campaignId: id, version: parsed.version, input: parsed.value });
  if (!outcome.ok)
    return json<ActionData>(
      { errors: outcome.errors, values: parsed.values, formError: outcome.formError },
      { status: statusFor(outcome.error) },
    );
  return redirect("/admin/campaigns?done=saved", 303);
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function EditCampaign() {
  const { campaign, currencies, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div className="panel">
      <p>
        <Link to="/admin/campaigns">{t("admin.campaignsId.campaigns")}</Link>
      </p>
      <h1>{campaign.name}</h1>
      <p>
        <Link to={`/c/${campaign.slug}`}>{t("admin.campaignsId.viewTheCampaignPage")}</Link>
      </p>
      <CampaignForm
        csrf={csrf}
        values={actionData?.values ?? campaign.values}
        errors={actionData?.errors}
        formError={actionData?.formError}
        currencies={currencies}
        currencyLockedTo={campaign.currencyLocked ? (campaign.values.currency ?? null) : null}
        isDefault={campaign.isDefault}
        timeZone={campaign.timeZone}
        submitLabel={t("admin.campaignsId.saveCampaign")}
      />
    </div>
  );
}
