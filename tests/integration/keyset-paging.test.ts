// One keyset-paging helper (db/keyset.server.ts) behind the mail log, the events list and the
// supporters list; one mail status (app/email/mail-status.ts) wherever an email's fate is shown.
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { outbox, providerEvents, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { listMail, resendMail } from "~/email/mail-log.server";
import { listProviderEvents } from "~/payments/provider-events.server";
import { loader as eventsLoader } from "~/routes/admin.events";
import { loader as mailLoader } from "~/routes/admin.mail";
import { loader as supportersLoader } from "~/routes/admin.supporters._index";
import { searchSupporters } from "~/supporters/search.server";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";

const { t } = useSeededDatabase();
let cookie = "";
let staffUserId = 0;

/** Cursors that are not one: each must show the first page, never an error. */
const TAMPERED = [
  "garbage",
  "",
  "~",
  "2025-02-30T09:00:00.000000Z~5",
  "0000-01-01T00:00:00.000000Z~5",
  "2025-03-01T09:00:00Z~5",
  "2025-03-01 09:00:00+00~5",
  "2025-03-01T09:00:00.000000Z~1) or (1=1",
  `2025-03-01T09:00:00.000000Z~${"9".repeat(5000)}`,
  "5.3",
  "-1",
  "99999999999",
  "1~99999999999",
];

beforeAll(async () => {
  staffUserId = await createStaffUser(t.db, {
    email: "pager@ops.example",
    name: "A pager",
    role: "admin",
    password: "a-long-staff-password",
  });
  const signedIn = await signInStaff(t.db, {
    email: "pager@ops.example",
    password: "a-long-staff-password",
    clientAddress: "198.51.100.7",
  });
  if (signedIn.status !== "ok") throw new Error(signedIn.status);
  cookie = signedIn.cookie.split(";")[0]!;

  const same = new Date("2032-01-01T00:00:00Z");
  for (let i = 0; i < 5; i++) {
    await t.db.insert(providerEvents).values({
      id: `evt_burst_${i}`,
      type: "invoice.paid",
      providerCreatedAt: same,
      // Microseconds apart: a cursor kept as a JavaScript Date would skip some of them.
      receivedAt: sql`${same.toISOString()}::timestamptz + make_interval(secs => ${i} / 1000000.0)`,
      processedAt: same,
    });
  }
  for (let i = 0; i < 3; i++)
    await t.db.insert(supporters).values({ name: `Paged Person ${i}`, email: `paged${i}@example.net` });
});

const load = async (loader: Parameters<typeof callLoader>[0], path: string) => {
  const response = await callLoader(loader, path, { cookie });
  expect(response.status, path).toBe(200);
  return response.json();
};

describe("a list paged by keyset", () => {
  it("walks every event, those a microsecond apart included, newest first", async () => {
    const all = (await listProviderEvents(t.db, { limit: 1000 })).rows.map((e) => e.id);
    expect(all.slice(0, 5)).toEqual(["evt_burst_4", "evt_burst_3", "evt_burst_2", "evt_burst_1", "evt_burst_0"]);
    const paged: string[] = [];
    let before: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listProviderEvents>> = await listProviderEvents(t.db, { before, limit: 2 });
      paged.push(...page.rows.map((e) => e.id));
      before = page.older;
    } while (before);
    expect(paged).toEqual(all);
    // A list that fills its last page exactly offers no empty page after it.
    const whole = await listProviderEvents(t.db, { limit: all.length });
    expect(whole.older).toBeNull();
  });

  it("shows the first page for a cursor that is not one, on the mail log, the events and the supporters list", async () => {
    const firstMail = (await load(mailLoader, "/admin/mail")).messages;
    const firstEvents = (await load(eventsLoader, "/admin/events")).events;
    const firstSupporters = (await load(supportersLoader, "/admin/supporters")).rows;
    const firstMatches = (await load(supportersLoader, "/admin/supporters?q=paged")).rows;
    expect(firstEvents.length).toBeGreaterThan(0);
    expect(firstSupporters.length).toBeGreaterThan(0);
    expect(firstMatches.length).toBe(3);
    for (const cursor of TAMPERED) {
      const at = encodeURIComponent(cursor);
      expect((await load(mailLoader, `/admin/mail?before=${at}`)).messages, cursor).toEqual(firstMail);
      expect((await load(eventsLoader, `/admin/events?before=${at}`)).events, cursor).toEqual(firstEvents);
      expect((await load(supportersLoader, `/admin/supporters?after=${at}`)).rows, cursor).toEqual(firstSupporters);
      expect((await load(supportersLoader, `/admin/supporters?q=paged&after=${at}`)).rows, cursor).toEqual(
        firstMatches,
      );
    }
  });

  it("pages the supporters' matches with the next page's cursor, in the URL", async () => {
    const first = await load(supportersLoader, "/admin/supporters?q=paged");
    const all = first.rows.map((r: { id: number }) => r.id);
    const { next } = await searchSupporters(t.db, { q: "paged", limit: 2 });
    expect(next).not.toBeNull();
    const second = await load(supportersLoader, `/admin/supporters?q=paged&after=${encodeURIComponent(next!)}`);
    expect(second.rows.map((r: { id: number }) => r.id)).toEqual(all.slice(2));
  });
});

describe("an email's status", () => {
  it("is superseded, not queued, when a newer email about the same subscription went instead; it is not resent", async () => {
    const [row] = await t.db
      .insert(outbox)
      .values({
        template: "magic_link",
        toEmail: "superseded@example.net",
        props: {},
        idempotencyKey: randomUUID(),
        createdAt: new Date("2033-01-01T00:00:00Z"),
        supersedeKey: "subscription:999999",
      })
      .returning({ id: outbox.id });
    await t.db
      .update(outbox)
      .set({ supersededAt: new Date("2033-01-01T00:01:00Z") })
      .where(eq(outbox.id, row!.id));
    const shown = (await load(mailLoader, "/admin/mail")).messages.find((m: { id: string }) => m.id === row!.id);
    expect(shown.status).toBe("superseded");
    expect((await listMail(t.db, { limit: 1 })).rows[0]?.status).toBe("superseded");
    expect(await resendMail(t.db, { outboxId: row!.id, staffUserId })).toBeNull();
  });
});
