import { AdminForm } from "~/ui/admin";
import { CheckField, PerCurrencyFields, SelectField, TextAreaField, TextField } from "~/ui/fields";
import { LIMITS } from "~/validation/fields";
import { t } from "~/i18n/t";

type Errors = Partial<Record<string, string>> | undefined;

export const PLAN_LABELS = {
  code: t("admin.planForm.code"),
  name: t("admin.planForm.name"),
  description: t("admin.planForm.description"),
  benefits: t("admin.planForm.benefits"),
  price: t("admin.planForm.price"),
  currency: t("admin.planForm.currency"),
  tier: t("admin.planForm.tier"),
  billing: t("admin.planForm.billing"),
  active: t("admin.planForm.offered"),
  sortOrder: t("admin.planForm.position"),
  confirmPriceChange: t("admin.planForm.confirmation"),
  nameRu: t("admin.planForm.nameRu"),
  descriptionRu: t("admin.planForm.descriptionRu"),
  benefitsRu: t("admin.planForm.benefitsRu"),
} satisfies Record<string, string>;

const TIER_LABELS: Record<string, string> = {
  digital: t("admin.planForm.digital"),
  print: t("admin.planForm.printPostedAsksForAn"),
};
const BILLING_LABELS: Record<string, string> = {
  monthly: t("admin.planForm.monthly"),
  one_time_year: t("admin.planForm.onePaymentFor12Months"),
};

/** Who is on the plan now, for the price-change warning. Absent for a new plan. */
export type PlanSupporters = { count: number; billing: string; price: string };

/** A choice that is fixed once supporters have chosen the plan. */
function Choice({
  name,
  label,
  options,
  values,
  errors,
  lockedReason,
}: {
  name: string;
  label: string;
  options: Record<string, string>;
  values: Record<string, string>;
  errors: Errors;
  lockedReason: string | null;
}) {
  // Options are never empty; "" only keeps the type honest.
  const value = values[name] ?? Object.keys(options)[0] ?? "";
  return (
    <SelectField
      name={name}
      label={label}
      options={options}
      value={value}
      lockedReason={lockedReason}
      errors={errors}
    />
  );
}

