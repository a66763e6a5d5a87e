import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction, SerializeFrom } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useState, type ReactNode } from "react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { formatDate } from "~/dates";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireSupporter } from "~/http/guards.server";
import { statusFor } from "~/http/status";
import { readFormData, type FieldErrors, type FormValues } from "~/giving/forms.server";
import type { MessageKey } from "~/i18n/en";
import { activeIntlLocale } from "~/i18n/active";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { redirectWithFlash, type Flash } from "~/http/flash.server";
import {
  getSubscriptionPage,
  parseSubscriptionChangeForm,
  submitSubscriptionChange,
  type ChangeOutcome,
} from "~/supporters/subscription-changes.server";
import { ErrorSummary, FieldError, fieldProps, Hint, TextField } from "~/ui/fields";
import { RowId } from "~/ids";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? data.subscription.what : t("account.title") },
];

const ParamsSchema = z.object({ id: RowId });

async function requireOwnedId(request: Request, params: LoaderFunctionArgs["params"]) {
  const db = getDb();
  const { supporterId } = await requireSupporter(db, request);
  const parsed = ParamsSchema.safeParse(params);
  if (!parsed.success) throw new Response("Not found", { status: 404 });
  return { db, supporterId, subscriptionId: parsed.data.id };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, supporterId, subscriptionId } = await requireOwnedId(request, params);
  const subscription = await getSubscriptionPage(db, { supporterId, subscriptionId });
  // Someone else's subscription and no subscription look the same.
  if (!subscription) throw new Response("Not found", { status: 404 });
  const csrf = await issueCsrfToken(request);
  const confirmCancel = new URL(request.url).searchParams.get("confirm") === "cancel" && subscription.canChange;
  return json(
    { subscription, confirmCancel, csrf: csrf.token },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

type ActionData = {
  intent: string | null;
  errors: FieldErrors;
  values: FormValues;
  formError: string;
  needsAddress?: boolean;
};

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, supporterId, subscriptionId } = await requireOwnedId(request, params);
  const formData = await readFormData(request);
  const intent = typeof formData.get("intent") === "string" ? String(formData.get("intent")).slice(0, 20) : null;
  if (!(await isValidCsrf(request, formData)))
    return json<ActionData>({ intent, errors: {}, values: {}, formError: t("error.csrf") }, { status: 403 });
  const parsed = parseSubscriptionChangeForm(formData);
  if (!parsed.ok)
    return json<ActionData>(
      { intent, errors: parsed.errors, values: parsed.values, formError: parsed.formError },
      { status: 400 },
    );
  const outcome = await submitSubscriptionChange(db, { supporterId, subscriptionId }, parsed.value);
  if (outcome.ok) {
    const flash = flashFor(outcome);
    const to = outcome.paymentPageUrl ?? `/account/subscriptions/${subscriptionId}`;
    return flash ? redirectWithFlash(to, flash) : redirect(to, 303);
  }
  if (outcome.error === "not_found") throw new Response("Not found", { status: 404 });
  return json<ActionData>(
    {
      intent,
      errors: outcome.errors,
      values: parsed.values,
      formError: outcome.formError,
      needsAddress: outcome.needsAddress,
    },
    { status: statusFor(outcome.error) },
  );
}

/** What the page says after the redirect; a move to a payment page says nothing yet (nothing changed). */
function flashFor(outcome: Extract<ChangeOutcome, { ok: true }>): Flash | null {
  if (!outcome.confirmed)
    return outcome.change === "year" || outcome.change === "restart" ? null : { key: "flash.pending", params: {} };
  const amount = outcome.now ? formatMoney(outcome.now.amountMinor, outcome.now.currency) : "";
  switch (outcome.change) {
    case "amount":
      return { key: "flash.amount", params: { amount } };
    case "tier":
      return { key: "flash.tier", params: { plan: outcome.now?.planName ?? "" } };
    case "pause":
    case "resume":
    case "cancel":
    case "keep":
      return { key: `flash.${outcome.change}`, params: {} };
    case "year":
    case "restart":
      return null;
  }
}

