import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { getDb, type DB } from "@db/client.server";
import { one } from "@db/rows";
import { outbox } from "@db/schema";
import { recordAudit } from "~/audit/audit.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/auth/staff-auth.server";
import { readFormData } from "~/giving/forms.server";
import { canResend, mailStatus } from "~/email/mail-status";
import { t } from "~/i18n/t";
import { isPruned, OUTBOX_PAYLOAD_DAYS } from "~/jobs/outbox-pruning.server";
import { useOrgTime } from "~/ui/org-time";

export const meta: MetaFunction = () => [{ title: "Mail log" }];

const PAGE = 50;

/**
 * "<uuid>~<created_at as Postgres prints it>": the last row of a page. The database's own text
 * keeps the microseconds a JavaScript Date would drop, so no row is skipped between pages.
 */
type Cursor = { id: string; createdAt: string };
const CursorSchema = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}~\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/,
  )
  .transform((s): Cursor => ({ id: s.slice(0, 36), createdAt: s.slice(37) }))
  .optional()
  .catch(undefined);

/** The outbox, newest first, by keyset on (created_at, id). Props are never shown: they may hold anything. */
export async function listMail(db: DB, { before, limit = PAGE }: { before?: Cursor; limit?: number }) {
  const rows = await db
    .select({
      id: outbox.id,
      template: outbox.template,
      toEmail: outbox.toEmail,
      attempts: outbox.attempts,
      createdAt: outbox.createdAt,
      sentAt: outbox.sentAt,
      failedAt: outbox.failedAt,
      supersededAt: outbox.supersededAt,
      lastError: outbox.lastError,
      cursorAt: sql<string>`${outbox.createdAt}::text`,
    })
    .from(outbox)
    .where(
      before
        ? sql`(${outbox.createdAt}, ${outbox.id}) < (${before.createdAt}::timestamptz, ${before.id}::uuid)`
        : undefined,
    )
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(limit);
  return rows.map(({ cursorAt, ...r }) => ({
    ...r,
    cursor: `${r.id}~${cursorAt}`,
    status: mailStatus(r),
  }));
}

/**
 * Queues a copy of a sent or failed message under a new idempotency key; the worker sends it as any
 * other. The copy carries the same sealed link (or, for a sign-in email, a new one minted at send
 * time); a message whose props were pruned has nothing left to send.
 */
export async function resendMail(
  db: DB,
  { outboxId, staffUserId }: { outboxId: string; staffUserId: number },
): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [original] = await tx.select().from(outbox).where(eq(outbox.id, outboxId));
    if (!original || !canResend(mailStatus(original)) || isPruned(original.props)) return null;
    const copy = one(
      await tx
        .insert(outbox)
        .values({
          template: original.template,
          toEmail: original.toEmail,
          props: original.props,
          idempotencyKey: `resend:${original.id}:${randomUUID()}`,
        })
        .returning({ id: outbox.id }),
      "resendMail: insert the copy",
    );
    await recordAudit(tx, {
      actor: { type: "staff", id: staffUserId },
      action: "email.resend",
      target: { type: "outbox", id: original.id },
      details: { copyId: copy.id },
    });
    return copy.id;
  });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request);
  const before = CursorSchema.parse(new URL(request.url).searchParams.get("before") ?? undefined);
  const [messages, csrf] = await Promise.all([listMail(db, { before }), issueCsrfToken(request)]);
  const next = messages.length === PAGE ? (messages.at(-1)?.cursor ?? null) : null;
  return json(
    { messages, next, csrf: csrf.token },
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
  if (!parsed.success) return json({ formError: "That message cannot be resent." }, { status: 400 });
  const copyId = await resendMail(db, { outboxId: parsed.data.id, staffUserId: staff.staffUserId });
  if (!copyId)
    return json(
      { formError: `Only a sent or failed message can be resent, within ${OUTBOX_PAYLOAD_DAYS} days.` },
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
      <h1>Mail log</h1>
      <p>Every email the fund has queued, newest first. Times on the organisation's clock ({timeZone}).</p>
      {params.get("resent") ? <p role="status">A copy has been queued and will be sent shortly.</p> : null}
      {actionData?.formError ? (
        <p role="alert" className="field-error">
          {actionData.formError}
        </p>
      ) : null}
      <table>
        <caption className="visually-hidden">Emails, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Queued</th>
            <th scope="col">To</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Action</th>
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
                    <button type="submit" className="link-button">
                      Resend
                      <span className="visually-hidden">
                        {" "}
                        {m.template} to {m.toEmail}
                      </span>
                    </button>
                  </Form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <p>
          <Link to={`/admin/mail?before=${encodeURIComponent(next)}`}>Older emails</Link>
        </p>
      ) : null}
    </div>
  );
}
