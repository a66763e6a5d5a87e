import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getDb } from "@db/client.server";
import { issueCsrfToken, isValidCsrf } from "~/auth/csrf.server";
import { requireStaff } from "~/http/guards.server";
import { readFormData } from "~/giving/forms.server";
import { t } from "~/i18n/t";
import { listProviderEvents } from "~/payments/provider-events.server";
import { listWebhookFailures, RESOLVED_FAILURE_RETENTION_DAYS } from "~/payments/webhook-failures.server";
import { replayWebhookFailure } from "~/payments/webhook.server";
import { Button, DataTable, Notice } from "~/ui/admin";
import { useOrgTime } from "~/ui/org-time";

export const meta: MetaFunction = () => [{ title: "Payment events" }];

/** Everyone on staff reads the log; only admins replay (the action). */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  const me = await requireStaff(db, request);
  const before = new URL(request.url).searchParams.get("before");
  const [events, failures, csrf] = await Promise.all([
    listProviderEvents(db, { before }),
    listWebhookFailures(db),
    issueCsrfToken(request),
  ]);
  return json(
    {
      events: events.rows,
      next: events.older,
      failures,
      // Sent with the data: a .server module's constants are not in the browser bundle.
      resolvedDays: RESOLVED_FAILURE_RETENTION_DAYS,
      canReplay: me.role === "admin",
      csrf: csrf.token,
    },
    { headers: { ...csrf.headers, "Cache-Control": "private, no-store" } },
  );
}

const ReplaySchema = z.object({ intent: z.literal("replay"), eventId: z.string().regex(/^[A-Za-z0-9_]{1,255}$/) });

type ActionData = { formError: string; eventId?: string };

export async function action({ request }: ActionFunctionArgs) {
  const db = getDb();
  const me = await requireStaff(db, request, { role: "admin" });
  const formData = await readFormData(request);
  if (!(await isValidCsrf(request, formData))) return json<ActionData>({ formError: t("error.csrf") }, { status: 403 });
  const parsed = ReplaySchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return json<ActionData>({ formError: "That event cannot be replayed." }, { status: 400 });
  const { eventId } = parsed.data;
  const outcome = await replayWebhookFailure(db, { eventId, staffUserId: me.staffUserId });
  switch (outcome.status) {
    case "applied":
    case "duplicate":
      return redirect(`/admin/events?replayed=${outcome.status}`, 303);
    case "already_resolved":
      return json<ActionData>(
        { formError: "That failure has already been resolved; nothing was done.", eventId },
        { status: 409 },
      );
    case "not_found":
      return json<ActionData>({ formError: "There is no failed event with that id.", eventId }, { status: 404 });
    case "failed":
      return json<ActionData>(
        {
          formError: `The event still could not be applied (attempt ${outcome.attempts}): ${outcome.error}. Nothing was changed and it stays in the list; you can try again later.`,
          eventId,
        },
        { status: 503 },
      );
  }
}

const REPLAYED = {
  applied: "The event has been applied.",
  duplicate: "The event had already been applied, so nothing changed. The failure is marked resolved.",
} as const;

type Failure = ReturnType<typeof useLoaderData<typeof loader>>["failures"]["open"][number];

function ReplayButton({ eventId, csrf, busy }: { eventId: string; csrf: string; busy: boolean }) {
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="intent" value="replay" />
      <input type="hidden" name="eventId" value={eventId} />
      <Button variant="secondary" compact disabled={busy}>
        Replay<span className="visually-hidden"> {eventId}</span>
      </Button>
    </Form>
  );
}

function OpenFailures({ failures, canReplay, csrf }: { failures: Failure[]; canReplay: boolean; csrf: string }) {
  const { dateTime } = useOrgTime();
  const busy = useNavigation().state === "submitting";
  if (failures.length === 0) return <p>No event is waiting: every event received has been applied.</p>;
  return (
    <DataTable caption="Events that failed to apply, most recent failure first">
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Event</th>
          <th scope="col">Error</th>
          <th scope="col">Attempts</th>
          <th scope="col">First failure</th>
          <th scope="col">Last failure</th>
          {canReplay ? <th scope="col">Action</th> : null}
        </tr>
      </thead>
      <tbody>
        {failures.map((f) => (
          <tr key={f.eventId}>
            <td>{f.type}</td>
            <td>
              <code>{f.eventId}</code>
            </td>
            <td>{f.error}</td>
            <td>{f.attempts}</td>
            <td>{dateTime(f.firstFailedAt, { seconds: true })}</td>
            <td>{dateTime(f.lastFailedAt, { seconds: true })}</td>
            {canReplay ? (
              <td>
                <ReplayButton eventId={f.eventId} csrf={csrf} busy={busy} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}

function ResolvedFailures({ failures, days }: { failures: Failure[]; days: number }) {
  const { dateTime } = useOrgTime();
  if (failures.length === 0) return null;
  return (
    <>
      <h2>Resolved failures (last {days} days)</h2>
      <DataTable caption="Failed events resolved since, most recent first">
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Event</th>
            <th scope="col">Last error</th>
            <th scope="col">Attempts</th>
            <th scope="col">Resolved</th>
            <th scope="col">How</th>
          </tr>
        </thead>
        <tbody>
          {failures.map((f) => (
            <tr key={f.eventId}>
              <td>{f.type}</td>
              <td>
                <code>{f.eventId}</code>
              </td>
              <td>{f.error}</td>
              <td>{f.attempts}</td>
              <td>{f.resolvedAt ? dateTime(f.resolvedAt, { seconds: true }) : ""}</td>
              <td>{f.resolution === "replayed" ? "replayed by staff" : "delivered again by the provider"}</td>
            </tr>
          ))}
        </tbody>
      </DataTable>
    </>
  );
}

export default function PaymentEvents() {
  const { dateTime, timeZone } = useOrgTime();
  const { events, next, failures, resolvedDays, canReplay, csrf } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [params] = useSearchParams();
  const replayed = params.get("replayed");
  return (
    <div className="panel">
      <h1>Payment events</h1>
      {replayed === "applied" || replayed === "duplicate" ? <Notice tone="done">{REPLAYED[replayed]}</Notice> : null}
      {actionData?.formError ? <Notice tone="error">{actionData.formError}</Notice> : null}
      <h2>Events that failed to apply</h2>
      <p>
        The payment provider keeps delivering these for a few days until one delivery applies.
        {canReplay
          ? " Replay applies the stored event now; an event applied meanwhile is not applied twice."
          : " An administrator can replay them."}
      </p>
      <OpenFailures failures={failures.open} canReplay={canReplay} csrf={csrf} />
      <ResolvedFailures failures={failures.resolved} days={resolvedDays} />

      <h2>Applied events</h2>
      <p>
        Every event from the payment provider that has been applied, newest first. Times on the organisation's clock (
        {timeZone}).
      </p>
      {events.length === 0 ? (
        <p>No event from the payment provider has been applied yet.</p>
      ) : (
        <DataTable caption="Payment events, newest first">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Type</th>
              <th scope="col">Received</th>
              <th scope="col">Applied</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td>
                  <code>{e.id}</code>
                </td>
                <td>{e.type}</td>
                <td>{dateTime(e.receivedAt, { seconds: true })}</td>
                <td>{e.processedAt ? dateTime(e.processedAt, { seconds: true }) : "not yet"}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      {next ? (
        <p>
          <Link to={`/admin/events?before=${encodeURIComponent(next)}`}>Older events</Link>
        </p>
      ) : null}
    </div>
  );
}