const STATUS_KEYS: Record<string, MessageKey> = {
  active: "account.sub.status.active",
  trialing: "account.sub.status.active",
  past_due: "account.sub.status.past_due",
  unpaid: "account.sub.status.unpaid",
  canceled: "account.sub.status.canceled",
  incomplete_expired: "account.sub.status.canceled",
  incomplete: "account.sub.status.incomplete",
  paused: "account.sub.status.paused",
};

const labels = () => ({
  monthlyAmount: t("sub.label.amount"),
  plan: t("account.sub.tier.heading"),
  months: t("account.sub.pause.label"),
  reason: t("sub.label.reason"),
});

const dateFormatter = (timeZone: string) => (iso: string | null) => (iso ? formatDate(iso, timeZone) : null);

/** "3 Jan 2027, 3 Feb 2027 and 3 Mar 2027" */
function joinDates(dates: string[]): string {
  // The language's own list ("A, B and C"; "A, B и C").
  return new Intl.ListFormat(activeIntlLocale(), { type: "conjunction" }).format(dates);
}

/** True once, after a change the page was waiting for is confirmed (JavaScript only; without it the reload shows the new state). */
function useJustConfirmed(updating: boolean) {
  // What the previous render saw, kept in state (React's pattern for reacting to a changed prop).
  const [was, setWas] = useState(updating);
  const [confirmed, setConfirmed] = useState(false);
  if (was !== updating) {
    setWas(updating);
    setConfirmed(was && !updating);
  }
  return confirmed;
}

