import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { isValidCsrf } from "~/auth/csrf.server";
import { requireSupporter } from "~/http/guards.server";
import { formValues, readFormData, type FieldErrors, type FormValues } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import {
  AnonymousSchema,
  getProfile,
  parseEmailChange,
  parseProfileDetails,
  PROFILE_FIELDS,
  requestEmailChange,
  setAnonymous,
  updateProfileDetails,
} from "~/supporters/profile.server";
import { ADDRESS_FIELDS } from "~/ui/address-fields";
import { redirectWithFlash } from "~/http/flash.server";
import { ErrorSummary, TextField } from "~/ui/fields";
import { Flash } from "~/ui/Flash";
import type { loader as layoutLoader } from "./account";

export const meta: MetaFunction = () => [{ title: t("profile.heading") }, { name: "robots", content: "noindex" }];

/** What a redirect back here may announce; anything else in the query string is ignored. */
const NoticeSchema = z.object({
  saved: z.enum(["details", "anonymous"]).optional().catch(undefined),
  email: z.enum(["sent", "changed"]).optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const profile = await getProfile(db, { supporterId });
  if (!profile) throw new Response("Not found", { status: 404 });
  const notice = NoticeSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return json({ profile, notice }, { headers: { "Cache-Control": "private, no-store" } });
}

type Intent = "details" | "email" | "anonymous";
type ActionData = { intent: Intent | null; errors: FieldErrors; values: FormValues; formError?: string };
const IntentSchema = z.enum(["details", "email", "anonymous"]);

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const formData = await readFormData(request);
  const intent = IntentSchema.safeParse(formData.get("intent"));
  const fail = (status: number, data: Omit<ActionData, "intent">) =>
    json<ActionData>({ intent: intent.success ? intent.data : null, ...data }, { status });
  if (!(await isValidCsrf(request, formData))) return fail(403, { errors: {}, values: {}, formError: t("error.csrf") });
  if (!intent.success) return fail(400, { errors: {}, values: {}, formError: t("error.form") });

  switch (intent.data) {
    case "details": {
      const parsed = parseProfileDetails(formData);
      if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values, formError: t("error.form") });
      const outcome = await updateProfileDetails(db, { supporterId, ...parsed.value });
      if (outcome === "not_found") throw new Response("Not found", { status: 404 });
      if (outcome === "address_needed") {
        return fail(400, {
          errors: { line1: t("error.address.neededForPrint") },
          values: formValues(formData, PROFILE_FIELDS),
          formError: t("error.form"),
        });
      }
      return redirectWithFlash("/account/profile?saved=details", { key: "flash.profile.saved", params: {} });
    }
    case "email": {
      const parsed = parseEmailChange(formData);
      if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values, formError: t("error.form") });
      const outcome = await requestEmailChange(db, { supporterId, newEmail: parsed.value.email });
      if (outcome === "not_found") throw new Response("Not found", { status: 404 });
      if (outcome === "same")
        return fail(400, {
          errors: { email: t("error.email.same") },
          values: { email: parsed.value.email },
          formError: t("error.form"),
        });
      if (outcome === "rate_limited")
        return fail(429, { errors: {}, values: { email: parsed.value.email }, formError: t("error.rateLimited") });
      return redirectWithFlash("/account/profile?email=sent", { key: "flash.email.sent", params: {} });
    }
    case "anonymous": {
      const parsed = AnonymousSchema.safeParse({ anonymous: formData.get("anonymous") ?? undefined });
      if (!parsed.success)
        return fail(400, { errors: { anonymous: t("error.form") }, values: {}, formError: t("error.form") });
      const outcome = await setAnonymous(db, { supporterId, anonymous: parsed.data.anonymous });
      if (outcome === "not_found") throw new Response("Not found", { status: 404 });
      return redirectWithFlash("/account/profile?saved=anonymous", { key: "flash.profile.anonymous", params: {} });
    }
  }
}

