import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { getStaffSession, signInStaff } from "~/auth/staff-auth.server";
import { readFormData } from "~/http/form-data.server";
import { t } from "~/i18n/t";
import { Button, FormActions } from "~/ui/admin";
import { ErrorSummary, TextField } from "~/ui/fields";
import { email } from "~/validation/fields";

export const meta: MetaFunction = () => [
  { title: t("admin.signIn.staffSignIn") },
  { name: "robots", content: "noindex" },
];

/** Only our own paths: never an open redirect. */
const NextSchema = z
  .string()
  .regex(/^\/admin(\/[A-Za-z0-9/_-]*)?$/)
  .catch("/admin");

export async function loader({ request }: LoaderFunctionArgs) {
  const next = NextSchema.parse(new URL(request.url).searchParams.get("next") ?? "/admin");
  if (await getStaffSession(getDb(), request)) throw redirect(next, 303);
  const csrf = await issueCsrfToken(request);
  return json({ csrf: csrf.token, next }, { headers: csrf.headers });
}

const SignInSchema = z.object({
  email,
  password: z.string().min(1).max(1000),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  const values = { email: String(formData.get("email") ?? "").slice(0, 300) };
  if (!(await isValidCsrf(request, formData)))
    return json({ errors: {}, values, formError: t("error.csrf") }, { status: 403 });
  const parsed = SignInSchema.safeParse({ email: formData.get("email"), password: formData.get("password") });
  if (!parsed.success)
    return json({ errors: {}, values, formError: t("admin.signIn.enterYourEmailAndPassword") }, { status: 400 });
  const result = await signInStaff(getDb(), {
    ...parsed.data,
    clientAddress: String(context.clientAddress ?? "unknown"),
    cookieHeader: request.headers.get("Cookie"),
  });
  if (result.status === "rate_limited") {
    return json(
      { errors: {}, values, formError: t("error.rateLimited") },
      { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds) } },
    );
  }
  if (result.status !== "ok") {
    // One message for every failure: it never says whether the email or the password was wrong.
    return json({ errors: {}, values, formError: t("admin.signIn.thatEmailAndPasswordDon") }, { status: 401 });
  }
  const next = NextSchema.parse(formData.get("next") ?? "/admin");
  const headers = new Headers();
  headers.append("Set-Cookie", result.cookie);
  headers.append("Set-Cookie", result.deviceCookie);
  return redirect(next, { status: 303, headers });
}

export default function StaffSignIn() {
  const { csrf, next } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="narrow panel">
      <h1>{t("admin.signIn.staffSignIn")}</h1>
      <Form method="post" noValidate>
        <ErrorSummary formError={actionData?.formError} errors={actionData?.errors} labels={{}} />
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="next" value={next} />
        <TextField
          name="email"
          label={t("admin.signIn.email")}
          type="email"
          autoComplete="username"
          required
          errors={actionData?.errors}
          values={actionData?.values ?? {}}
        />
        <div className="field">
          <label htmlFor="password">{t("admin.signIn.password")}</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <FormActions>
          <Button disabled={busy}>{busy ? t("admin.signIn.signingIn") : t("admin.signIn.signIn")}</Button>
        </FormActions>
      </Form>
    </div>
  );
}
