import { t } from "~/i18n/t";
import { Hint, TextField } from "./fields";

type Errors = Partial<Record<string, string>> | undefined;

/**
 * A discreet campaign's details (ADR 051): an email address only (the card processor asks for one
 * anyway), and what may be sent to it: the receipt, the receipt without a sign-in link, or nothing.
 * Plain radio buttons: it works without JavaScript.
 */
export function DiscreetContactFields({ errors, values }: { errors: Errors; values: Record<string, string> }) {
  const choice = values.emailChoice ?? "all";
  return (
    <>
      <TextField
        name="email"
        label={t("donate.email")}
        hint={t("discreet.emailHint")}
        type="email"
        autoComplete="email"
        required
        errors={errors}
        values={values}
      />
      <fieldset className="wall-choice email-choice" aria-describedby="email-choice-hint">
        <legend>{t("discreet.emailLegend")}</legend>
        <Hint id="email-choice-hint">{t("discreet.emailChoiceHint")}</Hint>
        <div className="check">
          <input type="radio" id="emailAll" name="emailChoice" value="all" defaultChecked={choice === "all"} />
          <label htmlFor="emailAll">{t("discreet.emailAll")}</label>
        </div>
        <div className="check">
          <input
            type="radio"
            id="noAccountLink"
            name="emailChoice"
            value="noLink"
            defaultChecked={choice === "noLink"}
          />
          <label htmlFor="noAccountLink">{t("discreet.noAccountLink")}</label>
        </div>
        <div className="check">
          <input type="radio" id="noEmail" name="emailChoice" value="none" defaultChecked={choice === "none"} />
          <label htmlFor="noEmail">{t("discreet.noEmail")}</label>
        </div>
      </fieldset>
    </>
  );
}
