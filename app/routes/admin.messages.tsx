import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import type { MessageStatus } from "@db/schema";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { readFormData } from "~/giving/forms.server";
import {
  countMessagesToReview,
  listMessagesForStaff,
  moderateMessage,
  ModerateMessageSchema,
} from "~/giving/messages.server";
import { t } from "~/i18n/t";
import { formatMoney } from "~/money";
import { useOrgTime } from "~/ui/org-time";
import { Notice } from "~/ui/admin";

export const meta: MetaFunction = () => [{ title: t("admin.messages.messagesOfSupport") }];

const PRIVATE = { "Cache-Control": "private, no-store" };

const SHOW = { review: "pending", approved: "approved", hidden: "hidden" } as const satisfies Record<
  string,
  MessageStatus
>;
type Show = keyof typeof SHOW;
const TAB_LABEL: Record<Show, string> = {
  review: t("admin.messages.toReview"),
  approved: t("admin.messages.approved"),
  hidden: t("admin.messages.hidden"),
};

const QuerySchema = z.object({
  show: z.enum(["review", "approved", "hidden"]).catch("review"),
  before: z.string().max(400).optional().catch(undefined),
  done: z.enum(["approved", "hidden"]).optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [list, toReview, csrf] = await Promise.all([
    listMessagesForStaff(db, {
      status: SHOW[query.show],
      before: query.before ?? null,
    }),
    countMessagesToReview(db),
    issueCsrfToken(request),
  ]);
  return json(
    {
      show: query.show,
      done: query.done ?? null,
      toReview,
      messages: list.messages,
      next: list.next,
      csrf: csrf.token,
    },
    { headers: { ...csrf.headers, ...PRIVATE } },
  );
}

/** Approve or hide one message, then back to the list it was on, which says what happened. */
export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData)))
    return json({ formError: t("error.csrf") }, { status: 403, headers: PRIVATE });
  const parsed = ModerateMessageSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success)
    return json(
      { formError: parsed.error.issues[0]?.message ?? t("admin.messages.chooseApproveOrHide") },
      { status: 400, headers: PRIVATE },
    );
  const outcome = await moderateMessage(db, { staff, ...parsed.data });
  if (outcome.status === "not_found")
    return json({ formError: t("admin.messages.thatMessageWasNotFound") }, { status: 404, headers: PRIVATE });
  const back = z.enum(["review", "approved", "hidden"]).catch("review").parse(formData.get("show"));
  return redirect(`/admin/messages?show=${back}&done=${outcome.now}`, { status: 303, headers: PRIVATE });
}

const DONE_TEXT = {
  approved: t("admin.messages.approvedTheMessageMayNow"),
  hidden: t("admin.messages.hiddenTheMessageWillNot"),
} as const;

/** Who wrote a message, as the buttons name them for screen readers. */
function writer(m: { anonymous: boolean; supporter: { name: string | null } }): string {
  return m.anonymous ? t("admin.messages.anonymousSupporter") : m.supporter.name || t("admin.messages.aSupporter");
}

export default function Messages() {
  const { show, done, toReview, messages, next, csrf } = useLoaderData<typeof loader>();
  const { dateTime } = useOrgTime();
  const actionData = useActionData<typeof action>();
  return (
    <div className="panel">
      <h1>{t("admin.messages.messagesOfSupport")}</h1>
      <p>{t("admin.messages.whatReadersWroteWithTheir")}</p>
      <p>
        <Link to="/admin/messages/print">{t("admin.messages.printApprovedMessages")}</Link>{" "}
        {t("admin.messages.aBundleToSendOn")}
      </p>
      <nav aria-label={t("admin.messages.messages")} className="message-tabs">
        {(Object.keys(SHOW) as Show[]).map((tab) => (
          <Link key={tab} to={`/admin/messages?show=${tab}`} aria-current={tab === show ? "page" : undefined}>
            {TAB_LABEL[tab]}
            {tab === "review" ? ` (${toReview})` : ""}
          </Link>
        ))}
      </nav>
      {done ? <Notice tone="done">{DONE_TEXT[done]}</Notice> : null}
      {actionData?.formError ? <Notice tone="error">{actionData.formError}</Notice> : null}
      {messages.length === 0 ? (
        <p>
          {show === "review"
            ? t("admin.messages.nothingToReviewEveryMessage")
            : t("admin.messages.noValueMessages", { value: String(TAB_LABEL[show].toLowerCase()) })}
        </p>
      ) : (
        <ol className="message-list">
          {messages.map((m) => (
            <li key={m.paymentId} className="message-card">
              <blockquote>
                <p>{m.message}</p>
              </blockquote>
              <p className="hint">
                {m.supporter.erased ? (
                  t("admin.messages.erasedSupporter")
                ) : (
                  <Link to={`/admin/supporters/${m.supporter.id}`}>
                    {m.supporter.name || t("admin.messages.noName")}
                  </Link>
                )}
                {m.anonymous ? t("admin.messages.askedNotToBeNamed") : t("admin.messages.mayBeNamedPublicly")}
                {t(m.showsAmount ? "admin.messages.onWallAsWithAmount" : "admin.messages.onWallAs", {
                  name: m.shownAs,
                })}
                {" · "}
                <Link to={`/admin/payments/${m.paymentId}`}>
                  {formatMoney(m.amountMinor, m.currency, "en-AU")} {t("admin.messages.to")} {m.campaignName}
                </Link>
                {" · "}
                {dateTime(m.paidAt)}
                {m.moderatedAt
                  ? t(m.status === "approved" ? "admin.messages.approvedBy" : "admin.messages.hiddenBy", {
                      who: m.moderatedBy ?? t("admin.messages.staff"),
                      when: dateTime(m.moderatedAt),
                    })
                  : ""}
              </p>
              <Form method="post" className="message-actions">
                <input type="hidden" name="csrf" value={csrf} />
                <input type="hidden" name="paymentId" value={m.paymentId} />
                <input type="hidden" name="show" value={show} />
                {m.status !== "approved" ? (
                  <button
                    type="submit"
                    name="intent"
                    value="approve"
                    className="give-button button-compact"
                    aria-label={t("admin.messages.approveFrom", { who: writer(m) })}
                  >
                    {t("admin.messages.approve")}
                  </button>
                ) : null}
                {m.status !== "hidden" ? (
                  <button
                    type="submit"
                    name="intent"
                    value="hide"
                    className="button-secondary button-compact"
                    aria-label={t("admin.messages.hideFrom", { who: writer(m) })}
                  >
                    {t("admin.messages.hide")}
                  </button>
                ) : null}
              </Form>
            </li>
          ))}
        </ol>
      )}
      {next ? (
        <p>
          <Link to={`/admin/messages?show=${show}&before=${encodeURIComponent(next)}`}>
            {t("admin.messages.olderMessages")}
          </Link>
        </p>
      ) : null}
    </div>
  );
}
