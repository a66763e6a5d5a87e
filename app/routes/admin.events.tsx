import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { desc, sql } from "drizzle-orm";
import { z } from "zod";
import { getDb, type DB } from "@db/client.server";
import { providerEvents } from "@db/schema";
import { requireStaff } from "~/auth/staff-auth.server";

export const meta: MetaFunction = () => [{ title: "Payment events" }];

const PAGE = 50;

/**
 * "<received_at as Postgres prints it>~<event id>": the last row of a page. The database's text
 * keeps the microseconds a JavaScript Date would drop, so no event is skipped between pages.
 */
type Cursor = { receivedAt: string; id: string };
const CursorSchema = z
  .string()
  .max(300)
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?~[A-Za-z0-9_.:-]+$/)
  .transform((s): Cursor => ({ receivedAt: s.slice(0, s.indexOf("~")), id: s.slice(s.indexOf("~") + 1) }))
  .optional()
  .catch(undefined);

/**
 * Provider events as received, newest first. Only events applied successfully are stored: a
 * failed application rolls back its row, and Stripe delivers the event again.
 */
export async function listProviderEvents(db: DB, { before, limit = PAGE }: { before?: Cursor; limit?: number }) {
  const rows = await db
    .select({
      id: providerEvents.id,
      type: providerEvents.type,
      providerCreatedAt: providerEvents.providerCreatedAt,
      receivedAt: providerEvents.receivedAt,
      processedAt: providerEvents.processedAt,
      cursorAt: sql<string>`${providerEvents.receivedAt}::text`,
    })
    .from(providerEvents)
    .where(before ? sql`(${providerEvents.receivedAt}, ${providerEvents.id}) < (${before.receivedAt}::timestamptz, ${before.id})` : undefined)
    .orderBy(desc(providerEvents.receivedAt), desc(providerEvents.id))
    .limit(limit);
  return rows.map(({ cursorAt, ...r }) => ({ ...r, cursor: `${cursorAt}~${r.id}` }));
}

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb();
  await requireStaff(db, request, { role: "admin" });
  const before = CursorSchema.parse(new URL(request.url).searchParams.get("before") ?? undefined);
  const events = await listProviderEvents(db, { before });
  return json({ events, next: events.length === PAGE ? events[events.length - 1].cursor : null }, { headers: { "Cache-Control": "private, no-store" } });
}

const time = new Intl.DateTimeFormat("en-AU", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

export default function PaymentEvents() {
  const { events, next } = useLoaderData<typeof loader>();
  return (
    <div className="panel">
      <h1>Payment events</h1>
      <p>
        Every event from the payment provider that has been applied, newest first. Times in UTC. An event that failed to apply is
        not kept here: the provider delivers it again until it applies.
      </p>
      <table>
        <caption className="visually-hidden">Payment events, newest first</caption>
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
              <td>{time.format(new Date(e.receivedAt))}</td>
              <td>{e.processedAt ? time.format(new Date(e.processedAt)) : "not yet"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <p>
          <Link to={`/admin/events?before=${encodeURIComponent(next)}`}>Older events</Link>
        </p>
      ) : null}
    </div>
  );
}
