import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { getEnv } from "~/env.server";
import { readFormData } from "~/giving/forms.server";
import { retryPath } from "~/giving/retry-path";
import { t } from "~/i18n/t";
import { formatMoney, formatMoneyNamed } from "~/money";
import { completeSimulatedCheckout, getSimulatedCheckout } from "~/payments/simulated.server";
import { postalAddress } from "~/validation/fields";
import { ADDRESS_FIELDS } from "~/ui/address-fields";
import { ErrorSummary, TextField } from "~/ui/fields";

export const meta: MetaFunction = () => [{ title: t("simulated.banner") }];

const IdSchema = z.uuid();

async function requireCheckout(id: string | undefined) {
  if (getEnv().paymentsMode !== "simulated") throw new Response("Not found", { status: 404 });
  const parsed = IdSchema.safeParse(id);
  const checkout = parsed.success ? await getSimulatedCheckout(getDb(), { checkoutId: parsed.data }) : null;
  if (!checkout) throw new Response("Checkout not found", { status: 404 });
  return checkout;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const checkout = await requireCheckout(params.id);
  if (checkout.status === "completed") throw redirect(`/thanks?ref=${checkout.id}`, 303);
  const csrf = await issueCsrfToken(request);
  return json({ checkout, csrf: csrf.token }, { headers: csrf.headers });
}

const OutcomeSchema = z.enum(["pay", "decline"]);

export async function action({ request, params }: ActionFunctionArgs) {
  const checkout = await requireCheckout(params.id);
  const formData = await readFormData(request);
  const values = Object.fromEntries(
    [...formData.entries()].filter(([k, v]) => k !== "csrf" && typeof v === "string"),
  ) as Record<string, string>;
  if (!(await isValidCsrf(request, formData)))
    return json({ errors: {} as Record<string, string>, values, formError: t("error.csrf") }, { status: 403 });
  const outcome = OutcomeSchema.safeParse(formData.get("outcome"));
  if (!outcome.success)
    return json(
      { errors: {} as Record<string, string>, values, formError: t("simulated.chooseOutcome") },
      { status: 400 },
    );
  let address = null;
  if (outcome.data === "pay" && checkout.needsAddress) {
    const parsed = postalAddress({ audience: "supporter" }).safeParse(values);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      return json({ errors, values, formError: t("error.form") }, { status: 400 });
    }
    address = parsed.data;
  }
  await completeSimulatedCheckout(getDb(), { checkoutId: checkout.id, outcome: outcome.data, address });
  return redirect(`/thanks?ref=${checkout.id}`, 303);
}

export default function SimulatedCheckout() {
  const { checkout, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const recurring = checkout.kind === "monthly" || checkout.kind === "tier_monthly";
  const isGift = checkout.kind === "one_off" || checkout.kind === "monthly";
  const amount = formatMoney(checkout.totalMinor, checkout.currency);
  const values = actionData?.values ?? {};
  return (
    <div className="narrow simulated-checkout">
      <p className="test-banner" role="note">
        <strong>{t("simulated.banner")}</strong> — {t("simulated.standsIn")}
      </p>
      <h1>{recurring ? t("simulated.confirmMonthly") : t("simulated.confirm")}</h1>
      <dl className="summary">
        <div>
          <dt>{t("simulated.for")}</dt>
          <dd>{checkout.planName ?? checkout.campaignName}</dd>
        </div>
        {checkout.feeCoverMinor > 0 ? (
          <>
            <div>
              <dt>{t("giftLines.gift")}</dt>
              <dd>{formatMoneyNamed(checkout.amountMinor, checkout.currency)}</dd>
            </div>
            <div>
              <dt>{t("giftLines.feeCover")}</dt>
              <dd>{formatMoneyNamed(checkout.feeCoverMinor, checkout.currency)}</dd>
            </div>
          </>
        ) : null}
        <div>
          <dt>{checkout.feeCoverMinor > 0 ? t("giftLines.total") : t("donate.amount")}</dt>
          <dd>
            {recurring
              ? t("simulated.everyMonth", { amount: `${amount} ${checkout.currency}` })
              : `${amount} ${checkout.currency}`}
          </dd>
        </div>
      </dl>
      {checkout.status === "failed" ? <p className="notice">{t("simulated.declined")}</p> : null}
      <Form method="post" noValidate>
        <input type="hidden" name="csrf" value={csrf} />
        <ErrorSummary
          formError={actionData?.formError}
          errors={actionData?.errors}
          labels={Object.fromEntries(ADDRESS_FIELDS.map((f) => [f.name, f.label]))}
        />
        {checkout.needsAddress ? (
          <fieldset>
            <legend>{t("simulated.addressLegend")}</legend>
            {ADDRESS_FIELDS.map((field) => (
              <TextField
                key={field.name}
                name={field.name}
                label={field.label}
                autoComplete={field.autoComplete}
                defaultValue={checkout.prefillAddress?.[field.name] ?? (field.name === "country" ? "AU" : "")}
                errors={actionData?.errors}
                values={values}
              />
            ))}
          </fieldset>
        ) : null}
        <div className="button-row">
          <button type="submit" name="outcome" value="pay" className="give-button" disabled={busy}>
            {busy
              ? t("simulated.processing")
              : recurring
                ? t("simulated.payMonthly", { amount })
                : t("simulated.pay", { amount })}
          </button>
          <button
            type="submit"
            name="outcome"
            value="decline"
            className="button-secondary"
            disabled={busy}
            formNoValidate
          >
            {t("simulated.decline")}
          </button>
        </div>
      </Form>
      {/* Like Stripe Checkout's back link: the cancel address, which brings a gift's form back filled in (ADR 040). */}
      <p>
        <Link to={isGift ? retryPath(`/c/${checkout.campaignSlug}`, checkout.id) : "/support"}>
          {t("simulated.cancel")}
        </Link>
      </p>
    </div>
  );
}
