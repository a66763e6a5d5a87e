import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { describeError, logger } from "~/log.server";
import { formatMoney } from "~/money";
import { findPledgeByToken, startPledgeCheckout, type PayablePledge } from "~/pledges/pledges.server";

export const meta: MetaFunction = () => [{ title: "Complete your pledge" }, { name: "robots", content: "noindex" }];

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
      { formError: started.view ? unavailableMessage(started.view) : "This payment link isn't valid." },
      { status: started.view ? 410 : 404, headers: PRIVATE },
    );
  }
  return redirect(started.url, { status: 303, headers: PRIVATE });
}

function unavailableMessage(pledge: PayablePledge): string {
  switch (pledge.status) {
    case "paid":
      return "This pledge has already been paid. Thank you — your receipt was sent by email.";
    case "cancelled":
      return "This pledge was cancelled, so it can't be paid through this link. If that's a mistake, please call us and we'll send a new one.";
    case "expired":
      return "This payment link has expired. Please call us and we'll send you a new one — it only takes a minute.";
    default:
      return "";
  }
}

const dateFormat = new Intl.DateTimeFormat("en-AU", { dateStyle: "long", timeZone: "Australia/Melbourne" });

export default function PayPledge() {
  const { pledge, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  if (!pledge) {
    return (
      <div className="narrow">
        <h1>This payment link isn't valid</h1>
        <p>
          It may have been replaced by a newer link — please use the most recent email we sent you, or call us and we'll
          send a new one.
        </p>
      </div>
    );
  }
  const amount = formatMoney(pledge.amountMinor, pledge.currency);
  return (
    <div className="narrow">
      <h1>{pledge.status === "pending" ? "Complete your pledge" : "Your pledge"}</h1>
      <dl className="summary">
        <div>
          <dt>For</dt>
          <dd>{pledge.description}</dd>
        </div>
        <div>
          <dt>Amount</dt>
          <dd>
            {amount} {pledge.currency}
          </dd>
        </div>
        {pledge.donorName ? (
          <div>
            <dt>Pledged by</dt>
            <dd>{pledge.donorName}</dd>
          </div>
        ) : null}
      </dl>
      {pledge.status === "pending" ? (
        <>
          {pledge.expiresAt ? <p>This link works until {dateFormat.format(new Date(pledge.expiresAt))}.</p> : null}
          {actionData?.formError ? (
            <p className="error-summary" role="alert">
              {actionData.formError}
            </p>
          ) : null}
          <Form method="post">
            <input type="hidden" name="csrf" value={csrf} />
            <button type="submit" className="button" disabled={busy}>
              {busy ? "Opening the secure payment page…" : `Pay ${amount}`}
            </button>
          </Form>
          <p className="hint">You'll be taken to our card processor's secure page to pay.</p>
        </>
      ) : (
        <p role="status">{unavailableMessage(pledge)}</p>
      )}
    </div>
  );
}
