import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { statusFor } from "~/http/status";
import {
  formValues,
  hasNoControlCharacters,
  readFormData,
  zodFieldErrors,
  type FieldErrors,
  type FormValues,
} from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import {
  addStaffNote,
  answerCheckoutDetails,
  CheckoutDetailsFormSchema,
  updateSupporterContact,
  getSupporterForStaff,
  listPositionsQuery,
  NoteSchema,
  parseContactForm,
  parseListPositions,
  resendReceipt,
  type StaffFailure,
  type SupporterList,
} from "~/supporters/admin-supporters.server";
import { cancelSubscription, pauseSubscription, type ChangeFailure } from "~/supporters/subscription-changes.server";
import { ADDRESS_FIELDS } from "~/ui/address-fields";
import { ErrorSummary, TextField } from "~/ui/fields";
import { RowId, rowIdParam } from "~/ids";
import { useOrgTime } from "~/ui/org-time";
import { Button, LinkButton, Notice, SummaryCard, SummaryList } from "~/ui/admin";
import { getSupporterSummary } from "~/supporters/supporter-summary.server";
import { LIMITS } from "~/validation/fields";

// Called only while parsing, on the server: a `.server` import is empty in the browser, where
// this module's schemas are built too.
const withoutControlCharacters = (text: string) => hasNoControlCharacters()(text);

export const meta: MetaFunction = () => [{ title: t("admin.supportersId.supporter") }];

const NoticeSchema = z.object({
  done: z
    .enum([
      "contact",
      "details-accepted",
      "details-ignored",
      "note",
      "resend",
      "cancel",
      "pause",
      "refund",
      "refund-requested",
      "refund-already",
    ])
    .optional()
    .catch(undefined),
});
const NOTICES: Record<string, string> = {
  contact: t("admin.supportersId.contactDetailsSaved"),
  "details-accepted": t("admin.supportersId.theDetailsGivenAtCheckout"),
  "details-ignored": t("admin.supportersId.theDetailsGivenAtCheckout2"),
  note: t("admin.supportersId.noteAdded"),
  resend: t("admin.supportersId.theReceiptIsOnIts"),
  cancel: t("admin.supportersId.theSubscriptionWillEndAt"),
  pause: t("admin.supportersId.collectionIsPaused"),
  refund: t("admin.supportersId.refundRecordedTheSupporterHas"),
  "refund-requested": t("admin.supportersId.refundSentToThePayment"),
  "refund-already": t("admin.refund.done.already"),
};

