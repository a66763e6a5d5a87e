import { useEffect, useRef, type InputHTMLAttributes, type ReactNode, type TextareaHTMLAttributes } from "react";
import { t } from "~/i18n/t";

/** A form error tied to its field by id, announced with the field. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id}>
      {message}
    </p>
  );
}

export function fieldProps(name: string, errors: Partial<Record<string, string>> | undefined, hintId?: string) {
  const error = errors?.[name];
  const describedBy = [error ? `${name}-error` : null, hintId].filter(Boolean).join(" ");
  return {
    id: name,
    name,
    "aria-invalid": error ? (true as const) : undefined,
    "aria-describedby": describedBy || undefined,
  };
}

/** The list of problems at the top of a form, each linking to its field. */
export function ErrorSummary({
  formError,
  errors,
  labels,
}: {
  formError?: string;
  errors?: Partial<Record<string, string>>;
  labels: Record<string, string>;
}) {
  const entries = Object.entries(errors ?? {}).filter((e): e is [string, string] => Boolean(e[1]));
  const ref = useRef<HTMLDivElement>(null);
  // After a submission with errors, keyboard and screen-reader users land on the list of them.
  useEffect(() => {
    ref.current?.focus();
  }, [formError, errors]);
  if (!formError && entries.length === 0) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={ref}>
      <p>
        <strong>{formError ?? t("form.check")}</strong>
      </p>
      {entries.length > 0 ? (
        <ul>
          {entries.map(([field, message]) => (
            <li key={field}>
              <a href={`#${field === "amount" ? "amount-group" : field}`}>
                {labels[field] ? `${labels[field]}: ` : ""}
                {message}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Hidden from people, visible to form-filling bots. */
export function Honeypot() {
  return (
    <div className="hp" aria-hidden="true">
      <label htmlFor="website">{t("form.honeypot")}</label>
      <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
    </div>
  );
}

export function Hint({ id, children }: { id: string; children: ReactNode }) {
  return (
    <p className="hint" id={id}>
      {children}
    </p>
  );
}

type Errors = Partial<Record<string, string>> | undefined;

/** A labelled text input with its hint and error, keeping what was typed after an error. */
export function TextField({
  name,
  label,
  hint,
  errors,
  values,
  ...input
}: {
  name: string;
  label: string;
  hint?: string;
  errors: Errors;
  values: Record<string, string>;
} & InputHTMLAttributes<HTMLInputElement>) {
  const hintId = hint ? `${name}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <input
        type="text"
        {...input}
        {...fieldProps(name, errors, hintId)}
        defaultValue={values[name] ?? input.defaultValue ?? ""}
      />
      {hint && hintId ? <Hint id={hintId}>{hint}</Hint> : null}
      <FieldError id={`${name}-error`} message={errors?.[name]} />
    </div>
  );
}

/** A labelled textarea with its hint and error, keeping what was typed after an error. */
export function TextAreaField({
  name,
  label,
  hint,
  errors,
  values,
  ...textarea
}: {
  name: string;
  label: string;
  hint?: ReactNode;
  errors: Errors;
  values: Record<string, string>;
} & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const hintId = hint ? `${name}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <textarea {...textarea} {...fieldProps(name, errors, hintId)} defaultValue={values[name] ?? ""} />
      {hint && hintId ? <Hint id={hintId}>{hint}</Hint> : null}
      <FieldError id={`${name}-error`} message={errors?.[name]} />
    </div>
  );
}

/**
 * A labelled choice from a short list, with its hint and error. When `lockedReason` is given the
 * value is shown, not offered, and still posted (a hidden input), with the reason beside it.
 */
export function SelectField({
  name,
  label,
  options,
  hint,
  errors,
  value,
  lockedReason,
}: {
  name: string;
  label: string;
  /** value → the words staff see, in the order offered. */
  options: Record<string, string>;
  hint?: ReactNode;
  errors: Errors;
  value: string;
  lockedReason?: ReactNode;
}) {
  const hintId = hint && !lockedReason ? `${name}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      {lockedReason ? (
        <>
          <input type="hidden" name={name} value={value} />
          <p id={name} className="hint" tabIndex={-1}>
            <strong>{options[value] ?? value}</strong>. {lockedReason}
          </p>
        </>
      ) : (
        <select {...fieldProps(name, errors, hintId)} defaultValue={value}>
          {Object.entries(options).map(([key, text]) => (
            <option key={key} value={key}>
              {text}
            </option>
          ))}
        </select>
      )}
      {hint && hintId ? <Hint id={hintId}>{hint}</Hint> : null}
      <FieldError id={`${name}-error`} message={errors?.[name]} />
    </div>
  );
}

/** A labelled checkbox ("on" when ticked) with its hint and error. */
export function CheckField({
  name,
  label,
  hint,
  errors,
  checked,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  errors: Errors;
  checked: boolean;
}) {
  const hintId = hint ? `${name}-hint` : undefined;
  return (
    <div className="field">
      <div className="check">
        <input type="checkbox" {...fieldProps(name, errors, hintId)} defaultChecked={checked} />
        <label htmlFor={name}>{label}</label>
      </div>
      {hint && hintId ? <Hint id={hintId}>{hint}</Hint> : null}
      <FieldError id={`${name}-error`} message={errors?.[name]} />
    </div>
  );
}

/** Name and email: who a receipt goes to. */
export function ContactFields({ errors, values }: { errors: Errors; values: Record<string, string> }) {
  return (
    <>
      <TextField
        name="name"
        label={t("donate.name")}
        hint={t("donate.nameHint")}
        autoComplete="name"
        maxLength={200}
        errors={errors}
        values={values}
      />
      <TextField
        name="email"
        label={t("donate.email")}
        hint={t("donate.emailHint")}
        type="email"
        autoComplete="email"
        required
        errors={errors}
        values={values}
      />
    </>
  );
}

/**
 * One text field per currency besides the home one (ADR 050): a campaign's suggested amounts, a
 * plan's price. Each is named `${prefix}${currency}` and labelled with its currency.
 */
export function PerCurrencyFields({
  legend,
  hint,
  currencies,
  home,
  prefix,
  label,
  inputMode,
  errors,
  values,
}: {
  legend: string;
  hint: string;
  currencies: readonly string[];
  home: string | undefined;
  prefix: string;
  label: string;
  inputMode?: "decimal";
  errors: Errors;
  values: Record<string, string>;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      <p className="hint">{hint}</p>
      {currencies
        .filter((c) => c !== home)
        .map((c) => (
          <TextField
            key={c}
            name={`${prefix}${c}`}
            label={`${label} (${c})`}
            inputMode={inputMode}
            autoComplete="off"
            errors={errors}
            values={values}
          />
        ))}
    </fieldset>
  );
}