export default function SubscriptionRoute() {
  const { subscription: sub, confirmCancel, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!sub.updating) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [sub.updating, revalidator]);
  const justConfirmed = useJustConfirmed(sub.updating);
  const date = dateFormatter(sub.timeZone);
  const amount = formatMoney(sub.amountMinor, sub.currency);
  const base = `/account/subscriptions/${sub.id}`;

  return (
    <div className="account-page account-subscription">
      <p className="no-print">
        <Link to="/account">{t("account.sub.back")}</Link>
      </p>
      <h1>{sub.what}</h1>
      <dl className="summary panel">
        <div>
          <dt>{t("account.sub.amount")}</dt>
          <dd>{t("account.sub.perMonth", { amount, currency: sub.currency })}</dd>
        </div>
        <div>
          <dt>{t("account.sub.status")}</dt>
          <dd>{t(STATUS_KEYS[sub.status] ?? "account.sub.status.active")}</dd>
        </div>
        {sub.paused ? (
          <>
            <div>
              <dt>{t("account.sub.pausedUntil")}</dt>
              <dd>{date(sub.pausedUntil)}</dd>
            </div>
            <div>
              <dt>{t("account.sub.paused.skipped")}</dt>
              <dd>
                <ul className="paused-dates">
                  {sub.paused.skipped.map((d) => (
                    <li key={d}>{date(d)}</li>
                  ))}
                </ul>
              </dd>
            </div>
            <div>
              <dt>{t("account.sub.paused.resumesOn")}</dt>
              <dd>{date(sub.paused.resumesOn)}</dd>
            </div>
          </>
        ) : sub.pausedUntil ? (
          <div>
            <dt>{t("account.sub.pausedUntil")}</dt>
            <dd>{date(sub.pausedUntil)}</dd>
          </div>
        ) : sub.endsAt ? (
          <div>
            <dt>{t("account.sub.endsOn")}</dt>
            <dd>{date(sub.endsAt)}</dd>
          </div>
        ) : sub.nextPaymentAt ? (
          <div>
            <dt>{t("account.sub.nextPayment")}</dt>
            <dd>{date(sub.nextPaymentAt)}</dd>
          </div>
        ) : null}
      </dl>

      {sub.updating ? (
        <p className="notice-updating" role="status" aria-live="polite">
          {/* Without JavaScript, the page reloads itself until the change is confirmed. */}
          <noscript>
            <meta httpEquiv="refresh" content="3" />
          </noscript>
          <span className="spinner" aria-hidden="true" /> {t("account.sub.updating")}
        </p>
      ) : justConfirmed ? (
        <p className="notice-done" role="status">
          {t("account.sub.confirmed")}
        </p>
      ) : null}

      {actionData ? (
        <ErrorSummary formError={actionData.formError} errors={actionData.errors} labels={labels()} />
      ) : null}

      {sub.status === "past_due" ? (
        <Form method="post" action="/account/card" className="panel attention">
          <p>{t("account.sub.pastDue")}</p>
          <input type="hidden" name="csrf" value={csrf} />
          <button type="submit" className="give-button">
            {t("account.sub.fixPayment")}
          </button>
        </Form>
      ) : null}

      {sub.status === "canceled" || sub.status === "incomplete_expired" ? (
        <p className="panel">{t("account.sub.ended")}</p>
      ) : sub.replacedByYearUntil && sub.endsAt ? (
        <p className="panel">
          {t("account.sub.replacedByYear", {
            date: date(sub.endsAt) ?? "",
            until: date(sub.replacedByYearUntil) ?? "",
          })}
        </p>
      ) : sub.endsAt && !sub.updating ? (
        <p className="panel">{t("account.sub.ending", { date: date(sub.endsAt) ?? "" })}</p>
      ) : null}

      {sub.canKeep ? (
        <ChangeForm action={base} csrf={csrf} intent="keep" heading={t("account.sub.keep.heading")}>
          <p>
            {sub.endsAt
              ? t("account.sub.keep.body", { date: date(sub.endsAt) ?? "" })
              : t("account.sub.keep.bodyUnknown")}
          </p>
          <SubmitButton>{t("account.sub.keep.submit")}</SubmitButton>
        </ChangeForm>
      ) : null}

      {sub.runningAgainId ? (
        <p className="panel">
          {t("account.sub.restart.running")}{" "}
          <Link to={`/account/subscriptions/${sub.runningAgainId}`}>{t("account.sub.restart.runningLink")}</Link>
        </p>
      ) : null}

      {sub.restart ? (
        <ChangeForm action={base} csrf={csrf} intent="restart" heading={t("account.sub.restart.heading")}>
          <p>
            {t("account.sub.restart.body", {
              what: sub.restart.what,
              amount: formatMoney(sub.restart.amountMinor, sub.currency),
            })}
          </p>
          <SubmitButton>{t("account.sub.restart.submit")}</SubmitButton>
        </ChangeForm>
      ) : null}

      {sub.canChange ? (
        confirmCancel ? (
          <CancelConfirmation sub={sub} csrf={csrf} base={base} actionData={actionData} date={date} />
        ) : (
          <>
            {sub.amountBounds ? (
              <AmountForm
                sub={sub}
                csrf={csrf}
                action={base}
                actionData={actionData}
                heading={t("account.sub.amount.heading")}
              />
            ) : null}
            {sub.otherTier ? (
              <TierForm
                sub={sub}
                csrf={csrf}
                action={base}
                actionData={actionData}
                heading={t("account.sub.tier.heading")}
              />
            ) : null}
            {sub.yearPlan ? (
              <ChangeForm action={base} csrf={csrf} intent="year" heading={t("account.sub.year.heading")}>
                <p>
                  {t("account.sub.year.body", {
                    amount: formatMoney(sub.yearPlan.amountMinor, sub.currency),
                    plan: sub.yearPlan.name,
                  })}
                </p>
                <SubmitButton>
                  {t("account.sub.year.submit", { amount: formatMoney(sub.yearPlan.amountMinor, sub.currency) })}
                </SubmitButton>
              </ChangeForm>
            ) : null}
            {sub.pausedUntil ? (
              <ChangeForm action={base} csrf={csrf} intent="resume" heading={t("account.sub.pause.heading")}>
                <p>{t("account.sub.resume.body", { date: date(sub.pausedUntil) ?? "" })}</p>
                <SubmitButton>{t("account.sub.resume.submit")}</SubmitButton>
              </ChangeForm>
            ) : (
              <PauseForm
                sub={sub}
                date={date}
                csrf={csrf}
                action={base}
                actionData={actionData}
                heading={t("account.sub.pause.heading")}
              />
            )}
            <p className="panel">
              <Link to={`${base}?confirm=cancel`} className="button-secondary">
                {t("account.sub.cancel.link")}
              </Link>
            </p>
          </>
        )
      ) : null}
    </div>
  );
}

