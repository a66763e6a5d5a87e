import type { LoaderFunctionArgs } from "@remix-run/node";
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, outbox, sessions, staffPasswordTokens, staffUsers } from "@db/schema";
import { upsertStaffAccountWithLink } from "~/auth/staff-accounts.server";
import { createStaffUser, getStaffSession, signInStaff, STAFF_SET_PASSWORD_LIMIT } from "~/auth/staff-auth.server";
import { renderEmail } from "~/email/render.server";
import type { EmailTemplates } from "~/email/templates";
import { action as setPasswordAction, loader as setPasswordLoader } from "~/routes/admin.set-password.$token";
import { action as staffAction, loader as staffLoader } from "~/routes/admin.staff";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";

const { t } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
const cookies = { staff: "", admin: "" };
const ids = { staff: 0, admin: 0 };

async function signIn(email: string, password = PASSWORD) {
  return signInStaff(t.db, { email, password, clientAddress: `198.51.100.${Math.floor(Math.random() * 200)}` });
}

async function cookieFor(email: string, password = PASSWORD) {
  const result = await signIn(email, password);
  if (result.status !== "ok") throw new Error(`sign-in failed: ${result.status}`);
  return result.cookie.split(";")[0];
}

beforeAll(async () => {
  for (const role of ["staff", "admin"] as const) {
    ids[role] = await createStaffUser(t.db, {
      email: `${role}@invites.example`,
      name: `A ${role}`,
      role,
      password: PASSWORD,
    });
    cookies[role] = await cookieFor(`${role}@invites.example`);
  }
});

/** The admins' staff page as the signed-in person, with its CSRF token; the cookie then carries both. */
async function staffPage(cookie = cookies.admin) {
  const response = await callLoader(staffLoader as (args: LoaderFunctionArgs) => Promise<Response>, "/admin/staff", {
    cookie: cookies.admin,
  });
  const csrfCookie = (response.headers.get("Set-Cookie") ?? "").split(";")[0];
  const { csrf } = (await response.json()) as { csrf: string };
  return {
    post: (fields: Record<string, string>) =>
      postForm(
        staffAction,
        "/admin/staff",
        { csrf, ...fields },
        { cookie: [cookie, csrfCookie].filter(Boolean).join("; ") },
      ),
  };
}

const invite = async (fields: { email: string; name: string; role: string }) =>
  (await staffPage()).post({ intent: "invite", ...fields });

const personByEmail = async (email: string) =>
  (await t.db.select().from(staffUsers).where(eq(staffUsers.emailKey, email.toLowerCase())))[0];

/** The newest set-password email to an address, rendered as it will be sent, and its link's token. */
async function latestLinkTo(email: string) {
  const [mail] = await t.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, email), eq(outbox.template, "staff-invite")))
    .orderBy(desc(outbox.createdAt))
    .limit(1);
  const props = mail.props as EmailTemplates["staff-invite"];
  const rendered = await renderEmail("staff-invite", props);
  const url = rendered.text.match(/http:\/\/localhost:3000\/admin\/set-password\/[A-Za-z0-9_-]+/)?.[0];
  if (!url) throw new Error("no link in the email");
  return { mail, rendered, url, token: url.slice(url.lastIndexOf("/") + 1) };
}

let address = 10;
/** Opens the link page (as a browser would, for its CSRF cookie) and posts the form from one client address. */
async function openLink(token: string) {
  const path = `/admin/set-password/${token}`;
  const page = await callLoader(setPasswordLoader, path, { params: { token } });
  return {
    page,
    async submit(fields: { password: string; confirmation: string }, clientAddress = `203.0.113.${address++}`) {
      const { cookie, token: csrf } = await csrfFor(setPasswordLoader, path, { token });
      return postForm(setPasswordAction, path, { csrf, ...fields }, { params: { token }, cookie, clientAddress });
    },
  };
}

