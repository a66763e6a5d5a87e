import { useEffect, useRef } from "react";
import { t } from "~/i18n/t";
import { CurrencyChooser, CurrencyForm } from "./CurrencyChooser";
import { formatMoney } from "~/money";
import { enhanceDonateForm } from "./donate-form-enhancements";
import { DiscreetContactFields } from "./DiscreetContactFields";
import { ContactFields, ErrorSummary, FieldError, fieldProps, Hint, Honeypot, TextAreaField } from "./fields";
import { ProofOfWorkStatus } from "./ProofOfWork";
import type { PowChallenge } from "./ProofOfWorkSolver";

export type DonateFormProps = {
  action: string;
  csrf: string;
  campaign: {
    name: string;
    currency: string;
    /** Every currency the campaign takes (ADR 050); a chooser appears when there are several. */
    currencies?: readonly string[];
    minGiftMinor: number;
    maxGiftMinor: number;
    presets: { amountMinor: number; feeMinor: number }[];
    /** What the organisation says about tax on gifts (its settings); null: nothing said. */
    taxNote?: string | null;
    /** Discreet giving (ADR 051): email only, no name or wall message, and a choice about email. */
    discreet?: boolean;
  };
  fee: { percentBps: number; fixedMinor: number };
  /** The form as the reader left it at a declined or abandoned payment (ADR 040). */
  initialValues?: Record<string, string>;
  /** A frequency and amount chosen by a link: preselected, with no notice. */
  chosen?: Record<string, string>;
  actionData?: {
    errors: Partial<Record<string, string>>;
    values: Record<string, string>;
    formError?: string;
    challenge?: PowChallenge;
  };
};

/** The fields' names in the list of problems, in the page's language. */
const labels = (): Record<string, string> => ({
  frequency: t("form.label.frequency"),
  amount: t("donate.amount"),
  customAmount: t("form.label.customAmount"),
  name: t("form.label.name"),
  email: t("donate.email"),
  message: t("form.label.message"),
  currency: t("form.label.currency"),
});

/**
 * The donate form, complete without JavaScript: a plain POST, and the submit button's and fee
 * label's wording follow the radios through CSS :has() rules. It is never hydrated (ADR 019):
 * donate-form-enhancements.ts adds the rest (exact wording for a typed amount, the browser check
 * past the checkout limits) from what is marked here with data attributes. It runs from the
 * page's own script, or from the effect below when React renders the form in the browser.
 */
