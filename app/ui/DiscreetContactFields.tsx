import { t } from "~/i18n/t";
import { Hint, TextField } from "./fields";

type Errors = Partial<Record<string, string>> | undefined;

/** What may be sent: the value the form posts, the input's id, its label. */
const EMAIL_CHOICES = [
  ["all", "emailAll", "discreet.emailAll"],
  ["noLink", "noAccountLink", "discreet.noAccountLink"],
  ["none", "noEmail", "discreet.noEmail"],
] as const;

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
        {EMAIL_CHOICES.map(([value, id, label]) => (
          <div className="check" key={value}>
            <input type="radio" id={id} name="emailChoice" value={value} defaultChecked={choice === value} />
            <label htmlFor={id}>{t(label)}</label>
          </div>
        ))}
      </fieldset>
    </>
  );
}
