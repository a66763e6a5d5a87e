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

export const meta: MetaFunction = () => [{ title: t("admin.events.paymentEvents") }];

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
  if (!parsed.success)
    return json<ActionData>({ formError: t("admin.events.thatEventCannotBeReplayed") }, { status: 400 });
  const { eventId } = parsed.data;
  const outcome = await replayWebhookFailure(db, { eventId, staffUserId: me.staffUserId });
  switch (outcome.status) {
    case "applied":
    case "duplicate":
      return redirect(`/admin/events?replayed=${outcome.status}`, 303);
    case "already_resolved":
      return json<ActionData>({ formError: t("admin.events.alreadyResolved"), eventId }, { status: 409 });
    case "not_found":
      return json<ActionData>({ formError: t("admin.events.noSuchFailure"), eventId }, { status: 404 });
    case "failed":
      return json<ActionData>(
        {
          formError: t("admin.events.stillFailing", { attempts: String(outcome.attempts), error: outcome.error }),
          eventId,
        },
        { status: 503 },
      );
  }
}

const REPLAYED = {
  applied: t("admin.events.theEventHasBeenApplied"),
  duplicate: t("admin.events.theEventHadAlreadyBeen"),
} as const;

type Failure = ReturnType<typeof useLoaderData<typeof loader>>["failures"]["open"][number];

function ReplayButton({ eventId, csrf, busy }: { eventId: string; csrf: string; busy: boolean }) {
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="intent" value="replay" />
      <input type="hidden" name="eventId" value={eventId} />
      <Button variant="secondary" compact disabled={busy}>
        {t("admin.events.replay")}
        <span className="visually-hidden"> {eventId}</span>
      </Button>
    </Form>
  );
}

function OpenFailures({ failures, canReplay, csrf }: { failures: Failure[]; canReplay: boolean; csrf: string }) {
  const { dateTime } = useOrgTime();
  const busy = useNavigation().state === "submitting";
  if (failures.length === 0) return <p>{t("admin.events.noEventIsWaitingEvery")}</p>;
  return (
    <DataTable caption={t("admin.events.eventsThatFailedToApply")}>
      <thead>
        <tr>
          <th scope="col">{t("admin.events.type")}</th>
          <th scope="col">{t("admin.events.event")}</th>
          <th scope="col">{t("admin.events.error")}</th>
          <th scope="col">{t("admin.events.attempts")}</th>
          <th scope="col">{t("admin.events.firstFailure")}</th>
          <th scope="col">{t("admin.events.lastFailure")}</th>
          {canReplay ? <th scope="col">{t("admin.events.action")}</th> : null}
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
      <h2>
        {t("admin.events.resolvedFailuresLast")} {days} {t("admin.events.days")}
      </h2>
      <DataTable caption={t("admin.events.failedEventsResolvedSinceMost")}>
        <thead>
          <tr>
            <th scope="col">{t("admin.events.type")}</th>
            <th scope="col">{t("admin.events.event")}</th>
            <th scope="col">{t("admin.events.lastError")}</th>
            <th scope="col">{t("admin.events.attempts")}</th>
            <th scope="col">{t("admin.events.resolved")}</th>
            <th scope="col">{t("admin.events.how")}</th>
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
              <td>
                {f.resolution === "replayed"
                  ? t("admin.events.replayedByStaff")
                  : t("admin.events.deliveredAgainByTheProvider")}
              </td>
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
      <h1>{t("admin.events.paymentEvents")}</h1>
      {replayed === "applied" || replayed === "duplicate" ? <Notice tone="done">{REPLAYED[replayed]}</Notice> : null}
      {actionData?.formError ? <Notice tone="error">{actionData.formError}</Notice> : null}
      <h2>{t("admin.events.eventsThatFailedToApply2")}</h2>
      <p>
        {t("admin.events.thePaymentProviderKeepsDelivering")}
        {canReplay ? t("admin.events.replayAppliesTheStoredEvent") : t("admin.events.anAdministratorCanReplayThem")}
      </p>
      <OpenFailures failures={failures.open} canReplay={canReplay} csrf={csrf} />
      <ResolvedFailures failures={failures.resolved} days={resolvedDays} />

      <h2>{t("admin.events.appliedEvents")}</h2>
      <p>
        {t("admin.events.everyEventFromThePayment")}
        {timeZone}).
      </p>
      {events.length === 0 ? (
        <p>{t("admin.events.noEventFromThePayment")}</p>
      ) : (
        <DataTable caption={t("admin.events.paymentEventsNewestFirst")}>
          <thead>
            <tr>
              <th scope="col">{t("admin.events.event")}</th>
              <th scope="col">{t("admin.events.type")}</th>
              <th scope="col">{t("admin.events.received")}</th>
              <th scope="col">{t("admin.events.applied")}</th>
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
                <td>{e.processedAt ? dateTime(e.processedAt, { seconds: true }) : t("admin.events.notYet")}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      {next ? (
        <p>
          <Link to={`/admin/events?before=${encodeURIComponent(next)}`}>{t("admin.events.olderEvents")}</Link>
        </p>
      ) : null}
    </div>
  );
}
