import { AdminForm } from "~/ui/admin";
import { CheckField, SelectField, TextAreaField, TextField } from "~/ui/fields";
import { LIMITS } from "~/validation/fields";

type Errors = Partial<Record<string, string>> | undefined;

export const PLAN_LABELS = {
  code: "Code",
  name: "Name",
  description: "Description",
  benefits: "Benefits",
  price: "Price",
  currency: "Currency",
  tier: "Tier",
  billing: "Billing",
  active: "Offered",
  sortOrder: "Position",
  confirmPriceChange: "Confirmation",
} satisfies Record<string, string>;

const TIER_LABELS: Record<string, string> = { digital: "Digital", print: "Print (posted; asks for an address)" };
const BILLING_LABELS: Record<string, string> = { monthly: "Monthly", one_time_year: "One payment for 12 months" };

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
  const lockedReason = locked
    ? "Supporters have chosen this plan, so this can't change: make a new plan instead."
    : null;
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
          hint="Lowercase letters, digits and hyphens, like digital-monthly. It names the plan to Stripe and can't change later."
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
        hint="One per line, as supporters see them on the support page."
        rows={4}
        errors={errors}
        values={values}
      />

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
            ? "Paid once for 12 months, like 55 or 55.50."
            : "Paid each month, like 5 or 5.50."
        }
        inputMode="decimal"
        autoComplete="off"
        required
        errors={errors}
        values={values}
      />
      {/* Its price in other currencies, for campaigns that take them (ADR 050); empty = not offered in it. */}
      <fieldset>
        <legend>Prices in other currencies</legend>
        <p className="hint">
          Readers of a campaign that takes another currency see and pay this price in it. Leave a currency empty not to
          offer the plan in it. Saving updates the plan&apos;s Stripe price.
        </p>
        {currencies
          .filter((c) => c !== currency)
          .map((c) => (
            <TextField
              key={c}
              name={`price${c}`}
              label={`${PLAN_LABELS.price} (${c})`}
              inputMode="decimal"
              autoComplete="off"
              errors={errors}
              values={values}
            />
          ))}
      </fieldset>
      {supporters && supporters.count > 0 ? (
        <div className="panel attention field" id="price-change">
          <p>
            <strong>
              {supporters.count} {supporters.count === 1 ? "supporter is" : "supporters are"} on this plan now
              {monthly ? `, paying ${supporters.price} a month.` : `, with 12 months paid at ${supporters.price}.`}
            </strong>
          </p>
          <p>
            {monthly
              ? `If you change the price, they keep paying ${supporters.price}: each subscription holds its own amount${stripe ? " and its own Stripe Price, which this does not touch" : ""}. Only new supporters pay the new price.`
              : "If you change the price, nothing changes for them: they have paid already. Only new supporters, and anyone who renews, pay the new price."}
          </p>
          <CheckField
            name="confirmPriceChange"
            label={
              monthly
                ? `I understand existing supporters keep paying ${supporters.price} and only new supporters pay the new price`
                : "I understand the new price is for new supporters only"
            }
            checked={values.confirmPriceChange === "on"}
            errors={errors}
          />
        </div>
      ) : supporters ? (
        <p className="hint">Nobody is on this plan now: a new price applies to everyone who chooses it from now on.</p>
      ) : null}
      {stripe ? (
        <p className="hint">
          Stripe is connected: saving sends {isNew ? "the plan" : "a new price"} to Stripe for new checkouts first, and
          never changes existing Stripe subscriptions. If Stripe refuses, nothing is saved.
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
        hint="Plans are listed on the support page from the lowest number up."
        inputMode="numeric"
        autoComplete="off"
        errors={errors}
        values={values}
      />
      <CheckField
        name="active"
        label="Offer this plan on the support page"
        hint="Taking a plan off the support page never cancels anyone: current supporters carry on as they are."
        checked={values.active === "on"}
        errors={errors}
      />
    </AdminForm>
  );
}