/** The plan editor. The price warning says plainly that current supporters keep their price. */
export function PlanForm({
  csrf,
  values,
  errors,
  formError,
  currencies,
  isNew,
  locked,
  supporters,
  stripe,
  submitLabel,
}: {
  csrf: string;
  values: Record<string, string>;
  errors: Errors;
  formError?: string;
  currencies: readonly string[];
  isNew: boolean;
  /** Supporters have chosen the plan: tier, billing and currency are fixed. */
  locked: boolean;
  supporters: PlanSupporters | null;
  /** Stripe is configured: saving reaches it first. */
  stripe: boolean;
  submitLabel: string;
}) {
  const lockedReason = locked ? t("admin.planForm.supportersHaveChosenThisPlan") : null;
  const currency = values.currency ?? currencies[0];
  const monthly = supporters?.billing === "monthly";
  return (
    <AdminForm
      csrf={csrf}
      version={values.version}
      formError={formError}
      errors={errors}
      labels={{
        ...PLAN_LABELS,
        ...Object.fromEntries(currencies.map((c) => [`price${c}`, `${PLAN_LABELS.price} (${c})`])),
      }}
      submitLabel={submitLabel}
    >
      {isNew ? (
        <TextField
          name="code"
          label={PLAN_LABELS.code}
          hint={t("admin.planForm.lowercaseLettersDigitsAndHyphens")}
          autoComplete="off"
          required
          maxLength={60}
          errors={errors}
          values={values}
        />
      ) : null}
      <TextField
        name="name"
        label={PLAN_LABELS.name}
        autoComplete="off"
        required
        maxLength={LIMITS.name}
        errors={errors}
        values={values}
      />
      <TextAreaField
        name="description"
        label={PLAN_LABELS.description}
        rows={2}
        maxLength={2000}
        errors={errors}
        values={values}
      />
      <TextAreaField
        name="benefits"
        label={PLAN_LABELS.benefits}
        hint={t("admin.planForm.onePerLineAsSupporters")}
        rows={4}
        errors={errors}
        values={values}
      />
      {/* What readers in Russian see instead (app/campaigns/plan-text.ts); empty: the English. */}
      <fieldset>
        <legend>{t("admin.planForm.inRussian")}</legend>
        <p className="hint">{t("admin.planForm.inRussianHint")}</p>
        <TextField
          name="nameRu"
          label={PLAN_LABELS.nameRu}
          lang="ru"
          autoComplete="off"
          maxLength={LIMITS.name}
          errors={errors}
          values={values}
        />
        <TextAreaField
          name="descriptionRu"
          label={PLAN_LABELS.descriptionRu}
          lang="ru"
          rows={2}
          maxLength={2000}
          errors={errors}
          values={values}
        />
        <TextAreaField
          name="benefitsRu"
          label={PLAN_LABELS.benefitsRu}
          lang="ru"
          hint={t("admin.planForm.onePerLineAsSupporters")}
          rows={4}
          errors={errors}
          values={values}
        />
      </fieldset>

      <Choice
        name="currency"
        label={PLAN_LABELS.currency}
        options={Object.fromEntries(currencies.map((c) => [c, c]))}
        values={values}
        errors={errors}
        lockedReason={lockedReason}
      />
      <TextField
        name="price"
        label={`${PLAN_LABELS.price} (${currency})`}
        hint={
          values.billing === "one_time_year"
            ? t("admin.planForm.paidOnceFor12Months")
            : t("admin.planForm.paidEachMonthLike5")
        }
        inputMode="decimal"
        autoComplete="off"
        required
        errors={errors}
        values={values}
      />
      {/* Its price in other currencies, for campaigns that take them (ADR 050); empty = not offered in it. */}
      <PerCurrencyFields
        legend={t("admin.planForm.otherCurrencies")}
        hint={t("admin.planForm.otherCurrenciesHint")}
        currencies={currencies}
        home={currency}
        prefix="price"
        label={PLAN_LABELS.price}
        inputMode="decimal"
        errors={errors}
        values={values}
      />
      {supporters && supporters.count > 0 ? (
        <div className="panel attention field" id="price-change">
          <p>
            <strong>
              {supporters.count}{" "}
              {supporters.count === 1 ? t("admin.planForm.supporterIs") : t("admin.planForm.supportersAre")}{" "}
              {t("admin.planForm.onThisPlanNow")}
              {monthly
                ? t("admin.planForm.payingPriceAMonth", { price: String(supporters.price) })
                : t("admin.planForm.with12MonthsPaidAt", { price: String(supporters.price) })}
            </strong>
          </p>
          <p>
            {monthly
              ? t(stripe ? "admin.planForm.priceChangeMonthlyStripe" : "admin.planForm.priceChangeMonthly", {
                  price: supporters.price,
                })
              : t("admin.planForm.ifYouChangeThePrice")}
          </p>
          <CheckField
            name="confirmPriceChange"
            label={
              monthly
                ? t("admin.planForm.iUnderstandExistingSupportersKeep", { price: String(supporters.price) })
                : t("admin.planForm.iUnderstandTheNewPrice")
            }
            checked={values.confirmPriceChange === "on"}
            errors={errors}
          />
        </div>
      ) : supporters ? (
        <p className="hint">{t("admin.planForm.nobodyIsOnThisPlan")}</p>
      ) : null}
      {stripe ? (
        <p className="hint">
          {t("admin.planForm.stripeIsConnectedSavingSends")}{" "}
          {isNew ? t("admin.planForm.thePlan") : t("admin.planForm.aNewPrice")}{" "}
          {t("admin.planForm.toStripeForNewCheckouts")}
        </p>
      ) : null}

      <Choice
        name="tier"
        label={PLAN_LABELS.tier}
        options={TIER_LABELS}
        values={values}
        errors={errors}
        lockedReason={lockedReason}
      />
      <Choice
        name="billing"
        label={PLAN_LABELS.billing}
        options={BILLING_LABELS}
        values={values}
        errors={errors}
        lockedReason={lockedReason}
      />
      <TextField
        name="sortOrder"
        label={PLAN_LABELS.sortOrder}
        hint={t("admin.planForm.plansAreListedOnThe")}
        inputMode="numeric"
        autoComplete="off"
        errors={errors}
        values={values}
      />
      <CheckField
        name="active"
        label={t("admin.planForm.offerThisPlanOnThe")}
        hint={t("admin.planForm.takingAPlanOffThe")}
        checked={values.active === "on"}
        errors={errors}
      />
    </AdminForm>
  );
}
