import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireSupporter } from "~/http/guards.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { getCardOnFile } from "~/supporters/cards.server";
import { startCardUpdate } from "~/supporters/subscription-changes.server";
import { redirectWithFlash } from "~/http/flash.server";
import { ErrorSummary } from "~/ui/fields";

export const meta: MetaFunction = () => [{ title: t("account.card.heading") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  // Back from the provider's card page: said once, on the overview, which shows the card.
  if (new URL(request.url).searchParams.get("returned") === "1")
    throw await redirectWithFlash("/account", { key: "flash.card.returned", params: {} });
  const [card, csrf] = await Promise.all([getCardOnFile(db, { supporterId }), issueCsrfToken(request)]);
  return json({ card, csrf: csrf.token }, { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } });
}

/** Off to the provider's card page (Stripe Customer Portal, or the simulated one). */
export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) return json({ formError: t("error.csrf") }, { status: 403 });
  const started = await startCardUpdate(db, { supporterId });
  if (!started.ok) return json({ formError: started.formError }, { status: 503 });
  return redirect(started.url, 303);
}

export default function CardRoute() {
  const { card, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="narrow panel">
      <h1>{t("account.card.heading")}</h1>
      <ErrorSummary formError={actionData?.formError} labels={{}} />
      <p>
        {card
          ? t("account.card.current", {
              brand: card.brand ?? t("account.card"),
              last4: card.last4 ?? "",
              expiry: `${String(card.expMonth ?? "").padStart(2, "0")}/${card.expYear ?? ""}`,
            })
          : t("account.card.none")}
      </p>
      <p>{t("account.card.body")}</p>
      <Form method="post">
        <input type="hidden" name="csrf" value={csrf} />
        <button type="submit" className="give-button" disabled={busy}>
          {t("account.card.submit")}
        </button>
      </Form>
      <p>
        <Link to="/account">{t("account.sub.back")}</Link>
      </p>
    </div>
  );
}
