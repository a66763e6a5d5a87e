import { randomUUID } from "node:crypto";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, outbox, providerEvents, sessions, staffUsers } from "@db/schema";
import { createStaffUser, getStaffSession, signInStaff } from "~/auth/staff-auth.server";
import { listMail } from "~/email/mail-log.server";
import { listProviderEvents } from "~/payments/provider-events.server";
import { loader as eventsLoader } from "~/routes/admin.events";
import { action as mailAction, loader as mailLoader } from "~/routes/admin.mail";
import { action as staffAction, loader as staffLoader } from "~/routes/admin.staff";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
const ids = { staff: 0, admin: 0 };
const cookies = { staff: "", admin: "" };

async function signIn(email: string, password = PASSWORD) {
  const result = await signInStaff(t.db, {
    email,
    password,
    clientAddress: `198.51.100.${Math.floor(Math.random() * 200)}`,
  });
  if (result.status !== "ok") throw new Error(`sign-in failed: ${result.status}`);
  return result.cookie.split(";")[0];
}

/** Loads a staff page as the signed-in person, for its CSRF token; the cookie then carries both. */
async function formFor(loader: (args: LoaderFunctionArgs) => Promise<Response>, path: string, cookie: string) {
  const response = await callLoader(loader, path, { cookie });
  expect(response.status).toBe(200);
  const csrfCookie = (response.headers.get("Set-Cookie") ?? "").split(";")[0];
  const body = (await response.json()) as { csrf: string };
  return { cookie: [cookie, csrfCookie].filter(Boolean).join("; "), csrf: body.csrf };
}

const request = (cookie: string) => new Request("http://localhost:3000/admin", { headers: { Cookie: cookie } });

beforeAll(async () => {
  for (const role of ["staff", "admin"] as const) {
    ids[role] = await createStaffUser(t.db, {
      email: `${role}@ops.example`,
      name: `An ${role}`,
      role,
      password: PASSWORD,
    });
    cookies[role] = await signIn(`${role}@ops.example`);
  }
});

describe("mail log", () => {
  const rows: Record<"queued" | "sent" | "failed", string> = { queued: "", sent: "", failed: "" };

  beforeAll(async () => {
    const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));
    const insert = async (n: number, change: Partial<typeof outbox.$inferInsert>) => {
      const [row] = await t.db
        .insert(outbox)
        .values({
          template: "magic_link",
          toEmail: `reader${n}@example.net`,
          props: { secret: "do-not-show" },
          idempotencyKey: randomUUID(),
          createdAt: at(n),
          ...change,
        })
        .returning({ id: outbox.id });
      return row.id;
    };
    rows.queued = await insert(3, {});
    rows.sent = await insert(2, { sentAt: at(2), attempts: 1 });
    rows.failed = await insert(1, { failedAt: at(1), attempts: 6, lastError: "mailbox unavailable" });
  });

  it("shows every email newest first with its status and error, but never its props", async () => {
    const response = await callLoader(mailLoader, "/admin/mail", { cookie: cookies.staff });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(
      body.messages
        .slice(0, 3)
        .map((m: { id: string; status: string; toEmail: string; lastError: string | null }) => [
          m.id,
          m.status,
          m.toEmail,
          m.lastError,
        ]),
    ).toEqual([
      [rows.queued, "queued", "reader3@example.net", null],
      [rows.sent, "sent", "reader2@example.net", null],
      [rows.failed, "failed", "reader1@example.net", "mailbox unavailable"],
    ]);
    expect(JSON.stringify(body)).not.toContain("do-not-show");
  });

  it("pages by keyset without losing rows that share a millisecond", async () => {
    const same = new Date("2031-01-01T00:00:00Z");
    // Microseconds apart: a cursor kept as a JavaScript Date would skip some of them.
    for (let i = 0; i < 5; i++) {
      const [row] = await t.db
        .insert(outbox)
        .values({
          template: "magic_link",
          toEmail: `burst${i}@example.net`,
          props: {},
          idempotencyKey: randomUUID(),
          createdAt: same,
        })
        .returning({ id: outbox.id });
      await t.db
        .update(outbox)
        .set({ createdAt: sql`${outbox.createdAt} + make_interval(secs => ${i} / 1000000.0)` })
        .where(eq(outbox.id, row.id));
    }
    const all = (await listMail(t.db, { limit: 1000 })).rows;
    const paged: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await listMail(t.db, { before, limit: 2 });
      paged.push(...page.rows.map((m) => m.id));
      if (!page.older) break;
      before = page.older;
    }
    expect(paged).toEqual(all.map((m) => m.id));
    // The cursor after the second email: the first page of two's.
    const afterSecond = (await listMail(t.db, { limit: 2 })).older!;
    const viaUrl = await callLoader(mailLoader, `/admin/mail?before=${encodeURIComponent(afterSecond)}`, {
      cookie: cookies.staff,
    });
    expect((await viaUrl.json()).messages[0].id).toBe(all[2].id);
  });

  it("resends a sent or failed email as a new queued copy, audit-logged; a queued one is not resent", async () => {
    for (const id of [rows.failed, rows.sent]) {
      const { cookie, csrf } = await formFor(mailLoader, "/admin/mail", cookies.staff);
      const response = await postForm(mailAction, "/admin/mail", { csrf, intent: "resend", id }, { cookie });
      expect(response.status).toBe(303);
    }
    const [original] = await t.db.select().from(outbox).where(eq(outbox.id, rows.failed));
    const copies = await t.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toEmail, "reader1@example.net"), isNull(outbox.failedAt)));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({
      template: original.template,
      props: original.props,
      attempts: 0,
      sentAt: null,
      lastError: null,
    });
    expect(copies[0].idempotencyKey).not.toBe(original.idempotencyKey);

    const entries = await t.db.select().from(auditLog).where(eq(auditLog.action, "email.resend"));
    expect(entries.map((e) => [e.actorId, e.targetType, e.targetId])).toEqual([
      [ids.staff, "outbox", rows.failed],
      [ids.staff, "outbox", rows.sent],
    ]);
    expect(entries[0].details).toEqual({ copyId: copies[0].id });

    const { cookie, csrf } = await formFor(mailLoader, "/admin/mail", cookies.staff);
    expect(
      (await postForm(mailAction, "/admin/mail", { csrf, intent: "resend", id: rows.queued }, { cookie })).status,
    ).toBe(409);
    expect(
      (
        await postForm(
          mailAction,
          "/admin/mail",
          { csrf: "forged-token-forged-token-forged-token", intent: "resend", id: rows.sent },
          { cookie },
        )
      ).status,
    ).toBe(403);
  });
});

