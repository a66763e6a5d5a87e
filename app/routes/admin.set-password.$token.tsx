import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { hitRateLimit } from "~/auth/rate-limit.server";
import {
  inspectStaffPasswordLink,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  SetStaffPasswordFormSchema,
  setStaffPasswordWithLink,
  STAFF_SET_PASSWORD_LIMIT,
} from "~/auth/staff-auth.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { Button, FormActions, LinkButton } from "~/ui/admin";
import { ErrorSummary, FieldError, fieldProps, Hint } from "~/ui/fields";

export const meta: MetaFunction = () => [
  { title: t("admin.setPasswordToken.chooseYourPassword") },
  { name: "robots", content: "noindex" },
];

// The token is in the address: keep it out of caches and of Referer headers.
const PRIVATE_HEADERS = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };

export const headers = ({ loaderHeaders }: { loaderHeaders: Headers }) => loaderHeaders;

/** The link is the credential: reachable without a session. Opening it (GET) uses nothing up. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const link = await inspectStaffPasswordLink(getDb(), params.token ?? "");
  const csrf = await issueCsrfToken(request);
  const headers = { ...csrf.headers, ...PRIVATE_HEADERS };
  // Lengths travel with the page: a .server module's constants are not in the browser bundle.
  const lengths = { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH };
  if (link.state !== "valid")
    return json(
      { state: "invalid" as const, purpose: null, name: null, lengths, csrf: csrf.token },
      { status: 410, headers },
    );
  return json(
    { state: "valid" as const, purpose: link.purpose, name: link.name, lengths, csrf: csrf.token },
    { headers },
  );
}

const LABELS = {
  password: t("admin.setPasswordToken.newPassword"),
  confirmation: t("admin.setPasswordToken.typeItAgain"),
};

type ActionData = { state?: "invalid"; errors?: Partial<Record<string, string>>; formError?: string };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const db = getDb();
  // Before anything else: each guess at a token costs a hit.
  if (!(await hitRateLimit(db, STAFF_SET_PASSWORD_LIMIT, String(context.clientAddress ?? "unknown")))) {
    return json<ActionData>({ formError: t("error.rateLimited") }, { status: 429, headers: PRIVATE_HEADERS });
  }
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json<ActionData>({ formError: t("error.csrf") }, { status: 403, headers: PRIVATE_HEADERS });
  const token = params.token ?? "";
  if ((await inspectStaffPasswordLink(db, token)).state !== "valid")
    return json<ActionData>({ state: "invalid" }, { status: 410, headers: PRIVATE_HEADERS });
  const parsed = SetStaffPasswordFormSchema.safeParse({
    password: formData.get("password") ?? "",
    confirmation: formData.get("confirmation") ?? "",
  });
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
    return json<ActionData>({ errors }, { status: 400, headers: PRIVATE_HEADERS });
  }
  const result = await setStaffPasswordWithLink(db, { token, password: parsed.data.password });
  // Used by a racing request, or the account was disabled, since the check above.
  if (result.status !== "ok") return json<ActionData>({ state: "invalid" }, { status: 410, headers: PRIVATE_HEADERS });
  // They have just proved they hold the link and chosen a password: signed straight in.
  return redirect("/admin?password=set", { status: 303, headers: { "Set-Cookie": result.cookie } });
}

function PasswordField({
  name,
  label,
  hint,
  maxLength,
  errors,
}: {
  name: "password" | "confirmation";
  label: string;
  hint?: string;
  maxLength: number;
  errors?: Partial<Record<string, string>>;
}) {
  const hintId = hint ? `${name}-hint` : undefined;
  // A password is never sent back to the page: after an error both fields start empty.
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <input
        type="password"
        autoComplete="new-password"
        required
        maxLength={maxLength}
        {...fieldProps(name, errors, hintId)}
        defaultValue=""
      />
      {hint && hintId ? <Hint id={hintId}>{hint}</Hint> : null}
      <FieldError id={`${name}-error`} message={errors?.[name]} />
    </div>
  );
}

export default function SetPassword() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const busy = useNavigation().state !== "idle";
  if (data.state !== "valid" || actionData?.state === "invalid") {
    return (
      <div className="narrow panel">
        <h1>{t("admin.setPasswordToken.thisLinkCanTBe")}</h1>
        <p>{t("admin.setPasswordToken.setPasswordLinksWorkOnce")}</p>
        <p>
          <LinkButton to="/admin/sign-in">{t("admin.setPasswordToken.goToStaffSignIn")}</LinkButton>
        </p>
      </div>
    );
  }
  return (
    <div className="narrow panel">
      <h1>
        {data.purpose === "invite"
          ? t("admin.setPasswordToken.welcomeName", { name: String(data.name) })
          : t("admin.setPasswordToken.setANewPassword")}
      </h1>
      <p>
        {data.purpose === "invite"
          ? t("admin.setPasswordToken.chooseThePasswordYouWill")
          : t("admin.setPasswordToken.chooseANewPasswordAny")}
      </p>
      <Form method="post" noValidate>
        <ErrorSummary formError={actionData?.formError} errors={actionData?.errors} labels={LABELS} />
        <input type="hidden" name="csrf" value={data.csrf} />
        <PasswordField
          name="password"
          label={LABELS.password}
          hint={t("admin.setPasswordToken.minToMaxCharactersA", {
            min: String(data.lengths.min),
            max: String(data.lengths.max),
          })}
          maxLength={data.lengths.max}
          errors={actionData?.errors}
        />
        <PasswordField
          name="confirmation"
          label={LABELS.confirmation}
          maxLength={data.lengths.max}
          errors={actionData?.errors}
        />
        <FormActions>
          <Button disabled={busy}>
            {busy ? t("admin.setPasswordToken.saving") : t("admin.setPasswordToken.savePasswordAndSignIn")}
          </Button>
        </FormActions>
      </Form>
    </div>
  );
}