type SubscriptionPage = SerializeFrom<typeof loader>["subscription"];
type FormProps = { csrf: string; action: string; actionData: ActionData | undefined; heading: string };
type SubProps = { sub: SubscriptionPage };

/** Only the form that was sent shows its field messages. */
const errorsFor = (actionData: ActionData | undefined, intent: string) =>
  actionData?.intent === intent ? actionData.errors : undefined;

function SubmitButton({ children, secondary }: { children: ReactNode; secondary?: boolean }) {
  const busy = useNavigation().state !== "idle";
  return (
    <button type="submit" className={secondary ? "button-secondary" : "give-button"} disabled={busy}>
      {children}
    </button>
  );
}

function ChangeForm({
  action,
  csrf,
  intent,
  heading,
  children,
  id,
}: {
  action: string;
  csrf: string;
  intent: string;
  heading: string;
  children: ReactNode;
  id?: string;
}) {
  const headingId = `${intent}-heading`;
  return (
    <section className="panel change-section" aria-labelledby={headingId} id={id}>
      <h2 id={headingId}>{heading}</h2>
      <Form method="post" action={action} noValidate>
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="intent" value={intent} />
        {children}
      </Form>
    </section>
  );
}

function AmountForm({ sub, csrf, action, actionData, heading }: FormProps & SubProps) {
  const bounds = sub.amountBounds!;
  return (
    <ChangeForm action={action} csrf={csrf} intent="amount" heading={heading}>
      <TextField
        name="monthlyAmount"
        label={t("account.sub.amount.label", { currency: sub.currency })}
        hint={t("account.sub.amount.hint", {
          min: formatMoney(bounds.minMinor, sub.currency),
          max: formatMoney(bounds.maxMinor, sub.currency),
        })}
        inputMode="decimal"
        autoComplete="off"
        errors={errorsFor(actionData, "amount")}
        values={actionData?.intent === "amount" ? actionData.values : {}}
      />
      <SubmitButton>{t("account.sub.amount.submit")}</SubmitButton>
    </ChangeForm>
  );
}

function TierForm({ sub, csrf, action, actionData, heading }: FormProps & SubProps) {
  const other = sub.otherTier!;
  const errors = errorsFor(actionData, "tier");
  const needsAddress = other.tier === "print" && !sub.hasPostalAddress;
  return (
    <ChangeForm action={action} csrf={csrf} intent="tier" heading={heading} id="plan">
      <input type="hidden" name="plan" value={other.code} />
      <p className="hint" id="plan-hint">
        {t("account.sub.tier.hint")}
      </p>
      <FieldError id="plan-error" message={errors?.plan} />
      {needsAddress ? (
        <p>
          <Link to="/account/profile">{t("account.sub.tier.addAddress")}</Link>
        </p>
      ) : null}
      <SubmitButton secondary>
        {t("account.sub.tier.submit", { plan: other.name, amount: formatMoney(other.amountMinor, sub.currency) })}
      </SubmitButton>
    </ChangeForm>
  );
}

/**
 * Each length says which payments it skips and when they start again, before anything is
 * confirmed: in its option (without JavaScript too) and, for the one chosen, in full below.
 */