describe("payment events log", () => {
  it("lists provider events newest first, for staff and admins", async () => {
    await t.db.insert(providerEvents).values([
      {
        id: "evt_old",
        type: "invoice.paid",
        providerCreatedAt: new Date("2030-01-01T00:00:00Z"),
        receivedAt: new Date("2030-01-01T00:00:01Z"),
        processedAt: new Date("2030-01-01T00:00:02Z"),
      },
      {
        id: "evt_new",
        type: "checkout.session.completed",
        providerCreatedAt: new Date("2030-01-02T00:00:00Z"),
        receivedAt: new Date("2030-01-02T00:00:01Z"),
        processedAt: null,
      },
    ]);
    expect((await callLoader(eventsLoader, "/admin/events", { cookie: cookies.staff })).status).toBe(200);
    const response = await callLoader(eventsLoader, "/admin/events", { cookie: cookies.admin });
    expect(response.status).toBe(200);
    const { events } = await response.json();
    expect(
      events.map((e: { id: string; type: string; processedAt: string | null }) => [e.id, e.type, e.processedAt]),
    ).toEqual([
      ["evt_new", "checkout.session.completed", null],
      ["evt_old", "invoice.paid", "2030-01-01T00:00:02.000Z"],
    ]);
    const afterNewest = (await listProviderEvents(t.db, { limit: 1 })).older!;
    const older = await listProviderEvents(t.db, { before: afterNewest });
    expect(older.rows.map((e) => e.id)).toEqual(["evt_old"]);
    // Replaying failed events (admins only) is covered in webhook-failures.test.ts.
  });
});

