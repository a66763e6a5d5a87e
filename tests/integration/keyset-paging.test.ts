// One keyset-paging helper (db/keyset.server.ts) behind the mail log, the events list, the
// supporters list, the messages of support (staff and the public wall), the audit log and the
// pledges list; one mail status (app/email/mail-status.ts) wherever an email's fate is shown.
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, campaigns, outbox, payments, providerEvents, supporters } from "@db/schema";
import { listAuditEntries } from "~/audit/audit-log.server";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { listMail, resendMail } from "~/email/mail-log.server";
import { listMessagesForStaff, listWall } from "~/giving/messages.server";
import { listProviderEvents } from "~/payments/provider-events.server";
import { listPledges } from "~/pledges/pledges.server";
import { loader as auditLoader } from "~/routes/admin.audit";
import { loader as eventsLoader } from "~/routes/admin.events";
import { loader as mailLoader } from "~/routes/admin.mail";
import { loader as messagesLoader } from "~/routes/admin.messages";
import { loader as pledgesLoader } from "~/routes/admin.pledges._index";
import { loader as supportersLoader } from "~/routes/admin.supporters._index";
import { loader as campaignLoader } from "~/routes/c.$slug";
import { searchSupporters } from "~/supporters/search.server";
import { giveGift, givePhoneOnlyCheque } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader } from "../support/remix";

const { t } = useSeededDatabase();
let cookie = "";
let staffUserId = 0;
let campaign = { id: 0, slug: "" };
const burstMessages: number[] = [];

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

  [campaign] = await t.db.select({ id: campaigns.id, slug: campaigns.slug }).from(campaigns).limit(1);
  if (!campaign) throw new Error("the seeded database has no campaign");
  // Messages of support paid microseconds apart, approved: the wall and the staff list page through them.
  const paidAt = new Date("2033-06-01T00:00:00Z");
  for (let i = 0; i < 5; i++) {
    const gift = await giveGift(t.db, { campaignId: campaign.id, currency: "AUD", message: `Burst message ${i}` });
    await t.db
      .update(payments)
      .set({
        paidAt: sql`${paidAt.toISOString()}::timestamptz + make_interval(secs => ${i} / 1000000.0)`,
        messageStatus: "approved",
      })
      .where(eq(payments.id, gift.payment.id));
    burstMessages.unshift(gift.payment.id);
  }
  for (let i = 0; i < 3; i++) await givePhoneOnlyCheque(t.db, { campaignId: campaign.id, staffUserId });
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

  it("walks the messages of support a microsecond apart, on the wall and the staff list, newest first", async () => {
    const walk = async (list: (before: string | null) => Promise<{ ids: number[]; next: string | null }>) => {
      const ids: number[] = [];
      let before: string | null = null;
      do {
        const page: { ids: number[]; next: string | null } = await list(before);
        ids.push(...page.ids);
        before = page.next;
      } while (before);
      return ids;
    };
    const wall = await walk(async (before) => {
      const page = await listWall(t.db, { campaignId: campaign.id, before, limit: 2 });
      return { ids: page.messages.map((m) => m.paymentId), next: page.next };
    });
    expect(wall.slice(0, 5)).toEqual(burstMessages);
    expect(wall).toEqual(
      (await listWall(t.db, { campaignId: campaign.id, limit: 1000 })).messages.map((m) => m.paymentId),
    );
    const staff = await walk(async (before) => {
      const page = await listMessagesForStaff(t.db, { status: "approved", before, limit: 2 });
      return { ids: page.messages.map((m) => m.paymentId), next: page.next };
    });
    expect(staff.slice(0, 5)).toEqual(burstMessages);
  });

  it("walks the audit log and the pledges, and offers no empty page after a full last one", async () => {
    const allAudit = (await listAuditEntries(t.db, { limit: 10_000 })).entries.map((e) => e.id);
    const [{ n } = { n: 0 }] = await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog);
    expect(allAudit.length).toBe(n);
    const audit: number[] = [];
    let before: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listAuditEntries>> = await listAuditEntries(t.db, { before, limit: 2 });
      audit.push(...page.entries.map((e) => e.id));
      before = page.next;
    } while (before);
    expect(audit).toEqual(allAudit);
    expect((await listAuditEntries(t.db, { limit: allAudit.length })).next).toBeNull();

    const allPledges = (await listPledges(t.db, { limit: 10_000 })).pledges.map((p) => p.id);
    expect(allPledges.length).toBeGreaterThanOrEqual(3);
    const pledged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listPledges>> = await listPledges(t.db, { cursor, limit: 2 });
      pledged.push(...page.pledges.map((p) => p.id));
      cursor = page.next;
    } while (cursor);
    expect(pledged).toEqual(allPledges);
    expect((await listPledges(t.db, { limit: allPledges.length })).next).toBeNull();
  });

  it("shows the first page for a cursor that is not one, on the messages, the wall, the audit log and the pledges", async () => {
    const wallOf = async (query: string) =>
      (
        await (
          await callLoader(campaignLoader, `/c/${campaign.slug}${query}`, { params: { slug: campaign.slug } })
        ).json()
      ).wall;
    const firstMessages = (await load(messagesLoader, "/admin/messages?show=approved")).messages;
    const firstWall = await wallOf("");
    const firstAudit = (await load(auditLoader, "/admin/audit")).entries;
    const firstPledges = (await load(pledgesLoader, "/admin/pledges")).pledges;
    expect(firstMessages.length).toBeGreaterThan(0);
    expect(firstWall.messages.length).toBeGreaterThan(0);
    expect(firstAudit.length).toBeGreaterThan(0);
    expect(firstPledges.length).toBeGreaterThan(0);
    // The cursor formats these lists had before: old links open the first page too.
    for (const cursor of [...TAMPERED, "1796083200000-12", "0000000000000-1"]) {
      const at = encodeURIComponent(cursor);
      expect((await load(messagesLoader, `/admin/messages?show=approved&before=${at}`)).messages, cursor).toEqual(
        firstMessages,
      );
      const wall = await wallOf(`?before=${at}`);
      expect(wall.messages, cursor).toEqual(firstWall.messages);
      expect(wall.newestHref, cursor).toBeNull();
      expect((await load(auditLoader, `/admin/audit?before=${at}`)).entries, cursor).toEqual(firstAudit);
      expect((await load(pledgesLoader, `/admin/pledges?before=${at}`)).pledges, cursor).toEqual(firstPledges);
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