const audits = async (targetId: number) =>
  (
    await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, "staff_user"), eq(auditLog.targetId, String(targetId))))
      .orderBy(auditLog.id)
  ).map((e) => [e.action, e.actorId]);

describe("inviting staff by email", () => {
  it("invite → email with the link → form → field errors → password set → signed in, and sign-in works", async () => {
    const response = await invite({ email: "New.Person@invites.example", name: "New Person", role: "staff" });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/admin/staff?invited=1");
    const person = await personByEmail("new.person@invites.example");
    expect(person).toMatchObject({ name: "New Person", role: "staff", passwordHash: null, disabledAt: null });

    const { mail, rendered, url, token } = await latestLinkTo("New.Person@invites.example");
    expect(mail.props).toMatchObject({ purpose: "invite", staffName: "New Person", expiresInHours: 72 });
    expect(rendered.subject).toMatch(/invited/);
    expect(rendered.html).toContain(`href="${url}"`);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    // Only a hash of the token is stored.
    expect(JSON.stringify(await t.db.select().from(staffPasswordTokens))).not.toContain(token);

    const link = await openLink(token);
    expect(link.page.status).toBe(200);
    expect(link.page.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(await link.page.json()).toMatchObject({ state: "valid", purpose: "invite", name: "New Person" });
    // Opening the link again (a mail scanner, then the person) uses nothing up.
    expect((await openLink(token)).page.status).toBe(200);

    const short = await link.submit({ password: "too-short", confirmation: "too-short" });
    expect(short.status).toBe(400);
    expect(await short.json()).toEqual({ errors: { password: expect.stringMatching(/at least 12/) } });
    const mismatch = await link.submit({ password: "a brand new password", confirmation: "a brand new passwort" });
    expect(mismatch.status).toBe(400);
    expect((await mismatch.json()).errors).toEqual({ confirmation: expect.stringMatching(/don't match/) });
    const tooLong = await link.submit({ password: "x".repeat(257), confirmation: "x".repeat(257) });
    expect((await tooLong.json()).errors).toEqual({ password: expect.stringMatching(/at most 256/) });
    expect((await personByEmail("new.person@invites.example")).passwordHash).toBeNull();

    const done = await link.submit({ password: "a brand new password", confirmation: "a brand new password" });
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe("/admin?password=set");
    const sessionCookie = (done.headers.get("Set-Cookie") ?? "").split(";")[0];
    expect(sessionCookie).toMatch(/^ff_staff=/);
    const session = await getStaffSession(
      t.db,
      new Request("http://localhost:3000/admin", { headers: { Cookie: sessionCookie } }),
    );
    expect(session).toMatchObject({ staffUserId: person.id, role: "staff" });
    expect((await personByEmail("new.person@invites.example")).passwordHash).toMatch(/^\$argon2id\$/);
    expect((await signIn("new.person@invites.example", "a brand new password")).status).toBe("ok");

    // The link worked once.
    const reused = await openLink(token);
    expect(reused.page.status).toBe(410);
    expect((await reused.page.json()).state).toBe("invalid");
    const reusedPost = await reused.submit({
      password: "another long password",
      confirmation: "another long password",
    });
    expect(reusedPost.status).toBe(410);
    expect((await signIn("new.person@invites.example", "another long password")).status).toBe("invalid");

    expect(await audits(person.id)).toEqual([
      ["staff.create", ids.admin],
      ["staff.invite", ids.admin],
      ["staff.password_set", person.id],
    ]);
  });

  it("refuses bad input with field errors and the typed values, and a taken email", async () => {
    const bad = await invite({ email: "not-an-email", name: "", role: "owner" });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(Object.keys(body.errors).sort()).toEqual(["email", "name", "role"]);
    expect(body.values).toEqual({ email: "not-an-email", name: "", role: "owner" });
    const taken = await invite({ email: "ADMIN@invites.example", name: "Twin", role: "staff" });
    expect(taken.status).toBe(409);
  });

  it("staff cannot invite, resend or reset", async () => {
    const { post } = await staffPage(cookies.staff);
    expect(
      (await post({ intent: "invite", email: "sneaky@invites.example", name: "Sneaky", role: "admin" })).status,
    ).toBe(403);
    expect(await personByEmail("sneaky@invites.example")).toBeUndefined();
    expect((await post({ intent: "send-link", id: String(ids.admin) })).status).toBe(403);
    expect(await t.db.select().from(staffPasswordTokens).where(eq(staffPasswordTokens.staffUserId, ids.admin))).toEqual(
      [],
    );
  });

  it("an expired link is refused", async () => {
    await invite({ email: "late@invites.example", name: "Late", role: "staff" });
    const { token } = await latestLinkTo("late@invites.example");
    const person = await personByEmail("late@invites.example");
    await t.db
      .update(staffPasswordTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(staffPasswordTokens.staffUserId, person.id));
    const link = await openLink(token);
    expect(link.page.status).toBe(410);
    expect((await link.submit({ password: "a brand new password", confirmation: "a brand new password" })).status).toBe(
      410,
    );
    expect((await personByEmail("late@invites.example")).passwordHash).toBeNull();
  });

  it("a disabled person's link is refused", async () => {
    await invite({ email: "leaver@invites.example", name: "Leaver", role: "staff" });
    const { token } = await latestLinkTo("leaver@invites.example");
    const person = await personByEmail("leaver@invites.example");
    expect((await (await staffPage()).post({ intent: "disable", id: String(person.id) })).status).toBe(303);
    const link = await openLink(token);
    expect(link.page.status).toBe(410);
    expect((await link.submit({ password: "a brand new password", confirmation: "a brand new password" })).status).toBe(
      410,
    );
    expect((await personByEmail("leaver@invites.example")).passwordHash).toBeNull();
    // No new link for a disabled account either.
    expect((await (await staffPage()).post({ intent: "send-link", id: String(person.id) })).status).toBe(409);
  });

  it("disabling ends a pending link for good: enabling the person again does not revive it", async () => {
    await invite({ email: "returner@invites.example", name: "Returner", role: "staff" });
    const { token } = await latestLinkTo("returner@invites.example");
    const person = await personByEmail("returner@invites.example");
    expect((await (await staffPage()).post({ intent: "disable", id: String(person.id) })).status).toBe(303);
    expect((await (await staffPage()).post({ intent: "enable", id: String(person.id) })).status).toBe(303);
    expect((await personByEmail("returner@invites.example")).disabledAt).toBeNull();
    const link = await openLink(token);
    expect(link.page.status).toBe(410);
    expect((await link.submit({ password: "a brand new password", confirmation: "a brand new password" })).status).toBe(
      410,
    );
    expect((await personByEmail("returner@invites.example")).passwordHash).toBeNull();
    // A new link, sent after re-enabling, works.
    expect((await (await staffPage()).post({ intent: "send-link", id: String(person.id) })).status).toBe(303);
    const fresh = await latestLinkTo("returner@invites.example");
    expect((await openLink(fresh.token)).page.status).toBe(200);
  });

  it("resending an invitation sends a new link; the earlier one stops working", async () => {
    await invite({ email: "slow@invites.example", name: "Slow", role: "admin" });
    const first = await latestLinkTo("slow@invites.example");
    const person = await personByEmail("slow@invites.example");
    const resent = await (await staffPage()).post({ intent: "send-link", id: String(person.id) });
    expect(resent.headers.get("Location")).toBe("/admin/staff?reinvited=1");
    const second = await latestLinkTo("slow@invites.example");
    expect(second.token).not.toBe(first.token);
    expect(second.mail.props).toMatchObject({ purpose: "invite" });
    expect((await openLink(first.token)).page.status).toBe(410);
    expect(
      (
        await (
          await openLink(second.token)
        ).submit({ password: "slow but steady wins", confirmation: "slow but steady wins" })
      ).status,
    ).toBe(303);
    expect(await audits(person.id)).toEqual([
      ["staff.create", ids.admin],
      ["staff.invite", ids.admin],
      ["staff.invite_resend", ids.admin],
      ["staff.password_set", person.id],
    ]);
  });

  it("a reset link keeps the old password working until used, then ends every other session", async () => {
    const id = await createStaffUser(t.db, {
      email: "forgetful@invites.example",
      name: "Forgetful",
      role: "staff",
      password: PASSWORD,
    });
    const oldSession = await cookieFor("forgetful@invites.example");
    const sent = await (await staffPage()).post({ intent: "send-link", id: String(id) });
    expect(sent.headers.get("Location")).toBe("/admin/staff?reset=1");
    const { mail, rendered, token } = await latestLinkTo("forgetful@invites.example");
    expect(mail.props).toMatchObject({ purpose: "reset" });
    expect(rendered.subject).toMatch(/new password/);
    expect((await signIn("forgetful@invites.example")).status).toBe("ok");

    const link = await openLink(token);
    expect(await link.page.json()).toMatchObject({ state: "valid", purpose: "reset" });
    const done = await link.submit({ password: "remembered this time", confirmation: "remembered this time" });
    expect(done.status).toBe(303);
    expect(
      await getStaffSession(t.db, new Request("http://localhost:3000/admin", { headers: { Cookie: oldSession } })),
    ).toBeNull();
    const live = await t.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.staffUserId, id), isNull(sessions.revokedAt)));
    expect(live).toHaveLength(1); // the one just started
    expect((await signIn("forgetful@invites.example")).status).toBe("invalid");
    expect((await signIn("forgetful@invites.example", "remembered this time")).status).toBe("ok");
    const entries = await t.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.targetId, String(id)), inArray(auditLog.action, ["staff.reset_link", "staff.password_set"])),
      )
      .orderBy(auditLog.id);
    expect(entries.map((e) => [e.action, e.actorId, e.details])).toEqual([
      ["staff.reset_link", ids.admin, expect.objectContaining({ purpose: "reset" })],
      ["staff.password_set", id, { purpose: "reset" }],
    ]);
  });

  it("an unknown or malformed token gets the same answer", async () => {
    for (const token of ["x".repeat(43), "short", "../../etc/passwd"]) {
      const link = await openLink(token);
      expect(link.page.status).toBe(410);
      expect((await link.page.json()).state).toBe("invalid");
    }
  });

  it("limits set-password attempts per client, before looking at the token", async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= STAFF_SET_PASSWORD_LIMIT.limit; i++) {
      statuses.push(
        (
          await (
            await openLink(`guess${i}`.padEnd(43, "A"))
          ).submit({ password: "whatever it is", confirmation: "whatever it is" }, "192.0.2.77")
        ).status,
      );
    }
    expect(statuses.slice(0, -1).every((s) => s === 410)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it("the command line can hand out a one-time link instead of reading a password", async () => {
    const { outcome, url } = await upsertStaffAccountWithLink(t.db, {
      email: "first.admin@invites.example",
      name: "First Admin",
      role: "admin",
    });
    expect(outcome).toBe("created");
    expect(url).toMatch(/^http:\/\/localhost:3000\/admin\/set-password\/[A-Za-z0-9_-]{43}$/);
    const token = url.slice(url.lastIndexOf("/") + 1);
    expect(
      (
        await (
          await openLink(token)
        ).submit({ password: "the first admin's password", confirmation: "the first admin's password" })
      ).status,
    ).toBe(303);
    expect((await signIn("first.admin@invites.example", "the first admin's password")).status).toBe("ok");
    // No email: the link was printed.
    expect(await t.db.select().from(outbox).where(eq(outbox.toEmail, "first.admin@invites.example"))).toEqual([]);
  });
});
