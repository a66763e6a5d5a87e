import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { readFormData } from "~/giving/forms.server";
import { activeIntlLocale } from "~/i18n/active";
import { t } from "~/i18n/t";
import { describeError, logger } from "~/log.server";
import { formatMoney } from "~/money";
import { findPledgeByToken, startPledgeCheckout, type PayablePledge } from "~/pledges/pledges.server";

export const meta: MetaFunction = () => [{ title: t("pledge.complete") }, { name: "robots", content: "noindex" }];

// The token is the only key to this page: never cached, never sent on as a referrer.
const PRIVATE = { "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer" };

export async function loader({ request, params }: LoaderFunctionArgs) {
  const found = await findPledgeByToken(getDb(), params.token ?? "");
  const csrf = await issueCsrfToken(request);
  return json(
    { pledge: found?.view ?? null, csrf: csrf.token },
    { status: found ? 200 : 404, headers: { ...csrf.headers, ...PRIVATE } },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json({ formError: t("error.csrf") }, { status: 403, headers: PRIVATE });
  let started;
  try {
    started = await startPledgeCheckout(getDb(), { token: params.token ?? "" });
  } catch (error) {
    logger.error({ err: describeError(error) }, "pledge checkout could not start");
    return json({ formError: t("error.provider") }, { status: 502, headers: PRIVATE });
  }
  if (started.status === "unavailable") {
    return json(
      { formError: started.view ? unavailableMessage(started.view) : t("pledge.invalidShort") },
      { status: started.view ? 410 : 404, headers: PRIVATE },
    );
  }
  return redirect(started.url, { status: 303, headers: PRIVATE });
}

function unavailableMessage(pledge: PayablePledge): string {
  switch (pledge.status) {
    case "paid":
      return t("pledge.paid");
    case "cancelled":
      return t("pledge.cancelled");
    case "expired":
      return t("pledge.expired");
    default:
      return "";
  }
}

const formatExpiry = (iso: string) =>
  new Intl.DateTimeFormat(activeIntlLocale(), { dateStyle: "long", timeZone: "Australia/Melbourne" }).format(
    new Date(iso),
  );

export default function PayPledge() {
  const { pledge, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  if (!pledge) {
    return (
      <div className="narrow">
        <h1>{t("pledge.invalidHeading")}</h1>
        <p>{t("pledge.invalid")}</p>
      </div>
    );
  }
  const amount = formatMoney(pledge.amountMinor, pledge.currency);
  return (
    <div className="narrow">
      <h1>{pledge.status === "pending" ? t("pledge.complete") : t("pledge.yours")}</h1>
      <dl className="summary">
        <div>
          <dt>{t("simulated.for")}</dt>
          <dd>{pledge.description}</dd>
        </div>
        <div>
          <dt>{t("donate.amount")}</dt>
          <dd>
            {amount} {pledge.currency}
          </dd>
        </div>
        {pledge.donorName ? (
          <div>
            <dt>{t("pledge.by")}</dt>
            <dd>{pledge.donorName}</dd>
          </div>
        ) : null}
      </dl>
      {pledge.status === "pending" ? (
        <>
          {pledge.expiresAt ? <p>{t("pledge.worksUntil", { date: formatExpiry(pledge.expiresAt) })}</p> : null}
          {actionData?.formError ? (
            <p className="error-summary" role="alert">
              {actionData.formError}
            </p>
          ) : null}
          <Form method="post">
            <input type="hidden" name="csrf" value={csrf} />
            <button type="submit" className="button" disabled={busy}>
              {busy ? t("pledge.opening") : t("pledge.pay", { amount })}
            </button>
          </Form>
          <p className="hint">{t("pledge.hint")}</p>
        </>
      ) : (
        <p role="status">{unavailableMessage(pledge)}</p>
      )}
    </div>
  );
}
