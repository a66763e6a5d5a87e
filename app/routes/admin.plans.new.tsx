import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { CURRENCIES } from "~/campaigns/campaigns.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { statusFor } from "~/http/status";
import { createPlan, newPlanValues, parsePlanForm } from "~/campaigns/admin-plans.server";
import { getEnv } from "~/env.server";
import { readFormData, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { PlanForm } from "~/ui/PlanForm";

export const meta: MetaFunction = () => [{ title: t("admin.plansNew.newPlan") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const [values, csrf] = await Promise.all([newPlanValues(db), issueCsrfToken(request)]);
  return json(
    { values, currencies: CURRENCIES, stripe: getEnv().paymentsMode === "stripe", csrf: csrf.token },
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
  const parsed = parsePlanForm(formData, { withCode: true });
  if (!parsed.ok)
    return json<ActionData>(
      { errors: parsed.errors, values: parsed.values, formError: t("error.form") },
      { status: 400 },
    );
  const outcome = await createPlan(db, { staff, input: { ...parsed.value, code: parsed.value.code! } });
  if (!outcome.ok)
    return json<ActionData>(
      { errors: outcome.errors, values: parsed.values, formError: outcome.formError },
      { status: statusFor(outcome.error) },
    );
  return redirect("/admin/plans?done=created", 303);
}

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

export default function NewPlan() {
  const { values, currencies, stripe, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div className="panel">
      <p>
        <Link to="/admin/plans">{t("admin.plansNew.plans")}</Link>
      </p>
      <h1>{t("admin.plansNew.newPlan")}</h1>
      <PlanForm
        csrf={csrf}
        values={actionData?.values ?? values}
        errors={actionData?.errors}
        formError={actionData?.formError}
        currencies={currencies}
        isNew
        locked={false}
        supporters={null}
        stripe={stripe}
        submitLabel={t("admin.plansNew.createPlan")}
      />
    </div>
  );
}