const DETAIL_FIELDS = [
  {
    name: "name",
    get label() {
      return t("donate.name");
    },
    autoComplete: "name",
  },
  ...ADDRESS_FIELDS,
] as const;

export default function Profile() {
  const { profile, notice } = useLoaderData<typeof loader>();
  const layout = useRouteLoaderData<typeof layoutLoader>("routes/account");
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const csrf = <input type="hidden" name="csrf" value={layout?.csrf ?? ""} />;
  const forIntent = (intent: Intent) => (actionData?.intent === intent ? actionData : undefined);
  const details = forIntent("details");
  const email = forIntent("email");
  const current: Record<string, string> = {
    name: profile.name,
    line1: profile.address?.line1 ?? "",
    line2: profile.address?.line2 ?? "",
    city: profile.address?.city ?? "",
    state: profile.address?.state ?? "",
    postalCode: profile.address?.postalCode ?? "",
    country: profile.address?.country ?? "",
  };
  // Saved details and a sent link confirm themselves through the session's flash (the layout);
  // the link that changes the address lands here from an email, announced the same way.
  const changedByLink = notice.email === "changed" && !layout?.flash;
  return (
    <div className="account-page">
      <h1>{t("profile.heading")}</h1>
      {changedByLink ? <Flash flash={{ key: "flash.email.changed" }} /> : null}
      {actionData?.formError && !actionData.intent ? (
        <ErrorSummary formError={actionData.formError} labels={{}} />
      ) : null}

      <section className="panel" aria-labelledby="details-heading">
        <h2 id="details-heading">{t("profile.detailsHeading")}</h2>
        <p className="hint">{t("profile.detailsHint")}</p>
        <Form method="post" noValidate>
          {csrf}
          <input type="hidden" name="intent" value="details" />
          <ErrorSummary
            formError={details?.formError}
            errors={details?.errors}
            labels={Object.fromEntries(DETAIL_FIELDS.map((f) => [f.name, f.label]))}
          />
          {DETAIL_FIELDS.map((field) => (
            <TextField
              key={field.name}
              name={field.name}
              label={field.label}
              autoComplete={field.autoComplete}
              maxLength={200}
              errors={details?.errors}
              values={details?.values ?? current}
            />
          ))}
          <button type="submit" className="button-secondary" disabled={busy}>
            {t("profile.saveDetails")}
          </button>
        </Form>
      </section>

      <section className="panel" aria-labelledby="email-heading">
        <h2 id="email-heading">{t("profile.emailHeading")}</h2>
        <p>
          {t("profile.emailSentTo")} <strong>{profile.email}</strong>
        </p>
        <Form method="post" noValidate>
          {csrf}
          <input type="hidden" name="intent" value="email" />
          <ErrorSummary formError={email?.formError} errors={email?.errors} labels={{ email: t("profile.newEmail") }} />
          <TextField
            name="email"
            label={t("profile.newEmail")}
            hint={t("profile.newEmailHint")}
            type="email"
            autoComplete="email"
            errors={email?.errors}
            values={email?.values ?? {}}
          />
          <button type="submit" className="button-secondary" disabled={busy}>
            {t("profile.sendLink")}
          </button>
        </Form>
      </section>

      <section className="panel" aria-labelledby="anonymous-heading">
        <h2 id="anonymous-heading">{t("profile.anonymousHeading")}</h2>
        <Form method="post">
          {csrf}
          <input type="hidden" name="intent" value="anonymous" />
          <div className="check">
            <input type="checkbox" id="anonymous" name="anonymous" defaultChecked={profile.anonymous} />
            <label htmlFor="anonymous">{t("donate.anonymous")}</label>
          </div>
          <p className="hint">{t("profile.anonymousHint")}</p>
          <button type="submit" className="button-secondary" disabled={busy}>
            {t("profile.savePreference")}
          </button>
        </Form>
      </section>
    </div>
  );
}