const supporterId = (params: { id?: string }) => rowIdParam(params.id);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const query = new URL(request.url).searchParams;
  const at = parseListPositions(query);
  const page = await getSupporterForStaff(db, { supporterId: supporterId(params), at });
  if (!page) throw new Response(t("admin.supportersId.notFound"), { status: 404 });
  const csrf = await issueCsrfToken(request);
  const notice = NoticeSchema.parse(Object.fromEntries(query)).done ?? null;
  // `at`: where each list is, so that paging one list keeps the others where they are.
  const positions = listPositionsQuery(at).toString();
  const summary = await getSupporterSummary(db, { supporterId: page.supporter.id });
  // Editing is a view of its own (?edit=1): the page opens with who this person is.
  const edit = query.get("edit") === "1";
  return json(
    { page, summary, edit, positions, isAdmin: staff.role === "admin", csrf: csrf.token, notice },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

const INTENTS = ["contact", "accept-details", "ignore-details", "note", "resend", "cancel", "pause"] as const;
type Intent = (typeof INTENTS)[number];
type ActionData = {
  intent: Intent | null;
  target?: number | null;
  errors: FieldErrors;
  values: FormValues;
  formError?: string;
};

const TargetSchema = z.object({ subscriptionId: RowId });
const PauseSchema = TargetSchema.extend({
  months: z.coerce
    .number({ message: t("admin.supportersId.choose1To6Months") })
    .int(t("admin.supportersId.choose1To6Months"))
    .min(1, t("admin.supportersId.choose1To6Months"))
    .max(6, t("admin.supportersId.choose1To6Months")),
});
const CancelSchema = TargetSchema.extend({
  reason: z
    .string()
    .trim()
    .max(500, t("admin.supportersId.keepTheReasonUnder500"))
    .refine(withoutControlCharacters, t("error.text.control"))
    .optional()
    .transform((v) => v || null),
});
const PaymentSchema = z.object({ paymentId: RowId });

export async function action({ request, params }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const id = supporterId(params);
  const formData = await readFormData(request);
  const intentParse = z.enum(INTENTS).safeParse(formData.get("intent"));
  const intent = intentParse.success ? intentParse.data : null;
  const fail = (status: number, data: Omit<ActionData, "intent">) => json<ActionData>({ intent, ...data }, { status });
  const failWith = (
    f: Pick<StaffFailure | ChangeFailure, "error" | "formError" | "errors">,
    values: FormValues = {},
    target: number | null = null,
  ) => fail(statusFor(f.error), { errors: f.errors, values, formError: f.formError, target });
  // Back to the same pages of each list (a form posts to the page's own URL, query included),
  // except that a new note is shown where new notes are: on the newest page.
  const backTo = (what: keyof typeof NOTICES) => {
    const { notes, ...at } = parseListPositions(new URL(request.url).searchParams);
    const query = listPositionsQuery(what === "note" ? at : { ...at, notes });
    query.set("done", what);
    return `/admin/supporters/${id}?${query}`;
  };
  const done = (what: keyof typeof NOTICES) => redirect(backTo(what), 303);

  if (!(await isValidCsrf(request, formData))) return fail(403, { errors: {}, values: {}, formError: t("error.csrf") });
  if (!intent) return fail(400, { errors: {}, values: {}, formError: t("admin.supportersId.unknownAction") });
  const actor = { type: "staff" as const, id: staff.staffUserId };

  switch (intent) {
    case "contact": {
      const parsed = parseContactForm(formData);
      if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values, formError: t("error.form") });
      const outcome = await updateSupporterContact(db, { staff, supporterId: id, ...parsed.value });
      return outcome.ok ? done("contact") : failWith(outcome, parsed.values);
    }
    case "accept-details":
    case "ignore-details": {
      const parsed = CheckoutDetailsFormSchema.safeParse(formValues(formData, ["detailsToken", "expectedUpdatedAt"]));
      if (!parsed.success)
        return fail(400, { errors: {}, values: {}, formError: t("admin.supportersId.reloadThePageAndTry") });
      const answer = intent === "accept-details" ? "accept" : "ignore";
      const outcome = await answerCheckoutDetails(db, { staff, supporterId: id, answer, ...parsed.data });
      return outcome.ok ? done(answer === "accept" ? "details-accepted" : "details-ignored") : failWith(outcome);
    }
    case "note": {
      const values = formValues(formData, ["body"]);
      const parsed = NoteSchema.safeParse(values);
      if (!parsed.success)
        return fail(400, { errors: zodFieldErrors(parsed.error), values, formError: t("error.form") });
      const outcome = await addStaffNote(db, { staff, supporterId: id, body: parsed.data.body });
      return outcome.ok ? done("note") : failWith(outcome, values);
    }
    case "resend": {
      const parsed = PaymentSchema.safeParse(formValues(formData, ["paymentId"]));
      if (!parsed.success)
        return fail(400, { errors: {}, values: {}, formError: t("admin.supportersId.chooseAPayment") });
      const outcome = await resendReceipt(db, { staff, supporterId: id, paymentId: parsed.data.paymentId });
      return outcome.ok ? done("resend") : failWith(outcome, {}, parsed.data.paymentId);
    }
    case "cancel":
    case "pause": {
      const values = formValues(formData, ["subscriptionId", "months", "reason"]);
      const owner = { supporterId: id, actor };
      if (intent === "pause") {
        const parsed = PauseSchema.safeParse(values);
        if (!parsed.success)
          return fail(400, {
            errors: zodFieldErrors(parsed.error),
            values,
            formError: t("error.form"),
            target: Number(values.subscriptionId) || null,
          });
        const outcome = await pauseSubscription(db, {
          ...owner,
          subscriptionId: parsed.data.subscriptionId,
          months: parsed.data.months,
        });
        return outcome.ok ? redirect(backTo(intent), 303) : failWith(outcome, values, parsed.data.subscriptionId);
      }
      const parsed = CancelSchema.safeParse(values);
      if (!parsed.success)
        return fail(400, {
          errors: zodFieldErrors(parsed.error),
          values,
          formError: t("error.form"),
          target: Number(values.subscriptionId) || null,
        });
      const outcome = await cancelSubscription(db, {
        ...owner,
        subscriptionId: parsed.data.subscriptionId,
        reason: parsed.data.reason,
      });
      return outcome.ok ? redirect(backTo(intent), 303) : failWith(outcome, values, parsed.data.subscriptionId);
    }
  }
}

