import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { getSupporterSession } from "~/auth/supporter-auth.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { email } from "~/validation/fields";
import { requestSignInLink } from "~/supporters/sign-in.server";
import { ErrorSummary, TextField } from "~/ui/fields";

export const meta: MetaFunction = () => [{ title: t("signIn.title") }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getSupporterSession(getDb(), request)) throw redirect("/account", 303);
  const csrf = await issueCsrfToken(request);
  const sent = new URL(request.url).searchParams.get("sent") === "1";
  return json({ csrf: csrf.token, sent }, { headers: csrf.headers });
}

const SignInSchema = z.object({ email });

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  const values = { email: String(formData.get("email") ?? "").slice(0, 300) };
  if (!(await isValidCsrf(request, formData)))
    return json({ errors: {}, values, formError: t("error.csrf") }, { status: 403 });
  const parsed = SignInSchema.safeParse(values);
  if (!parsed.success)
    return json({ errors: { email: t("error.email") }, values, formError: t("error.form") }, { status: 400 });
  const outcome = await requestSignInLink(getDb(), {
    email: parsed.data.email,
    clientAddress: String(context.clientAddress ?? "unknown"),
  });
  if (outcome === "rate_limited")
    return json({ errors: {}, values, formError: t("error.rateLimited") }, { status: 429 });
  // The same answer whether or not the address is known.
  return redirect("/account/sign-in?sent=1", 303);
}

export default function SignIn() {
  const { csrf, sent } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  if (sent) {
    return (
      <div className="narrow panel" role="status">
        <h1>{t("signIn.sentHeading")}</h1>
        <p>{t("signIn.sent")}</p>
        <p>
          {t("signIn.nothingArrived")} <a href="/account/sign-in">{t("signIn.askAgain")}</a>
        </p>
      </div>
    );
  }
  return (
    <div className="narrow panel">
      <h1>{t("signIn.heading")}</h1>
      <p>{t("signIn.intro")}</p>
      <Form method="post" noValidate>
        <ErrorSummary
          formError={actionData?.formError}
          errors={actionData?.errors}
          labels={{ email: t("donate.email") }}
        />
        <input type="hidden" name="csrf" value={csrf} />
        <TextField
          name="email"
          label={t("donate.email")}
          type="email"
          autoComplete="email"
          required
          errors={actionData?.errors}
          values={actionData?.values ?? {}}
        />
        <button type="submit" className="give-button" disabled={busy}>
          {busy ? t("signIn.sending") : t("signIn.submit")}
        </button>
      </Form>
    </div>
  );
}
