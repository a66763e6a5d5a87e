import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { getDb } from "@db/client.server";
import type { MessageKey } from "~/i18n/en";
import { t } from "~/i18n/t";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { consumeLoginLink, inspectLoginLink, startSupporterSession } from "~/auth/supporter-auth.server";
import { readFormData } from "~/giving/forms.server";
import { hasLangCookie, langCookie } from "~/i18n/request-locale.server";
import { supporterLocale } from "~/supporters/locale.server";
import { confirmEmailChange } from "~/supporters/profile.server";

export const meta: MetaFunction = () => [{ title: t("signIn.short") }, { name: "robots", content: "noindex" }];

/**
 * Opening a link (GET) changes nothing: mail scanners follow links before people do. The
 * token is used up only by the Continue button's POST.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const link = await inspectLoginLink(getDb(), params.token ?? "");
  const csrf = await issueCsrfToken(request);
  return json(
    {
      state: link.state,
      purpose: link.state === "valid" ? link.purpose : null,
      newEmail: link.state === "valid" ? link.newEmail : null,
      csrf: csrf.token,
    },
    { headers: { ...csrf.headers, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) throw redirect(`/account/auth/${params.token ?? ""}`, 303);
  const db = getDb();
  const link = await consumeLoginLink(db, params.token ?? "");
  if (link.state !== "valid") return json({ state: link.state }, { status: 410 });
  if (link.purpose === "email_change" && link.newEmail) {
    const outcome = await confirmEmailChange(db, { supporterId: link.supporterId, newEmail: link.newEmail });
    if (outcome === "taken") return json({ state: "taken" as const }, { status: 409 });
  }
  const cookie = await startSupporterSession(db, link.supporterId);
  const headers = new Headers({ "Set-Cookie": cookie });
  // A browser with no language chosen yet takes the one the supporter keeps (ADR 049).
  if (!hasLangCookie(request)) headers.append("Set-Cookie", langCookie(await supporterLocale(db, link.supporterId)));
  return redirect(link.purpose === "email_change" ? "/account/profile?email=changed" : "/account", {
    status: 303,
    headers,
  });
}

const MESSAGES = {
  invalid: "link.invalid",
  expired: "link.expired",
  used: "link.used",
  taken: "link.taken",
} as const satisfies Record<string, MessageKey>;

export default function AuthLink() {
  const data = useLoaderData<typeof loader>();
  const failed = useActionData<typeof action>();
  const state = failed?.state ?? data.state;
  if (state !== "valid") {
    return (
      <div className="narrow panel">
        <h1>{t("link.unusable")}</h1>
        <p>{t(MESSAGES[state])}</p>
        <p>
          <Link to="/account/sign-in" className="button-secondary">
            {t("link.newLink")}
          </Link>
        </p>
      </div>
    );
  }
  return (
    <div className="narrow panel">
      <h1>{data.purpose === "email_change" ? t("link.confirmEmail") : t("signIn.title")}</h1>
      {data.purpose === "email_change" && data.newEmail ? (
        <p>{t("link.useFromNow", { email: data.newEmail })}</p>
      ) : (
        <p>{t("link.pressContinue")}</p>
      )}
      <Form method="post">
        <input type="hidden" name="csrf" value={data.csrf} />
        <button type="submit" className="give-button">
          {t("link.continue")}
        </button>
      </Form>
    </div>
  );
}
