import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { CURRENCIES } from "~/campaigns/campaigns.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { statusFor } from "~/http/status";
import { getPlanForEdit, parsePlanForm, updatePlan } from "~/campaigns/admin-plans.server";
import { readFormData, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { PlanForm } from "~/ui/PlanForm";
import { rowIdParam } from "~/ids";

export const meta: MetaFunction = () => [{ title: t("admin.plansId.editPlan") }];

const planId = (params: { id?: string }) => rowIdParam(params.id);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const plan = await getPlanForEdit(db, { planId: planId(params) });
  if (!plan) throw new Response(t("admin.plansId.notFound"), { status: 404 });
  const csrf = await issueCsrfToken(request);
  return json(
    { plan, currencies: CURRENCIES, csrf: csrf.token },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

type ActionData = { errors: FieldErrors; values: FormValues; formError?: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request, { role: "admin" });
  const id = planId(params);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json<ActionData>({ errors: {}, values: {}, formError: t("error.csrf") }, { status: 403 });
  const parsed = parsePlanForm(formData, { withCode: false });
  if (!parsed.ok)
    return json<ActionData>(
      { errors: parsed.errors, values: parsed.values, formError: t("error.form") },
      { status: 400 },
    );
  const { version, confirmPriceChange, ...input } = parsed.value;
  const outcome = await updatePlan(db, { staff, planId: id, version, input, confirmPriceChange });
  if (!outcome.ok)
    return json<ActionData>(
      { errors: outcome.errors, values: parsed.values, formError: outcome.formError },
      { status: statusFor(outcome.error) },
    );
  return redirect(
    outcome.priceChanged ? `/admin/plans?done=price&kept=${outcome.currentSupporters}` : "/admin/plans?done=saved",
    303,
  );
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function EditPlan() {
  const { plan, currencies, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div className="panel">
      <p>
        <Link to="/admin/plans">{t("admin.plansId.plans")}</Link>
      </p>
      <h1>{plan.name}</h1>
      <p className="hint">
        {t("admin.plansId.code")} {plan.code}
        {t("admin.plansId.now")} {plan.price} {plan.currency}{" "}
        {plan.billing === "monthly" ? t("admin.plansId.aMonth") : t("admin.plansId.for12Months")}.
      </p>
      <PlanForm
        csrf={csrf}
        values={actionData?.values ?? plan.values}
        errors={actionData?.errors}
        formError={actionData?.formError}
        currencies={currencies}
        isNew={false}
        locked={plan.locked}
        supporters={{ count: plan.currentSupporters, billing: plan.billing, price: plan.price }}
        stripe={plan.stripe}
        submitLabel={t("admin.plansId.savePlan")}
      />
    </div>
  );
}