const CONTACT_LABELS: Record<string, string> = {
  name: t("admin.supportersId.name"),
  email: t("admin.supportersId.email"),
  phone: t("admin.supportersId.phone"),
  ...Object.fromEntries(ADDRESS_FIELDS.map((f) => [f.name, f.label])),
};

/**
 * "Newer …" and "Older …" under a list: plain links (no script needed), to this page with that
 * list moved and the others left where they are, scrolled to the list's heading.
 */
function ListPager({
  supporterId,
  positions,
  list,
  page,
}: {
  supporterId: number;
  positions: string;
  list: SupporterList;
  page: { older: string | null; newer: string | null };
}) {
  if (!page.older && !page.newer) return null;
  const href = (direction: "before" | "after", key: string) => {
    const query = new URLSearchParams(positions);
    query.delete(`${list}_before`);
    query.delete(`${list}_after`);
    query.set(`${list}_${direction}`, key);
    return `/admin/supporters/${supporterId}?${query}#${list}-heading`;
  };
  return (
    <p className="button-row">
      {page.newer ? (
        <Link to={href("after", page.newer)}>
          {t("admin.supportersId.newer")} {list}
        </Link>
      ) : null}
      {page.older ? (
        <Link to={href("before", page.older)}>
          {t("admin.supportersId.older")} {list}
        </Link>
      ) : null}
    </p>
  );
}

