import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireSupporter } from "~/http/guards.server";
import { getEnv } from "~/env.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { completeSimulatedCardUpdate } from "~/payments/simulated.server";
import { redirectWithFlash } from "~/http/flash.server";
import { ErrorSummary } from "~/ui/fields";

/**
 * The simulated provider's stand-in for the Stripe Customer Portal (the trailing underscore in the
 * file name keeps it out of /account/card's layout; its address is /account/card/simulated).
 */
export const meta: MetaFunction = () => [
  { title: `${t("account.card.simulated.heading")} — ${t("account.card.simulated.banner")}` },
];

async function requireSimulatedSupporter(request: Request) {
  if (getEnv().paymentsMode !== "simulated") throw new Response("Not found", { status: 404 });
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  return { db, supporterId };
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requireSimulatedSupporter(request);
  const csrf = await issueCsrfToken(request);
  return json({ csrf: csrf.token }, { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } });
}

export async function action({ request }: ActionFunctionArgs) {
  const { db, supporterId } = await requireSimulatedSupporter(request);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) return json({ formError: t("error.csrf") }, { status: 403 });
  await completeSimulatedCardUpdate(db, { supporterId });
  return redirectWithFlash("/account", { key: "flash.card.saved", params: {} });
}

export default function SimulatedCardUpdate() {
  const { csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="narrow panel">
      <p className="test-banner" role="note">
        <strong>{t("account.card.simulated.banner")}</strong>
      </p>
      <h1>{t("account.card.simulated.heading")}</h1>
      <ErrorSummary formError={actionData?.formError} labels={{}} />
      <p>{t("account.card.simulated.body")}</p>
      <Form method="post">
        <input type="hidden" name="csrf" value={csrf} />
        <button type="submit" className="give-button" disabled={busy}>
          {t("account.card.simulated.submit")}
        </button>
      </Form>
      <p>
        <Link to="/account">{t("account.sub.back")}</Link>
      </p>
    </div>
  );
}
