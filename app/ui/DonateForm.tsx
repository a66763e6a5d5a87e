import { Form, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { t } from "~/i18n/t";
import { estimateCardFee, formatMoney, parseMoney } from "~/money";
import { ContactFields, ErrorSummary, FieldError, fieldProps, Hint, Honeypot, TextAreaField } from "./fields";
import { ProofOfWork } from "./ProofOfWork";
import type { PowChallenge } from "./ProofOfWorkSolver";

export type DonateFormProps = {
  action: string;
  csrf: string;
  campaign: {
    name: string;
    currency: string;
    minGiftMinor: number;
    maxGiftMinor: number;
    presets: { amountMinor: number; feeMinor: number }[];
  };
  fee: { percentBps: number; fixedMinor: number };
  actionData?: { errors: Partial<Record<string, string>>; values: Record<string, string>; formError?: string; challenge?: PowChallenge };
};

const LABELS: Record<string, string> = {
  frequency: "How often",
  amount: "Amount",
  customAmount: "Your amount",
  name: "Name",
  email: "Email",
  message: "Message",
  currency: "Currency",
};

/**
 * The donate form. Without JavaScript it is a plain POST, and the submit button's wording still
 * follows the choices through CSS :has() rules; with JavaScript the button states the exact sum.
 */
export function DonateForm({ action, csrf, campaign, fee, actionData }: DonateFormProps) {
  const values = actionData?.values ?? {};
  const errors = actionData?.errors;
  const navigation = useNavigation();
  const submitting = navigation.state !== "idle" && navigation.formAction === action;
  const defaultPreset = campaign.presets[1]?.amountMinor ?? campaign.presets[0]?.amountMinor;

  const [hydrated, setHydrated] = useState(false);
  const [frequency, setFrequency] = useState(values.frequency === "monthly" ? "monthly" : "once");
  const [amountChoice, setAmountChoice] = useState(values.amount ?? String(defaultPreset));
  const [customAmount, setCustomAmount] = useState(values.customAmount ?? "");
  useEffect(() => setHydrated(true), []);

  const money = (minor: number) => formatMoney(minor, campaign.currency);
  const chosenMinor = (() => {
    if (amountChoice !== "custom") return Number(amountChoice);
    const parsed = parseMoney(customAmount, campaign.currency);
    return parsed.ok ? parsed.amountMinor : null;
  })();
  const submitKey = frequency === "monthly" ? "donate.submitMonthly" : "donate.submitOnce";
  const exactLabel = t(submitKey, { amount: chosenMinor ? money(chosenMinor) : t("donate.yourAmount") });
  const feeLabel = chosenMinor
    ? t("donate.coverFees", { fee: money(estimateCardFee(chosenMinor, fee)) })
    : t("donate.coverFeesCustom", { percent: fee.percentBps / 100, fixed: money(fee.fixedMinor) });

  // CSS that makes the no-JS button and fee label follow the radio buttons.
  const labelRules = campaign.presets
    .map((p) => `.donate-form:has(#amount-${p.amountMinor}:checked) .for-${p.amountMinor}{display:inline}`)
    .concat(`.donate-form:has(#amount-custom:checked) .for-custom{display:inline}`)
    .join("\n");

  return (
    <Form method="post" action={action} className="donate-form" noValidate aria-labelledby="donate-heading">
      <h2 id="donate-heading">{t("donate.heading", { campaign: campaign.name })}</h2>
      {!hydrated ? <style>{labelRules}</style> : null}
      {/* With JavaScript, a challenge is solved rather than explained (ProofOfWork shows progress). */}
      <ErrorSummary formError={hydrated && actionData?.challenge ? undefined : actionData?.formError} errors={errors} labels={LABELS} />
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="currency" value={campaign.currency} />
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
              onChange={() => setFrequency(value)}
            />
            <span>{t(value === "once" ? "donate.once" : "donate.monthly")}</span>
          </label>
        ))}
        <FieldError id="frequency-error" message={errors?.frequency} />
      </fieldset>

      <fieldset id="amount-group" className="amounts" tabIndex={-1} aria-describedby={errors?.amount ? "amount-error" : undefined}>
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
                onChange={() => {
                  setAmountChoice(String(p.amountMinor));
                  // A preset replaces whatever was typed as "Other".
                  const custom = document.getElementById("customAmount") as HTMLInputElement | null;
                  if (custom) custom.value = "";
                  setCustomAmount("");
                }}
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
              onChange={() => setAmountChoice("custom")}
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
            onChange={(e) => setCustomAmount(e.target.value)}
            onFocus={() => {
              const radio = document.getElementById("amount-custom") as HTMLInputElement | null;
              if (radio && !radio.checked) {
                radio.checked = true;
                setAmountChoice("custom");
              }
            }}
          />
          <Hint id="customAmount-hint">{t("donate.customHint", { min: money(campaign.minGiftMinor), max: money(campaign.maxGiftMinor) })}</Hint>
          <FieldError id="customAmount-error" message={errors?.customAmount} />
        </div>
      </fieldset>

      <ContactFields errors={errors} values={values} />
      <div className="check">
        <input type="checkbox" id="anonymous" name="anonymous" defaultChecked={values.anonymous === "on"} />
        <label htmlFor="anonymous">{t("donate.anonymous")}</label>
      </div>
      <TextAreaField name="message" label={t("donate.message")} rows={3} maxLength={500} errors={errors} values={values} />
      <div className="check">
        <input type="checkbox" id="coverFees" name="coverFees" defaultChecked={values.coverFees === "on"} />
        <label htmlFor="coverFees">
          {hydrated ? (
            feeLabel
          ) : (
            <>
              {campaign.presets.map((p) => (
                <span key={p.amountMinor} className={`pick for-${p.amountMinor}`}>
                  {t("donate.coverFees", { fee: money(p.feeMinor) })}
                </span>
              ))}
              <span className="pick for-custom">{t("donate.coverFeesCustom", { percent: fee.percentBps / 100, fixed: money(fee.fixedMinor) })}</span>
            </>
          )}
        </label>
      </div>

      <ProofOfWork challenge={actionData?.challenge} message={actionData?.formError} />
      <button type="submit" className="give-button" disabled={submitting} aria-live="polite">
        {submitting ? (
          "Taking you to payment…"
        ) : hydrated ? (
          exactLabel
        ) : (
          <>
            {(["once", "monthly"] as const).map((f) => (
              <span key={f} className={`when-${f}`}>
                {campaign.presets.map((p) => (
                  <span key={p.amountMinor} className={`pick for-${p.amountMinor}`}>
                    {t(f === "monthly" ? "donate.submitMonthly" : "donate.submitOnce", { amount: money(p.amountMinor) })}
                  </span>
                ))}
                <span className="pick for-custom">{t(f === "monthly" ? "donate.submitMonthly" : "donate.submitOnce", { amount: t("donate.yourAmount") })}</span>
              </span>
            ))}
          </>
        )}
      </button>
    </Form>
  );
}