export default function SupporterPage() {
  const { dateTime, date } = useOrgTime();
  const fmtDate = (d: string | null) => (d ? date(d) : "");
  const { page, summary, edit, positions, isAdmin, csrf, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { supporter } = page;
  const pager = (list: SupporterList) => (
    <ListPager supporterId={supporter.id} positions={positions} list={list} page={page[list]} />
  );
  const errorsFor = (intent: Intent, target: number | null = null) =>
    actionData && actionData.intent === intent && (target === null || actionData.target === target) ? actionData : null;
  const contact = errorsFor("contact");
  const contactValues: Record<string, string> = contact?.values ?? {
    name: supporter.name,
    email: supporter.email ?? "",
    phone: supporter.phone ?? "",
    line1: supporter.address.line1 ?? "",
    line2: supporter.address.line2 ?? "",
    city: supporter.address.city ?? "",
    state: supporter.address.state ?? "",
    postalCode: supporter.address.postalCode ?? "",
    country: supporter.address.country ?? "",
  };
  const note = errorsFor("note");
  const general =
    actionData &&
    !["contact", "note", "accept-details", "ignore-details"].includes(actionData.intent ?? "") &&
    actionData.target == null
      ? actionData
      : null;
  const detailsAnswer = errorsFor("accept-details") ?? errorsFor("ignore-details");
  const given = page.checkoutDetails;
  const editing = edit || Boolean(contact);
  const money = (minor: number, currency: string) => `${formatMoney(minor, currency)} ${currency}`;
  const addressLine = [
    supporter.address.line1,
    supporter.address.line2,
    supporter.address.city,
    supporter.address.state,
    supporter.address.postalCode,
    supporter.address.country,
  ]
    .filter(Boolean)
    .join(", ");
  const current = [
    ...summary.live.map((l) =>
      t("admin.supportersId.liveLine", {
        plan:
          l.planName ??
          (l.kind === "monthly" ? t("admin.supportersId.monthlyGift") : t("admin.supportersId.supporterTier")),
        amount: money(l.amountMinor, l.currency),
        status: l.status === "past_due" ? t("admin.supportersId.paymentFailing") : l.status,
      }),
    ),
    ...page.entitlements
      .filter((e) => e.source === "one_time")
      .map((e) =>
        t("admin.supportersId.plannameUntilUntil", { planName: String(e.planName), until: String(fmtDate(e.until)) }),
      ),
  ];
  const given_ = summary.totals.filter((x) => x.gifts > 0).map((x) => money(x.gifts, x.currency));
  const paidForTiers = summary.totals.filter((x) => x.subscriptions > 0).map((x) => money(x.subscriptions, x.currency));
  const firstPaid =
    summary.totals
      .map((x) => x.first)
      .filter((x): x is string => Boolean(x))
      .sort()[0] ?? null;
  const flags = [
    ...(summary.paymentFailing ? [t("admin.supportersId.paymentFailingSeeSubscriptionsBelow")] : []),
    ...(summary.receiptsToPost > 0 ? [t("admin.supportersId.receiptsToPrint", { count: summary.receiptsToPost })] : []),
    ...(!supporter.email ? [t("admin.supportersId.noEmailAddress")] : []),
  ];

  return (
    <div className="admin-supporter">
      <p>
        <Link to="/admin/supporters">{t("admin.supportersId.supporters")}</Link>
      </p>
      <h1>{supporter.name || supporter.email || supporter.phone}</h1>
      {notice ? <Notice tone="done">{NOTICES[notice]}</Notice> : null}
      {general?.formError ? <Notice tone="error">{general.formError}</Notice> : null}

      {given || detailsAnswer?.formError ? (
        <section className="panel" aria-labelledby="checkout-details-heading">
          <h2 id="checkout-details-heading">{t("admin.supportersId.detailsGivenAtCheckoutDiffer")}</h2>
          {detailsAnswer?.formError ? <Notice tone="error">{detailsAnswer.formError}</Notice> : null}
          {given ? (
            <>
              <p>
                {t("admin.supportersId.aCheckoutOn")} {dateTime(given.givenAt)}{" "}
                {t("admin.supportersId.withThisSupporterSEmail")}
              </p>
              <div className="table-scroll">
                <table className="admin-table">
                  <thead>
                    <tr>
                      <th scope="col">{t("admin.supportersId.field")}</th>
                      <th scope="col">{t("admin.supportersId.givenAtCheckout")}</th>
                      <th scope="col">{t("admin.supportersId.contactDetailsNow")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {given.name ? (
                      <tr>
                        <th scope="row">{t("admin.supportersId.name")}</th>
                        <td>{given.name.given}</td>
                        <td>{given.name.stored || t("admin.supportersId.none")}</td>
                      </tr>
                    ) : null}
                    {given.phone ? (
                      <tr>
                        <th scope="row">{t("admin.supportersId.phone")}</th>
                        <td>{given.phone.given}</td>
                        <td>{given.phone.stored || t("admin.supportersId.none")}</td>
                      </tr>
                    ) : null}
                    {given.address ? (
                      <tr>
                        <th scope="row">{t("admin.supportersId.postalAddress")}</th>
                        <td>{given.address.given.join(", ")}</td>
                        <td>
                          {given.address.stored.length ? given.address.stored.join(", ") : t("admin.supportersId.none")}
                        </td>
                      </tr>
                    ) : null}
                  </tbody>
                </table>
              </div>
              <div className="button-row">
                <Form method="post">
                  <input type="hidden" name="csrf" value={csrf} />
                  <input type="hidden" name="intent" value="accept-details" />
                  <input type="hidden" name="detailsToken" value={given.token} />
                  <input type="hidden" name="expectedUpdatedAt" value={supporter.version} />
                  <Button compact>{t("admin.supportersId.acceptMakeTheseTheirContact")}</Button>
                </Form>
                <Form method="post">
                  <input type="hidden" name="csrf" value={csrf} />
                  <input type="hidden" name="intent" value="ignore-details" />
                  <input type="hidden" name="detailsToken" value={given.token} />
                  <Button variant="secondary" compact>
                    {t("admin.supportersId.ignoreKeepTheirContactDetails")}
                  </Button>
                </Form>
              </div>
            </>
          ) : null}
        </section>
      ) : null}

      {!editing ? (
        <SummaryCard
          title={t("admin.supportersId.atAGlance")}
          headingId="summary-heading"
          tone={summary.paymentFailing || summary.receiptsToPost > 0 ? "warning" : undefined}
        >
          {flags.length > 0 ? (
            <ul className="admin-flags" aria-label={t("admin.supportersId.needsAttention")}>
              {flags.map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          ) : null}
          <SummaryList
            rows={[
              { label: t("admin.supportersId.name"), value: supporter.name || t("admin.supportersId.noName") },
              {
                label: t("admin.supportersId.email"),
                value: supporter.email ? (
                  <a href={`mailto:${supporter.email}`}>{supporter.email}</a>
                ) : (
                  t("admin.supportersId.noneReceiptsArePosted")
                ),
              },
              {
                label: t("admin.supportersId.phone"),
                value: supporter.phone ? (
                  <a href={`tel:${supporter.phone.replace(/[^\d+]/g, "")}`}>{supporter.phone}</a>
                ) : (
                  t("admin.supportersId.none3")
                ),
              },
              { label: t("admin.supportersId.postalAddress"), value: addressLine || t("admin.supportersId.none3") },
              {
                label: t("admin.supportersId.currentSupport"),
                value: current.length ? current.join("; ") : t("admin.supportersId.noRegularSupportOrSupporter"),
              },
              {
                label: t("admin.supportersId.lifetimeGivenGiftsNetOf"),
                value: given_.length ? given_.join(", ") : t("admin.supportersId.nothingYet"),
              },
              paidForTiers.length
                ? { label: t("admin.supportersId.paidForSupporterSubscriptions"), value: paidForTiers.join(", ") }
                : null,
              firstPaid ? { label: t("admin.supportersId.supporterSince"), value: fmtDate(firstPaid) } : null,
            ]}
          />
          <div className="admin-actions">
            <LinkButton to={`/admin/supporters/${supporter.id}?edit=1`} variant="primary">
              {t("admin.supportersId.editContactDetails")}
            </LinkButton>
          </div>
        </SummaryCard>
      ) : null}

      {editing ? (
        <section className="panel" aria-labelledby="contact-heading">
          <h2 id="contact-heading">{t("admin.supportersId.editContactDetails")}</h2>
          <ErrorSummary formError={contact?.formError} errors={contact?.errors} labels={CONTACT_LABELS} />
          <Form method="post" noValidate>
            <input type="hidden" name="csrf" value={csrf} />
            <input type="hidden" name="intent" value="contact" />
            <input
              type="hidden"
              name="expectedUpdatedAt"
              value={contact?.values.expectedUpdatedAt ?? supporter.version}
            />
            <TextField
              name="name"
              label={t("admin.supportersId.name")}
              autoComplete="off"
              maxLength={LIMITS.name}
              errors={contact?.errors}
              values={contactValues}
            />
            <TextField
              name="email"
              label={t("admin.supportersId.email")}
              hint={t("admin.supportersId.optionalIfYouHaveTheir")}
              type="email"
              autoComplete="off"
              maxLength={LIMITS.email}
              errors={contact?.errors}
              values={contactValues}
            />
            <TextField
              name="phone"
              label={t("admin.supportersId.phone")}
              type="tel"
              autoComplete="off"
              maxLength={LIMITS.phone}
              errors={contact?.errors}
              values={contactValues}
            />
            <fieldset>
              <legend>{t("admin.supportersId.postalAddressLeaveEmptyIf")}</legend>
              {ADDRESS_FIELDS.map((f) => (
                <TextField
                  key={f.name}
                  name={f.name}
                  label={f.label}
                  autoComplete="off"
                  errors={contact?.errors}
                  values={contactValues}
                />
              ))}
            </fieldset>
            <div className="admin-actions">
              <Button>{t("admin.supportersId.saveContactDetails")}</Button>
              <Link to={`/admin/supporters/${supporter.id}`}>{t("admin.supportersId.cancelKeepThemAsThey")}</Link>
            </div>
          </Form>
        </section>
      ) : null}

      <section className="panel" aria-labelledby="entitlements-heading">
        <h2 id="entitlements-heading">{t("admin.supportersId.entitlements")}</h2>
        {page.entitlements.length === 0 ? (
          <p>{t("admin.supportersId.none2")}</p>
        ) : (
          <ul>
            {page.entitlements.map((e, i) => (
              <li key={i}>
                {e.planName} ({e.tier}){" "}
                {e.until
                  ? t("admin.supportersId.untilUntil", { until: String(fmtDate(e.until)) })
                  : t("admin.supportersId.whileItRenews")}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="panel" aria-labelledby="subscriptions-heading">
        <h2 id="subscriptions-heading">{t("admin.supportersId.subscriptions")}</h2>
        {page.subscriptions.rows.length === 0 ? <p>{t("admin.supportersId.none2")}</p> : null}
        {page.subscriptions.rows.map((s) => {
          const failed = errorsFor("cancel", s.id) ?? errorsFor("pause", s.id);
          return (
            <div key={s.id} className="admin-subscription">
              <h3>
                {s.what}: {formatMoney(s.amountMinor, s.currency)} {s.currency} {t("admin.supportersId.aMonth")}
              </h3>
              <p>
                {t("admin.supportersId.status")} {s.status}
                {s.cancelAtPeriodEnd && s.currentPeriodEnd
                  ? t("admin.supportersId.endsCurrentperiodend", {
                      currentPeriodEnd: String(fmtDate(s.currentPeriodEnd)),
                    })
                  : ""}
                {s.pausedUntil
                  ? t("admin.supportersId.pausedUntilPauseduntil", { pausedUntil: String(fmtDate(s.pausedUntil)) })
                  : ""}
                {s.updating ? t("admin.supportersId.updating") : ""}
              </p>
              {s.lastFailureReason || s.nextRetryAt ? (
                <p className="notice">
                  {t("admin.supportersId.lastPaymentFailed")}
                  {s.lastFailureReason ? `: ${s.lastFailureReason}` : ""}.
                  {s.nextRetryAt
                    ? t("admin.supportersId.nextRetryNextretryat", { nextRetryAt: String(fmtDate(s.nextRetryAt)) })
                    : ""}
                </p>
              ) : null}
              {failed?.formError ? (
                <Notice tone="error">
                  {failed.formError}
                  {failed.errors && Object.values(failed.errors).length
                    ? ` ${Object.values(failed.errors).join(" ")}`
                    : ""}
                </Notice>
              ) : null}
              {s.canChange ? (
                <div className="button-row">
                  <Form method="post">
                    <input type="hidden" name="csrf" value={csrf} />
                    <input type="hidden" name="intent" value="pause" />
                    <input type="hidden" name="subscriptionId" value={s.id} />
                    <label htmlFor={`months-${s.id}`}>{t("admin.supportersId.pauseForMonths")}</label>{" "}
                    <select id={`months-${s.id}`} name="months" defaultValue="1">
                      {[1, 2, 3, 4, 5, 6].map((m) => (
                        <option key={m} value={m}>
                          {m}
                        </option>
                      ))}
                    </select>{" "}
                    <Button variant="secondary">{t("admin.supportersId.pauseOnTheirBehalf")}</Button>
                  </Form>
                  <Form method="post">
                    <input type="hidden" name="csrf" value={csrf} />
                    <input type="hidden" name="intent" value="cancel" />
                    <input type="hidden" name="subscriptionId" value={s.id} />
                    <label htmlFor={`reason-${s.id}`}>{t("admin.supportersId.reasonOptional")}</label>{" "}
                    <input
                      type="text"
                      id={`reason-${s.id}`}
                      name="reason"
                      maxLength={500}
                      defaultValue={failed?.values.reason ?? ""}
                    />{" "}
                    <Button variant="secondary">{t("admin.supportersId.cancelAtPeriodEndOn")}</Button>
                  </Form>
                </div>
              ) : null}
            </div>
          );
        })}
        {pager("subscriptions")}
      </section>

      <section className="panel" aria-labelledby="payments-heading">
        <h2 id="payments-heading">{t("admin.supportersId.payments")}</h2>
        {page.payments.rows.length === 0 ? (
          <p>{t("admin.supportersId.none2")}</p>
        ) : (
          <div className="table-scroll">
            <table className="admin-table">
              <caption className="visually-hidden">{t("admin.supportersId.paymentsNewestFirst")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("admin.supportersId.receipt")}</th>
                  <th scope="col">{t("admin.supportersId.date")}</th>
                  <th scope="col">{t("admin.supportersId.for")}</th>
                  <th scope="col">{t("admin.supportersId.method")}</th>
                  <th scope="col">{t("admin.supportersId.amount")}</th>
                  <th scope="col">{t("admin.supportersId.refunded")}</th>
                  <th scope="col">{t("admin.supportersId.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {page.payments.rows.map((p) => {
                  const resend = errorsFor("resend", p.id);
                  const remaining = p.amountMinor - p.refundedMinor;
                  return (
                    <tr key={p.id}>
                      <td>
                        <Link to={`/admin/payments/${p.id}`}>{p.receiptNumber}</Link>
                      </td>
                      <td>{fmtDate(p.paidAt)}</td>
                      <td>
                        {p.description}
                        {p.message ? (
                          <>
                            <blockquote className="message-quote">{p.message}</blockquote>
                            <span className="hint">
                              {t("admin.supportersId.messageOfSupport")}{" "}
                              {p.messageStatus === "pending" ? (
                                <Link to="/admin/messages?show=review">{t("admin.supportersId.notYetReviewed")}</Link>
                              ) : p.messageStatus === "approved" ? (
                                t("admin.supportersId.approvedForThePublicWall")
                              ) : (
                                t("admin.supportersId.hidden")
                              )}
                            </span>
                          </>
                        ) : null}
                      </td>
                      <td>{p.method}</td>
                      <td>
                        {formatMoney(p.amountMinor, p.currency)} {p.currency}
                      </td>
                      <td>{p.refundedMinor ? `${formatMoney(p.refundedMinor, p.currency)} ${p.currency}` : ""}</td>
                      <td>
                        {p.hasReceipt && !supporter.email ? (
                          // No address to email it to: staff print and post it instead.
                          <Link to={`/admin/payments/${p.id}/receipt`}>
                            {t("admin.supportersId.printReceipt")} {p.receiptNumber}
                          </Link>
                        ) : p.hasReceipt ? (
                          <Form method="post" className="inline-form">
                            <input type="hidden" name="csrf" value={csrf} />
                            <input type="hidden" name="intent" value="resend" />
                            <input type="hidden" name="paymentId" value={p.id} />
                            <Button variant="secondary">
                              {t("admin.supportersId.resendReceipt")} {p.receiptNumber}
                            </Button>
                          </Form>
                        ) : null}
                        {resend?.formError ? <p className="field-error">{resend.formError}</p> : null}
                        {isAdmin && remaining > 0 ? (
                          // A deliberate refund: amount, reason, then a confirmation (ADR 039).
                          <LinkButton
                            to={`/admin/payments/${p.id}/refund?from=supporter${positions ? `&at=${encodeURIComponent(positions)}` : ""}`}
                            variant="secondary"
                            compact
                          >
                            {t("admin.refund.linkNamed", { receipt: p.receiptNumber })}
                          </LinkButton>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {pager("payments")}
      </section>

      <section className="panel" aria-labelledby="pledges-heading">
        <h2 id="pledges-heading">{t("admin.supportersId.pledges")}</h2>
        {page.pledges.rows.length === 0 ? (
          <p>{t("admin.supportersId.none2")}</p>
        ) : (
          <ul>
            {page.pledges.rows.map((p) => (
              <li key={p.id}>
                {fmtDate(p.createdAt)}: {p.kind} {formatMoney(p.amountMinor, p.currency)} {p.currency}, {p.status}
              </li>
            ))}
          </ul>
        )}
        {pager("pledges")}
      </section>

      <section className="panel" aria-labelledby="emails-heading">
        <h2 id="emails-heading">{t("admin.supportersId.emailsSent")}</h2>
        {page.emails.rows.length === 0 ? (
          <p>{t("admin.supportersId.none2")}</p>
        ) : (
          <div className="table-scroll">
            <table className="admin-table">
              <caption className="visually-hidden">{t("admin.supportersId.emailsNewestFirst")} </caption>
              <thead>
                <tr>
                  <th scope="col">{t("admin.supportersId.email")}</th>
                  <th scope="col">{t("admin.supportersId.status2")}</th>
                  <th scope="col">{t("admin.supportersId.queued")}</th>
                  <th scope="col">{t("admin.supportersId.sent")}</th>
                </tr>
              </thead>
              <tbody>
                {page.emails.rows.map((m) => (
                  <tr key={m.id}>
                    <td>{m.template}</td>
                    <td>
                      {m.status}
                      {m.status === "failed" && m.lastError ? `: ${m.lastError}` : ""}
                    </td>
                    <td>{dateTime(m.createdAt)}</td>
                    <td>{m.sentAt ? dateTime(m.sentAt) : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {pager("emails")}
      </section>

      <section className="panel" aria-labelledby="notes-heading">
        <h2 id="notes-heading">{t("admin.supportersId.staffNotes")}</h2>
        {page.notes.rows.map((n) => (
          <div key={n.id} className="staff-note">
            <p>{n.body}</p>
            <p className="hint">
              {n.staffName}, {dateTime(n.createdAt)}
            </p>
          </div>
        ))}
        {pager("notes")}
        <Form method="post" noValidate>
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="intent" value="note" />
          <div className="field">
            <label htmlFor="body">{t("admin.supportersId.addANoteNeverShown")}</label>
            <textarea
              id="body"
              name="body"
              rows={3}
              maxLength={5000}
              defaultValue={note?.values.body ?? ""}
              aria-invalid={note?.errors.body ? true : undefined}
              aria-describedby={note?.errors.body ? "body-error" : undefined}
            />
            {note?.errors.body ? (
              <p className="field-error" id="body-error">
                {note.errors.body}
              </p>
            ) : null}
          </div>
          <Button>{t("admin.supportersId.addNote")}</Button>
        </Form>
      </section>
    </div>
  );
}