describe("staff management", () => {
  it("is for admins only", async () => {
    expect((await callLoader(staffLoader, "/admin/staff", { cookie: cookies.staff })).status).toBe(403);
    const { cookie, csrf } = await formFor(staffLoader, "/admin/staff", cookies.admin);
    const staffCookie = cookie.replace(cookies.admin, cookies.staff);
    const response = await postForm(
      staffAction,
      "/admin/staff",
      { csrf, intent: "disable", id: String(ids.admin) },
      { cookie: staffCookie },
    );
    expect(response.status).toBe(403);
  });

  it("invites a person without a password, refusing bad input and a taken email", async () => {
    const { cookie, csrf } = await formFor(staffLoader, "/admin/staff", cookies.admin);
    const add = (fields: Record<string, string>) =>
      postForm(staffAction, "/admin/staff", { csrf, intent: "invite", ...fields }, { cookie });

    const bad = await add({ email: "not-an-email", name: "", role: "owner" });
    expect(bad.status).toBe(400);
    expect(Object.keys((await bad.json()).errors).sort()).toEqual(["email", "name", "role"]);
    const taken = await add({ email: "STAFF@ops.example", name: "Twin", role: "staff" });
    expect(taken.status).toBe(409);

    // The temporary-password path is gone: a password sent with the form is ignored.
    const ok = await add({
      email: "new.person@ops.example",
      name: "New Person",
      role: "staff",
      password: "temporary-password-1",
    });
    expect(ok.status).toBe(303);
    const [person] = await t.db.select().from(staffUsers).where(eq(staffUsers.emailKey, "new.person@ops.example"));
    expect(person).toMatchObject({ name: "New Person", role: "staff", disabledAt: null, passwordHash: null });
    expect(
      (
        await signInStaff(t.db, {
          email: "new.person@ops.example",
          password: "temporary-password-1",
          clientAddress: "198.51.100.251",
        })
      ).status,
    ).toBe("invalid");
    // Setting the password through the emailed link is covered in staff-invites.test.ts.

    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, "staff.create"));
    expect(entry).toMatchObject({
      actorType: "staff",
      actorId: ids.admin,
      targetType: "staff_user",
      targetId: String(person.id),
      details: { role: "staff" },
    });

    const listed = await (await callLoader(staffLoader, "/admin/staff", { cookie: cookies.admin })).json();
    expect(listed.staff.map((s: { email: string }) => s.email)).toContain("new.person@ops.example");
    expect(JSON.stringify(listed)).not.toContain("argon2");
  });

  it("disabling signs the person out at once; re-enabling lets them sign in again; nobody disables themselves", async () => {
    const leaverId = await createStaffUser(t.db, {
      email: "leaver@ops.example",
      name: "Leaver",
      role: "admin",
      password: PASSWORD,
    });
    const leaverCookie = await signIn("leaver@ops.example");
    expect(await getStaffSession(t.db, request(leaverCookie))).not.toBeNull();

    const { cookie, csrf } = await formFor(staffLoader, "/admin/staff", cookies.admin);
    const disable = await postForm(
      staffAction,
      "/admin/staff",
      { csrf, intent: "disable", id: String(leaverId) },
      { cookie },
    );
    expect(disable.status).toBe(303);
    expect(await getStaffSession(t.db, request(leaverCookie))).toBeNull();
    expect(
      await t.db
        .select()
        .from(sessions)
        .where(and(eq(sessions.staffUserId, leaverId), isNull(sessions.revokedAt))),
    ).toEqual([]);
    expect(
      (await signInStaff(t.db, { email: "leaver@ops.example", password: PASSWORD, clientAddress: "198.51.100.250" }))
        .status,
    ).toBe("invalid");

    const enable = await postForm(
      staffAction,
      "/admin/staff",
      { csrf, intent: "enable", id: String(leaverId) },
      { cookie },
    );
    expect(enable.status).toBe(303);
    // The old session stays ended; a new sign-in works.
    expect(await getStaffSession(t.db, request(leaverCookie))).toBeNull();
    await signIn("leaver@ops.example");

    const self = await postForm(
      staffAction,
      "/admin/staff",
      { csrf, intent: "disable", id: String(ids.admin) },
      { cookie },
    );
    expect(self.status).toBe(409);
    expect((await self.json()).formError).toMatch(/cannot disable your own account/);
    expect(await getStaffSession(t.db, request(cookies.admin))).not.toBeNull();

    const missing = await postForm(staffAction, "/admin/staff", { csrf, intent: "disable", id: "999999" }, { cookie });
    expect(missing.status).toBe(404);

    const entries = await t.db
      .select()
      .from(auditLog)
      .where(and(inArray(auditLog.action, ["staff.disable", "staff.enable"]), eq(auditLog.targetId, String(leaverId))));
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ["staff.disable", ids.admin],
      ["staff.enable", ids.admin],
    ]);
  });
});
