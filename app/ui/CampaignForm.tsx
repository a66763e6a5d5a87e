import { AdminForm } from "~/ui/admin";
import { CheckField, FieldError, PerCurrencyFields, SelectField, TextAreaField, TextField } from "~/ui/fields";
import { t } from "~/i18n/t";
import { DISCREET_ONE_OFF_RETENTION_DAYS } from "~/campaigns/discreet";
import { LIMITS } from "~/validation/fields";
import { DEFAULT_LOCALE, LOCALE_NAMES } from "~/i18n/locales";

type Errors = Partial<Record<string, string>> | undefined;

export const CAMPAIGN_LABELS = {
  name: t("admin.campaignForm.name"),
  slug: t("admin.campaignForm.webAddress"),
  headline: t("admin.campaignForm.headline"),
  description: t("admin.campaignForm.description"),
  currency: t("admin.campaignForm.currency"),
  target: t("admin.campaignForm.target"),
  minGift: t("admin.campaignForm.smallestGift"),
  maxGift: t("admin.campaignForm.largestGift"),
  presetAmounts: t("admin.campaignForm.suggestedAmounts"),
  phone: t("admin.campaignForm.phoneNumber"),
  startsOn: t("admin.campaignForm.startsOn"),
  endsOn: t("admin.campaignForm.endsOn"),
  isDefault: t("admin.campaignForm.defaultCampaign"),
  discreet: t("admin.discreet.discreet"),
  statementDescriptor: t("admin.discreet.descriptor"),
  locale: t("admin.campaignForm.language"),
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
        hint={t("admin.campaignForm.theCampaignSPageIs")}
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
        hint={t("admin.campaignForm.amountsBelowAreInThis")}
        lockedReason={
          currencyLockedTo
            ? t("admin.campaignForm.thisCampaignAlreadyHasGifts", { currencyLockedTo: String(currencyLockedTo) })
            : null
        }
        errors={errors}
      />
      <SelectField
        name="locale"
        label={CAMPAIGN_LABELS.locale}
        options={LOCALE_NAMES}
        value={values.locale ?? DEFAULT_LOCALE}
        hint={t("admin.campaignForm.languageHint")}
        errors={errors}
      />
      <TextField
        name="target"
        label={`${CAMPAIGN_LABELS.target} (${currency})`}
        hint={t("admin.campaignForm.like250000Or25000050")}
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
        hint={t("admin.campaignForm.upTo6AmountsOffered")}
        autoComplete="off"
        required
        errors={errors}
        values={values}
      />
      {/* The currencies readers may also pay in, each with its own suggested amounts (ADR 050). */}
      <PerCurrencyFields
        legend={t("admin.campaignForm.otherCurrencies")}
        hint={t("admin.campaignForm.otherCurrenciesHint", { currency: currency ?? "" })}
        currencies={currencies}
        home={currency}
        prefix="presets"
        label={CAMPAIGN_LABELS.presetAmounts}
        errors={errors}
        values={values}
      />
      <TextField
        name="phone"
        label={CAMPAIGN_LABELS.phone}
        hint={t("admin.campaignForm.thePhoneLineShownOn")}
        type="tel"
        autoComplete="off"
        maxLength={LIMITS.phone}
        errors={errors}
        values={values}
      />
      <TextField
        name="startsOn"
        label={CAMPAIGN_LABELS.startsOn}
        hint={t("admin.campaignForm.aDayInTimezoneTime", { timeZone: String(timeZone) })}
        type="date"
        required
        errors={errors}
        values={values}
      />
      <TextField
        name="endsOn"
        label={CAMPAIGN_LABELS.endsOn}
        hint={t("admin.campaignForm.theCampaignRunsToThe")}
        type="date"
        errors={errors}
        values={values}
      />

      <fieldset className="discreet-settings">
        <legend>{t("admin.discreet.legend")}</legend>
        <CheckField
          name="discreet"
          label={CAMPAIGN_LABELS.discreet}
          hint={t("admin.discreet.discreetHint", { days: DISCREET_ONE_OFF_RETENTION_DAYS })}
          checked={values.discreet === "on"}
          errors={errors}
        />
        <TextField
          name="statementDescriptor"
          label={CAMPAIGN_LABELS.statementDescriptor}
          hint={t("admin.discreet.descriptorHint")}
          autoComplete="off"
          maxLength={22}
          errors={errors}
          values={values}
        />
      </fieldset>

      {isDefault ? (
        <div className="field">
          <input type="hidden" name="isDefault" value="on" />
          <p id="isDefault" className="hint" tabIndex={-1}>
            {t("admin.campaignForm.thisIsTheDefaultCampaign")}
          </p>
          <FieldError id="isDefault-error" message={errors?.isDefault} />
        </div>
      ) : (
        <CheckField
          name="isDefault"
          label={t("admin.campaignForm.makeThisTheDefaultCampaign")}
          hint={t("admin.campaignForm.theDefaultCampaignIsOn")}
          checked={values.isDefault === "on"}
          errors={errors}
        />
      )}
    </AdminForm>
  );
}
