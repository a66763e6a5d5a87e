import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { readFormData } from "~/giving/forms.server";
import { listMail, resendMail } from "~/email/mail-log.server";
import { canResend } from "~/email/mail-status";
import { t } from "~/i18n/t";
import { OUTBOX_PAYLOAD_DAYS } from "~/jobs/outbox-pruning.server";
import { Button, DataTable, Notice } from "~/ui/admin";
import { useOrgTime } from "~/ui/org-time";

export const meta: MetaFunction = () => [{ title: t("admin.mail.mailLog") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const before = new URL(request.url).searchParams.get("before");
  const [page, csrf] = await Promise.all([listMail(db, { before }), issueCsrfToken(request)]);
  return json(
    { messages: page.rows, next: page.older, csrf: csrf.token },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

const ResendSchema = z.object({ intent: z.literal("resend"), id: z.uuid() });

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const staff = await requireStaff(db, request);
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) return json({ formError: t("error.csrf") }, { status: 403 });
  const parsed = ResendSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return json({ formError: t("admin.mail.thatMessageCannotBeResent") }, { status: 400 });
  const copyId = await resendMail(db, { outboxId: parsed.data.id, staffUserId: staff.staffUserId });
  if (!copyId)
    return json(
      { formError: t("admin.mail.onlyASentOrFailed", { OUTBOX_PAYLOAD_DAYS: String(OUTBOX_PAYLOAD_DAYS) }) },
      { status: 409 },
    );
  return redirect("/admin/mail?resent=1", 303);
}

export default function MailLog() {
  const { dateTime, timeZone } = useOrgTime();
  const { messages, next, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <div className="panel">
      <h1>{t("admin.mail.mailLog")}</h1>
      <p>
        {t("admin.mail.everyEmailTheFundHas")}
        {timeZone}).
      </p>
      {params.get("resent") ? <Notice tone="done">{t("admin.mail.aCopyHasBeenQueued")}</Notice> : null}
      {actionData?.formError ? <Notice tone="error">{actionData.formError}</Notice> : null}
      {messages.length === 0 ? (
        <p>{t("admin.mail.noEmailHasBeenQueued")}</p>
      ) : (
        <DataTable caption={t("admin.mail.emailsNewestFirst")}>
          <thead>
            <tr>
              <th scope="col">{t("admin.mail.queued")}</th>
              <th scope="col">{t("admin.mail.to")}</th>
              <th scope="col">{t("admin.mail.email")}</th>
              <th scope="col">{t("admin.mail.status")}</th>
              <th scope="col">{t("admin.mail.attempts")}</th>
              <th scope="col">{t("admin.mail.action")}</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <tr key={m.id}>
                <td>{dateTime(m.createdAt)}</td>
                <td>{m.toEmail}</td>
                <td>{m.template}</td>
                <td>
                  {m.status}
                  {m.sentAt ? ` ${dateTime(m.sentAt)}` : ""}
                  {m.lastError ? <span className="hint"> — {m.lastError}</span> : null}
                </td>
                <td>{m.attempts}</td>
                <td>
                  {canResend(m.status) ? (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="csrf" value={csrf} />
                      <input type="hidden" name="intent" value="resend" />
                      <input type="hidden" name="id" value={m.id} />
                      <Button variant="secondary" compact>
                        {t("admin.mail.resend")}
                        <span className="visually-hidden">
                          {" "}
                          {m.template} {t("admin.mail.to2")} {m.toEmail}
                        </span>
                      </Button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      {next ? (
        <p>
          <Link to={`/admin/mail?before=${encodeURIComponent(next)}`}>{t("admin.mail.olderEmails")}</Link>
        </p>
      ) : null}
    </div>
  );
}
