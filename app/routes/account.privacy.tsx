import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { isValidCsrf } from "~/auth/csrf.server";
import { requireSupporter } from "~/http/guards.server";
import { signOut } from "~/auth/supporter-auth.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { eraseSupporter, getPrivacyOverview } from "~/supporters/privacy.server";
import { ErrorSummary } from "~/ui/fields";
import type { loader as layoutLoader } from "./account";

export const meta: MetaFunction = () => [
  { title: t("accountPrivacy.heading") },
  { name: "robots", content: "noindex" },
];

const StepSchema = z.object({ step: z.literal("erase").optional().catch(undefined) });

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const overview = await getPrivacyOverview(db, { supporterId });
  if (!overview) throw new Response("Not found", { status: 404 });
  const { step } = StepSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return json(
    { ...overview, confirmingErase: step === "erase" },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

const EraseFormSchema = z.object({
  intent: z.literal("erase"),
  confirm: z.literal("on", { message: t("error.erase.confirm") }),
});

type ActionData = { errors: Record<string, string>; formError: string };

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json<ActionData>({ errors: {}, formError: t("error.csrf") }, { status: 403 });
  const parsed = EraseFormSchema.safeParse({
    intent: formData.get("intent"),
    confirm: formData.get("confirm") ?? undefined,
  });
  if (!parsed.success) {
    const confirmError = parsed.error.issues.find((issue) => issue.path[0] === "confirm");
    return json<ActionData>(
      { errors: confirmError ? { confirm: confirmError.message } : {}, formError: t("error.form") },
      { status: 400 },
    );
  }
  const outcome = await eraseSupporter(db, { supporterId });
  if (outcome.status === "not_found") throw new Response("Not found", { status: 404 });
  if (outcome.status === "provider_failed")
    return json<ActionData>({ errors: {}, formError: outcome.message }, { status: 503 });
  // Sessions were revoked with the erasure; this clears the cookie in this browser too.
  return redirect("/account/erased", {
    status: 303,
    headers: { "Set-Cookie": await signOut(db, request, { everywhere: true }) },
  });
}

export default function Privacy() {
  const data = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof layoutLoader>("routes/account");
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const confirming = data.confirmingErase || Boolean(actionData);
  return (
    <div className="account-page">
      <h1>{t("accountPrivacy.heading")}</h1>

      <section className="panel" aria-labelledby="download-heading">
        <h2 id="download-heading">{t("accountPrivacy.downloadHeading")}</h2>
        <p>{t("accountPrivacy.download")}</p>
        {/* A full page request, so the browser saves the file. */}
        <Form method="post" action="/account/privacy/export" reloadDocument>
          <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
          <button type="submit" className="button-secondary">
            {t("accountPrivacy.downloadSubmit")}
          </button>
        </Form>
      </section>

      <section className="panel" aria-labelledby="erase-heading">
        <h2 id="erase-heading">{t("accountPrivacy.eraseHeading")}</h2>
        <p>{t("accountPrivacy.erase")}</p>
        {data.liveSubscriptions > 0 ? (
          <p>
            <strong>{t("accountPrivacy.stops", { count: data.liveSubscriptions })}</strong>
          </p>
        ) : null}
        {data.retentionMonths ? (
          <p className="hint">{t("accountPrivacy.retention", { months: data.retentionMonths })}</p>
        ) : null}
        {confirming ? (
          <Form method="post" noValidate>
            <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />
            <input type="hidden" name="intent" value="erase" />
            <ErrorSummary
              formError={actionData?.formError}
              errors={actionData?.errors}
              labels={{ confirm: t("accountPrivacy.confirmLabel") }}
            />
            <div className="check">
              <input
                type="checkbox"
                id="confirm"
                name="confirm"
                aria-invalid={actionData?.errors.confirm ? true : undefined}
                aria-describedby={actionData?.errors.confirm ? "confirm-error" : undefined}
              />
              <label htmlFor="confirm">{t("accountPrivacy.confirm")}</label>
            </div>
            {actionData?.errors.confirm ? (
              <p className="field-error" id="confirm-error">
                {actionData.errors.confirm}
              </p>
            ) : null}
            <div className="button-row">
              <button type="submit" className="give-button" disabled={busy}>
                {busy ? t("accountPrivacy.erasing") : t("accountPrivacy.eraseNow")}
              </button>
              <Link to="/account/privacy" className="button-secondary">
                {t("accountPrivacy.keep")}
              </Link>
            </div>
          </Form>
        ) : (
          <p>
            <Link to="/account/privacy?step=erase" className="button-secondary">
              {t("accountPrivacy.eraseMe")}
            </Link>
          </p>
        )}
      </section>
    </div>
  );
}