export function DonateForm({ action, csrf, campaign, fee, actionData, initialValues, chosen }: DonateFormProps) {
  const values = actionData?.values ?? initialValues ?? chosen ?? {};
  const errors = actionData?.errors;
  const challenge = actionData?.challenge;
  const defaultPreset = campaign.presets[1]?.amountMinor ?? campaign.presets[0]?.amountMinor;
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => (form.current ? enhanceDonateForm(form.current) : undefined), []);

  const money = (minor: number) => formatMoney(minor, campaign.currency);
  // The wording for a typed amount, with "{amount}" for the script to fill in.
  const amountTemplate = (key: "donate.submitOnce" | "donate.submitMonthly" | "donate.coverFees") =>
    key === "donate.coverFees" ? t(key, { fee: "{amount}" }) : t(key, { amount: "{amount}" });

  // CSS that makes the button and fee label follow the radio buttons.
  const labelRules = campaign.presets
    .map((p) => `.donate-form:has(#amount-${p.amountMinor}:checked) .for-${p.amountMinor}{display:inline}`)
    .concat(`.donate-form:has(#amount-custom:checked) .for-custom{display:inline}`)
    .join("\n");

  const currencies = campaign.currencies ?? [campaign.currency];
  return (
    <>
      <form
        ref={form}
        method="post"
        action={action}
        className="donate-form"
        noValidate
        aria-labelledby="donate-heading"
        data-currency={campaign.currency}
        data-fee-percent-bps={fee.percentBps}
        data-fee-fixed-minor={fee.fixedMinor}
        data-pow-challenge={challenge?.challenge}
        data-pow-difficulty={challenge?.difficulty}
      >
        <h2 id="donate-heading">{t("donate.heading", { campaign: campaign.name })}</h2>
        <style>{labelRules}</style>
        {currencies.length > 1 ? (
          // Belongs to the small GET form after this one (the `form` attribute): choosing reloads
          // the page with that currency's amounts, with or without JavaScript (ADR 050).
          <CurrencyChooser
            selectId="currency-choice"
            formId="currency-form"
            current={campaign.currency}
            currencies={currencies}
          />
        ) : null}
        <ErrorSummary formError={actionData?.formError} errors={errors} labels={labels()} />
        {initialValues && !actionData ? (
          <p className="notice retry-notice" role="status">
            {t("donate.retryKept")}
          </p>
        ) : null}
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="currency" value={campaign.currency} />
        {/* Without JavaScript, past the checkout limits, a wait instead of the browser check (ADR 045); the page's script disables it. */}
        <input type="hidden" name="nojs" value="1" data-nojs="" />
        <Honeypot />
        {errors?.currency ? <FieldError id="currency-error" message={errors.currency} /> : null}

        <fieldset className="segmented" aria-describedby={errors?.frequency ? "frequency-error" : undefined}>
          <legend>{t("donate.frequency")}</legend>
          {(["once", "monthly"] as const).map((value) => (
            <label key={value} className="segment">
              <input
                type="radio"
                name="frequency"
                id={`frequency-${value}`}
                value={value}
                defaultChecked={(values.frequency ?? "once") === value}
              />
              <span>{t(value === "once" ? "donate.once" : "donate.monthly")}</span>
            </label>
          ))}
          <FieldError id="frequency-error" message={errors?.frequency} />
        </fieldset>

        <fieldset
          id="amount-group"
          className="amounts"
          tabIndex={-1}
          aria-describedby={errors?.amount ? "amount-error" : undefined}
        >
          <legend>{t("donate.amount")}</legend>
          <div className="amount-options">
            {campaign.presets.map((p) => (
              <label key={p.amountMinor} className="amount-option">
                <input
                  type="radio"
                  name="amount"
                  id={`amount-${p.amountMinor}`}
                  value={p.amountMinor}
                  defaultChecked={(values.amount ?? String(defaultPreset)) === String(p.amountMinor)}
                />
                <span>{money(p.amountMinor)}</span>
              </label>
            ))}
            <label className="amount-option">
              <input
                type="radio"
                name="amount"
                id="amount-custom"
                value="custom"
                defaultChecked={values.amount === "custom"}
              />
              <span>{t("donate.otherAmount")}</span>
            </label>
          </div>
          <FieldError id="amount-error" message={errors?.amount} />
          <div className="field custom-amount">
            <label htmlFor="customAmount">{t("donate.customAmount", { currency: campaign.currency })}</label>
            <input
              {...fieldProps("customAmount", errors, "customAmount-hint")}
              type="text"
              inputMode="decimal"
              autoComplete="off"
              defaultValue={values.customAmount ?? ""}
            />
            <Hint id="customAmount-hint">
              {t("donate.customHint", { min: money(campaign.minGiftMinor), max: money(campaign.maxGiftMinor) })}
            </Hint>
            <FieldError id="customAmount-error" message={errors?.customAmount} />
          </div>
        </fieldset>

        {campaign.discreet ? <DiscreetContactFields errors={errors} values={values} /> : null}
        {campaign.discreet ? null : <ContactFields errors={errors} values={values} />}
        {campaign.discreet ? null : (
          <>
            <TextAreaField
              name="message"
              label={t("donate.message")}
              rows={3}
              maxLength={500}
              errors={errors}
              values={values}
            />
            {/* How the wall of solidarity signs the message (ADR 043); "anonymous" keeps its old meaning. */}
            <fieldset className="wall-choice" aria-describedby="wall-hint">
              <legend>{t("donate.wallLegend")}</legend>
              <Hint id="wall-hint">{t("donate.wallHint")}</Hint>
              <div className="check">
                <input
                  type="radio"
                  id="wallName"
                  name="anonymous"
                  value="name"
                  defaultChecked={values.anonymous !== "on"}
                />
                <label htmlFor="wallName">{t("donate.wallName")}</label>
              </div>
              <div className="check">
                <input
                  type="radio"
                  id="anonymous"
                  name="anonymous"
                  value="on"
                  defaultChecked={values.anonymous === "on"}
                />
                <label htmlFor="anonymous">{t("donate.anonymous")}</label>
              </div>
              <div className="check">
                <input type="checkbox" id="showAmount" name="showAmount" defaultChecked={values.showAmount === "on"} />
                <label htmlFor="showAmount">{t("donate.showAmount")}</label>
              </div>
            </fieldset>
          </>
        )}
        <div className="check">
          <input type="checkbox" id="coverFees" name="coverFees" defaultChecked={values.coverFees === "on"} />
          <label htmlFor="coverFees">
            {campaign.presets.map((p) => (
              <span key={p.amountMinor} className={`pick for-${p.amountMinor}`}>
                {t("donate.coverFees", { fee: money(p.feeMinor) })}
              </span>
            ))}
            <span
              className="pick for-custom"
              data-amount-template={amountTemplate("donate.coverFees")}
              data-amount-of="fee"
            >
              {t("donate.coverFeesCustom", { percent: fee.percentBps / 100, fixed: money(fee.fixedMinor) })}
            </span>
          </label>
        </div>

        {challenge ? <ProofOfWorkStatus hidden /> : null}
        <button type="submit" className="give-button" aria-live="polite">
          {/* The total the reader pays: with the card fees once they tick to cover them (ADR 040). */}
          <span className="choice-label">
            {(["once", "monthly"] as const).map((f) => {
              const key = f === "monthly" ? "donate.submitMonthly" : "donate.submitOnce";
              return (
                <span key={f} className={`when-${f}`}>
                  {campaign.presets.map((p) => (
                    <span key={p.amountMinor} className={`pick for-${p.amountMinor}`}>
                      <span className="fees-off">{t(key, { amount: money(p.amountMinor) })}</span>
                      <span className="fees-on">{t(key, { amount: money(p.amountMinor + p.feeMinor) })}</span>
                    </span>
                  ))}
                  <span className="pick for-custom">
                    <span className="fees-off" data-amount-template={amountTemplate(key)}>
                      {t(key, { amount: t("donate.yourAmount") })}
                    </span>
                    <span className="fees-on" data-amount-template={amountTemplate(key)} data-amount-of="total">
                      {t(f === "monthly" ? "donate.submitMonthlyCustomCovered" : "donate.submitOnceCustomCovered")}
                    </span>
                  </span>
                </span>
              );
            })}
          </span>
          <span className="submitting-label">{t("form.takingYouToPayment")}</span>
        </button>
        {/* Trust where people give (ADR 040): what happens to their details, and the tax status. */}
        <p className="give-trust">
          <a href="/privacy">{t("donate.privacyLink")}</a>
        </p>
        {campaign.taxNote ? <p className="give-trust hint">{campaign.taxNote}</p> : null}
      </form>
      {currencies.length > 1 ? <CurrencyForm id="currency-form" action={action.replace(/\?index$/, "")} /> : null}
    </>
  );
}
