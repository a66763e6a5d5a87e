import { AdminForm } from "~/ui/admin";
import { CheckField, FieldError, SelectField, TextAreaField, TextField } from "~/ui/fields";
import { LIMITS } from "~/validation/fields";

type Errors = Partial<Record<string, string>> | undefined;

export const CAMPAIGN_LABELS = {
  name: "Name",
  slug: "Web address",
  headline: "Headline",
  description: "Description",
  currency: "Currency",
  target: "Target",
  minGift: "Smallest gift",
  maxGift: "Largest gift",
  presetAmounts: "Suggested amounts",
  phone: "Phone number",
  startsOn: "Starts on",
  endsOn: "Ends on",
  isDefault: "Default campaign",
} satisfies Record<string, string>;

/**
 * The campaign editor, for a new campaign and an existing one. Works without JavaScript; the
 * server re-renders it with field errors and every typed value kept.
 */
export function CampaignForm({
  csrf,
  values,
  errors,
  formError,
  currencies,
  currencyLockedTo,
  isDefault,
  timeZone,
  submitLabel,
}: {
  csrf: string;
  values: Record<string, string>;
  errors: Errors;
  formError?: string;
  currencies: readonly string[];
  /** Set when the campaign has gifts: its currency is shown, not offered. */
  currencyLockedTo: string | null;
  /** The campaign is the default now: another has to take over, it cannot just be unticked. */
  isDefault: boolean;
  timeZone: string;
  submitLabel: string;
}) {
  const currency = currencyLockedTo ?? values.currency ?? currencies[0];
  return (
    <AdminForm
      csrf={csrf}
      version={values.version}
      formError={formError}
      errors={errors}
      labels={{
        ...CAMPAIGN_LABELS,
        ...Object.fromEntries(currencies.map((c) => [`presets${c}`, `${CAMPAIGN_LABELS.presetAmounts} (${c})`])),
      }}
      submitLabel={submitLabel}
    >
      <TextField
        name="name"
        label={CAMPAIGN_LABELS.name}
        autoComplete="off"
        required
        maxLength={LIMITS.name}
        errors={errors}
        values={values}
      />
      <TextField
        name="slug"
        label={CAMPAIGN_LABELS.slug}
        hint="The campaign's page is /c/ followed by this, e.g. fighting-fund-2026. Changing it breaks links already shared."
        autoComplete="off"
        required
        maxLength={80}
        errors={errors}
        values={values}
      />
      <TextField
        name="headline"
        label={CAMPAIGN_LABELS.headline}
        autoComplete="off"
        required
        maxLength={200}
        errors={errors}
        values={values}
      />
      <TextAreaField
        name="description"
        label={CAMPAIGN_LABELS.description}
        rows={4}
        maxLength={5000}
        errors={errors}
        values={values}
      />

      <SelectField
        name="currency"
        label={CAMPAIGN_LABELS.currency}
        options={Object.fromEntries(currencies.map((c) => [c, c]))}
        value={currency ?? ""}
        hint="Amounts below are in this currency. It can't change once the campaign has gifts."
        lockedReason={
          currencyLockedTo
            ? `This campaign already has gifts in ${currencyLockedTo}, so its currency can't change. Start a new campaign for another currency.`
            : null
        }
        errors={errors}
      />
      <TextField
        name="target"
        label={`${CAMPAIGN_LABELS.target} (${currency})`}
        hint="Like 250000 or 250000.50; 0 for no target."
        inputMode="decimal"
        autoComplete="off"
        required
        errors={errors}
        values={values}
      />
      <TextField
        name="minGift"
        label={`${CAMPAIGN_LABELS.minGift} (${currency})`}
        inputMode="decimal"
        autoComplete="off"
        required
        errors={errors}
        values={values}
      />
      <TextField
        name="maxGift"
        label={`${CAMPAIGN_LABELS.maxGift} (${currency})`}
        inputMode="decimal"
        autoComplete="off"
        required
        errors={errors}
        values={values}
      />
      <TextField
        name="presetAmounts"
        label={`${CAMPAIGN_LABELS.presetAmounts} (${currency})`}
        hint="Up to 6 amounts offered on the donate form, separated by commas, like 25, 50, 100, 250. No thousands separators. Each must be between the smallest and largest gift."
        autoComplete="off"
        required
        errors={errors}
        values={values}
      />
      {/* The currencies readers may also pay in, each with its own suggested amounts (ADR 050). */}
      <fieldset>
        <legend>Other currencies readers may give in</legend>
        <p className="hint">
          Fill in suggested amounts for each currency this campaign should also take; leave a currency empty not to take
          it. The smallest and largest gift apply in every currency. Gifts count toward the target at what the payment
          processor settles them for in {currency}.
        </p>
        {currencies
          .filter((c) => c !== currency)
          .map((c) => (
            <TextField
              key={c}
              name={`presets${c}`}
              label={`${CAMPAIGN_LABELS.presetAmounts} (${c})`}
              autoComplete="off"
              errors={errors}
              values={values}
            />
          ))}
      </fieldset>
      <TextField
        name="phone"
        label={CAMPAIGN_LABELS.phone}
        hint="The phone line shown on the campaign page. Leave empty for none."
        type="tel"
        autoComplete="off"
        maxLength={LIMITS.phone}
        errors={errors}
        values={values}
      />
      <TextField
        name="startsOn"
        label={CAMPAIGN_LABELS.startsOn}
        hint={`A day in ${timeZone} time.`}
        type="date"
        required
        errors={errors}
        values={values}
      />
      <TextField
        name="endsOn"
        label={CAMPAIGN_LABELS.endsOn}
        hint="The campaign runs to the end of this day. Leave empty for no end."
        type="date"
        errors={errors}
        values={values}
      />

      {isDefault ? (
        <div className="field">
          <input type="hidden" name="isDefault" value="on" />
          <p id="isDefault" className="hint" tabIndex={-1}>
            This is the default campaign: it is on the home page and supporter tiers count toward it. To change that,
            make another campaign the default.
          </p>
          <FieldError id="isDefault-error" message={errors?.isDefault} />
        </div>
      ) : (
        <CheckField
          name="isDefault"
          label="Make this the default campaign"
          hint="The default campaign is on the home page and supporter tiers count toward it. The current default stops being the default."
          checked={values.isDefault === "on"}
          errors={errors}
        />
      )}
    </AdminForm>
  );
}
