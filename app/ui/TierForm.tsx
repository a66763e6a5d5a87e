import { Form, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { t } from "~/i18n/t";
import { CurrencyChooser, CurrencyForm } from "./CurrencyChooser";
import { formatMoney } from "~/money";
import { ContactFields, ErrorSummary, FieldError, Honeypot } from "./fields";
import { useHydrated } from "./use-hydrated";

type PlanView = {
  code: string;
  name: string;
  description: string;
  benefits: string[];
  amountMinor: number;
  currency: string;
  billing: "monthly" | "one_time_year";
  tier: "digital" | "print";
};

export type TierFormProps = {
  csrf: string;
  plans: PlanView[];
  /** The currency the plans are shown and paid in, among those the campaign takes (ADR 050). */
  currency?: string;
  currencies?: readonly string[];
  actionData?: { errors: Partial<Record<string, string>>; values: Record<string, string>; formError?: string };
};

const submitLabel = (plan: PlanView) =>
  t(plan.billing === "monthly" ? "support.submitMonthly" : "support.submitOnce", {
    amount: formatMoney(plan.amountMinor, plan.currency),
  });

export function TierForm({ csrf, plans, actionData, currency, currencies = [] }: TierFormProps) {
  const values = actionData?.values ?? {};
  const errors = actionData?.errors;
  const navigation = useNavigation();
  const submitting = navigation.state !== "idle" && navigation.formAction === "/support";
  const hydrated = useHydrated();
  const [chosen, setChosen] = useState(values.plan ?? plans[0]?.code);
  const chosenPlan = plans.find((p) => p.code === chosen) ?? plans[0];
  const rules = plans.map((p) => `.tier-form:has(#plan-${p.code}:checked) .for-${p.code}{display:inline}`).join("\n");
  const groups = [
    { billing: "monthly" as const, heading: t("donate.monthly") },
    { billing: "one_time_year" as const, heading: t("support.yearHeading") },
  ];

  return (
    <>
      <Form method="post" action="/support" className="tier-form" noValidate>
        {!hydrated ? <style>{rules}</style> : null}
        <ErrorSummary
          formError={actionData?.formError}
          errors={errors}
          labels={{ plan: t("form.label.plan"), name: t("form.label.name"), email: t("donate.email") }}
        />
        <input type="hidden" name="csrf" value={csrf} />
        {currency ? <input type="hidden" name="currency" value={currency} /> : null}
        {currency && currencies.length > 1 ? (
          // Belongs to the GET form after this one: choosing reloads the tiers in that currency (ADR 050).
          <CurrencyChooser
            selectId="tier-currency"
            formId="tier-currency-form"
            current={currency}
            currencies={currencies}
          />
        ) : null}
        {/* Until React runs, the form is sent without JavaScript: past the limits, a wait instead of the browser check (ADR 045). */}
        {!hydrated ? <input type="hidden" name="nojs" value="1" /> : null}
        <Honeypot />
        <fieldset id="plan" tabIndex={-1} aria-describedby={errors?.plan ? "plan-error" : undefined}>
          <legend>{t("support.choose")}</legend>
          {groups.map((group) => (
            <div key={group.billing} className="tier-group">
              <h2>{group.heading}</h2>
              <div className="tier-cards">
                {plans
                  .filter((p) => p.billing === group.billing)
                  .map((plan) => (
                    <label key={plan.code} className="tier-card">
                      <input
                        type="radio"
                        name="plan"
                        id={`plan-${plan.code}`}
                        value={plan.code}
                        defaultChecked={(values.plan ?? plans[0]?.code) === plan.code}
                        onChange={() => setChosen(plan.code)}
                      />
                      <span className="tier-name">{plan.name}</span>
                      <span className="tier-price">
                        {plan.billing === "monthly"
                          ? t("support.monthly", { amount: formatMoney(plan.amountMinor, plan.currency) })
                          : t("support.oneTime", { amount: formatMoney(plan.amountMinor, plan.currency) })}
                      </span>
                      <span className="tier-benefits">{plan.benefits.join(" · ")}</span>
                    </label>
                  ))}
              </div>
            </div>
          ))}
          <FieldError id="plan-error" message={errors?.plan} />
        </fieldset>
        <p className="hint" id="print-note">
          {t("support.printNote")}
        </p>
        <ContactFields errors={errors} values={values} />
        <button type="submit" className="give-button" disabled={submitting}>
          {submitting
            ? t("form.takingYouToPayment")
            : hydrated && chosenPlan
              ? submitLabel(chosenPlan)
              : plans.map((p) => (
                  <span key={p.code} className={`pick for-${p.code}`}>
                    {submitLabel(p)}
                  </span>
                ))}
        </button>
        {/* What happens to the supporter's details, next to the button that sends them (ADR 040). */}
        <p className="give-trust">
          <a href="/privacy">{t("donate.privacyLink")}</a>
        </p>
      </Form>
      {currency && currencies.length > 1 ? <CurrencyForm id="tier-currency-form" action="/support" /> : null}
    </>
  );
}