function PauseForm({
  sub,
  date,
  csrf,
  action,
  actionData,
  heading,
}: FormProps & SubProps & { date: (iso: string | null) => string | null }) {
  const errors = errorsFor(actionData, "pause");
  const initial = (actionData?.intent === "pause" ? actionData.values.months : undefined) ?? "1";
  const [chosen, setChosen] = useState(initial);
  const describe = (option: SubscriptionPage["pauseOptions"][number]) =>
    t("account.sub.pause.skips", {
      count: option.skipped.length,
      dates: joinDates(option.skipped.map((d) => date(d) ?? "")),
      date: date(option.resumesOn) ?? "",
    });
  const selected = sub.pauseOptions.find((o) => String(o.months) === chosen);
  return (
    <ChangeForm action={action} csrf={csrf} intent="pause" heading={heading}>
      <div className="field">
        <label htmlFor="months">{t("account.sub.pause.label")}</label>
        <select
          {...fieldProps("months", errors, "months-dates months-hint")}
          defaultValue={initial}
          onChange={(event) => setChosen(event.target.value)}
          className="wide-select"
        >
          {sub.pauseOptions.map((option) => (
            <option key={option.months} value={option.months}>
              {`${t("account.sub.pause.option", { count: option.months })} — ${describe(option)}`}
            </option>
          ))}
        </select>
        {selected ? (
          <p className="hint" id="months-dates" aria-live="polite">
            {describe(selected)}
          </p>
        ) : null}
        <Hint id="months-hint">{t("account.sub.pause.hint")}</Hint>
        <FieldError id="months-error" message={errors?.months} />
      </div>
      <SubmitButton secondary>{t("account.sub.pause.submit")}</SubmitButton>
    </ChangeForm>
  );
}

/** Cancelling takes two steps; the first offers what costs less than leaving. */
function CancelConfirmation({
  sub,
  csrf,
  base,
  actionData,
  date,
}: {
  sub: SubscriptionPage;
  csrf: string;
  base: string;
  actionData: ActionData | undefined;
  date: (iso: string | null) => string | null;
}) {
  const here = `${base}?confirm=cancel`;
  const errors = errorsFor(actionData, "cancel");
  const until = date(sub.nextPaymentAt ?? sub.endsAt);
  return (
    <>
      <section className="panel" aria-labelledby="before-heading">
        <h2 id="before-heading">{t("account.sub.cancel.heading")}</h2>
        <p>{t("account.sub.cancel.intro")}</p>
      </section>
      {sub.amountBounds ? (
        <AmountForm
          sub={sub}
          csrf={csrf}
          action={here}
          actionData={actionData}
          heading={t("account.sub.cancel.lower")}
        />
      ) : null}
      {sub.otherTier?.tier === "digital" ? (
        <TierForm
          sub={sub}
          csrf={csrf}
          action={here}
          actionData={actionData}
          heading={t("account.sub.cancel.digital")}
        />
      ) : null}
      {sub.pausedUntil ? null : (
        <PauseForm
          sub={sub}
          date={date}
          csrf={csrf}
          action={here}
          actionData={actionData}
          heading={t("account.sub.cancel.pause")}
        />
      )}
      <ChangeForm action={here} csrf={csrf} intent="cancel" heading={t("account.sub.cancel.confirmHeading")}>
        <p>{until ? t("account.sub.cancel.when", { date: until }) : t("account.sub.cancel.whenUnknown")}</p>
        <div className="field">
          <label htmlFor="reason">{t("account.sub.cancel.reason")}</label>
          <textarea
            {...fieldProps("reason", errors, "reason-hint")}
            rows={3}
            maxLength={500}
            defaultValue={actionData?.intent === "cancel" ? (actionData.values.reason ?? "") : ""}
          />
          <Hint id="reason-hint">{t("account.sub.cancel.reasonHint")}</Hint>
          <FieldError id="reason-error" message={errors?.reason} />
        </div>
        <div className="button-row">
          <SubmitButton secondary>{t("account.sub.cancel.submit")}</SubmitButton>
          <Link to={base} className="give-button">
            {t("account.sub.cancel.keep")}
          </Link>
        </div>
      </ChangeForm>
    </>
  );
}
