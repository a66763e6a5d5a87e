import { t } from "~/i18n/t";

/**
 * "Give in" (ADR 050): a select and its button belong, through the `form` attribute, to a small
 * GET form (CurrencyForm) placed after the page's own form, so choosing reloads the page in that
 * currency, with or without JavaScript, and nothing of the page's form is sent.
 */
export function CurrencyChooser({
  selectId,
  formId,
  current,
  currencies,
}: {
  selectId: string;
  formId: string;
  current: string;
  currencies: readonly string[];
}) {
  return (
    <div className="field currency-choice">
      <label htmlFor={selectId}>{t("currency.legend")}</label>
      <select id={selectId} name="currency" form={formId} defaultValue={current}>
        {currencies.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <button type="submit" form={formId} className="button-secondary">
        {t("currency.change")}
      </button>
    </div>
  );
}

/** The GET form a CurrencyChooser belongs to: after the page's own form, never inside it. */
export function CurrencyForm({ id, action }: { id: string; action: string }) {
  return <form id={id} method="get" action={action} aria-label={t("currency.legend")} />;
}
