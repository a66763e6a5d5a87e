import { readdirSync } from "node:fs";
import path from "node:path";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { sessions, staffUsers, supporters } from "@db/schema";
import { createStaffPasswordLink, createStaffUser, disableStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { action as signInAction, loader as signInLoader } from "~/routes/admin.sign-in";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";

const { t } = useSeededDatabase();

type Loader = (args: LoaderFunctionArgs) => Promise<Response> | Response;
type Expected = { anonymous: number; staff: number; admin: number };

/**
 * Every admin page and who may see it. A new admin route must be added here (the last test
 * fails otherwise), so no page ships without its access rule being checked.
 */
const ROUTES: Record<string, { path: string; params?: Record<string, string>; expected: Expected }> = {
  "admin._index": { path: "/admin", expected: { anonymous: 303, staff: 200, admin: 200 } },
  "admin.audit": { path: "/admin/audit", expected: { anonymous: 303, staff: 403, admin: 200 } },
  "admin.supporters._index": {
    path: "/admin/supporters?q=matrix",
    expected: { anonymous: 303, staff: 200, admin: 200 },
  },
  "admin.supporters.$id": {
    path: "/admin/supporters/424242",
    params: { id: "424242" },
    expected: { anonymous: 303, staff: 200, admin: 200 },
  },
  // JSON for the pledge screen's type-ahead: a fetch cannot follow a redirect to the sign-in page.
  "admin.supporters.search": {
    path: "/admin/supporters/search?q=matrix",
    expected: { anonymous: 401, staff: 200, admin: 200 },
  },
  "admin.exports._index": { path: "/admin/exports", expected: { anonymous: 303, staff: 200, admin: 200 } },
  "admin.exports.$kind[.csv]": {
    path: "/admin/exports/supporters.csv",
    params: { kind: "supporters" },
    expected: { anonymous: 303, staff: 200, admin: 200 },
  },
  "admin.mail": { path: "/admin/mail", expected: { anonymous: 303, staff: 200, admin: 200 } },
  // Staff on the phone line read and moderate messages of support.
  "admin.messages": { path: "/admin/messages", expected: { anonymous: 303, staff: 200, admin: 200 } },
  // The printable bundle of approved messages, to send on: staff, like the moderation list.
  "admin.messages_.print": {
    path: "/admin/messages/print",
    expected: { anonymous: 303, staff: 200, admin: 200 },
  },
  // Staff read the payment-events log; only admins replay a failed event (its action).
  "admin.events": { path: "/admin/events", expected: { anonymous: 303, staff: 200, admin: 200 } },
  "admin.staff": { path: "/admin/staff", expected: { anonymous: 303, staff: 403, admin: 200 } },
  // The emailed link is the credential: anyone holding a valid one reaches the form, signed in or
  // not (the token is filled in below). Unknown, used, expired and disabled links: 410, see staff-invites.
  "admin.set-password.$token": {
    path: "/admin/set-password/",
    params: { token: "" },
    expected: { anonymous: 200, staff: 200, admin: 200 },
  },
  "admin.pledges._index": {
    path: "/admin/pledges?status=pending",
    expected: { anonymous: 303, staff: 200, admin: 200 },
  },
  "admin.pledges.new": { path: "/admin/pledges/new?q=matrix", expected: { anonymous: 303, staff: 200, admin: 200 } },
  // No pledge 424242 here: signed-in staff reach the lookup (404), the anonymous never do.
  "admin.pledges.$id": {
    path: "/admin/pledges/424242",
    params: { id: "424242" },
    expected: { anonymous: 303, staff: 404, admin: 404 },
  },
  "admin.payments._index": { path: "/admin/payments?to=post", expected: { anonymous: 303, staff: 200, admin: 200 } },
  // No payment 424242 either: staff and admins reach the lookup (404), the anonymous never do.
  "admin.payments.$id": {
    path: "/admin/payments/424242",
    params: { id: "424242" },
    expected: { anonymous: 303, staff: 404, admin: 404 },
  },
  "admin.payments.$id_.receipt": {
    path: "/admin/payments/424242/receipt",
    params: { id: "424242" },
    expected: { anonymous: 303, staff: 404, admin: 404 },
  },
  // Refunds are for admins: staff are told so before any lookup; an admin reaches the lookup (404).
  "admin.payments.$id_.refund": {
    path: "/admin/payments/424242/refund",
    params: { id: "424242" },
    expected: { anonymous: 303, staff: 403, admin: 404 },
  },
  // Staff read the campaign list (the phone line needs it); editing campaigns and anything about plans is for admins.
  "admin.campaigns._index": { path: "/admin/campaigns", expected: { anonymous: 303, staff: 200, admin: 200 } },
  "admin.campaigns.new": { path: "/admin/campaigns/new", expected: { anonymous: 303, staff: 403, admin: 200 } },
  "admin.campaigns.$id": {
    path: "/admin/campaigns/1",
    params: { id: "1" },
    expected: { anonymous: 303, staff: 403, admin: 200 },
  },
  "admin.settings": { path: "/admin/settings", expected: { anonymous: 303, staff: 403, admin: 200 } },
  "admin.plans._index": { path: "/admin/plans", expected: { anonymous: 303, staff: 403, admin: 200 } },
  "admin.plans.new": { path: "/admin/plans/new", expected: { anonymous: 303, staff: 403, admin: 200 } },
  "admin.plans.$id": {
    path: "/admin/plans/1",
    params: { id: "1" },
    expected: { anonymous: 303, staff: 403, admin: 200 },
  },
};
/** Reachable by anyone, by design. */
const PUBLIC = new Set(["admin", "admin.sign-in", "admin.sign-out"]);

const PASSWORD = "a-long-staff-password";
const cookies: Record<"staff" | "admin", string> = { staff: "", admin: "" };
const ids: Record<"staff" | "admin", number> = { staff: 0, admin: 0 };

async function signIn(email: string) {
  const result = await signInStaff(t.db, {
    email,
    password: PASSWORD,
    clientAddress: `198.51.100.${Math.floor(Math.random() * 200)}`,
  });
  if (result.status !== "ok") throw new Error(`sign-in failed: ${result.status}`);
  return result.cookie.split(";")[0];
}

beforeAll(async () => {
  // The supporter the supporter page of the table above shows.
  await t.db
    .insert(supporters)
    .values({ id: 424242, email: "matrix@example.net", name: "Matrix Supporter" })
    .onConflictDoNothing();
  for (const role of ["staff", "admin"] as const) {
    ids[role] = await createStaffUser(t.db, {
      email: `${role}@fund.example`,
      name: `A ${role}`,
      role,
      password: PASSWORD,
    });
    cookies[role] = await signIn(`${role}@fund.example`);
  }
  const invitee = await createStaffUser(t.db, {
    email: "invitee@fund.example",
    name: "Invitee",
    role: "staff",
    password: null,
  });
  const { url } = await createStaffPasswordLink(t.db, {
    staffUserId: invitee,
    purpose: "invite",
    createdByStaffId: ids.admin,
  });
  const token = url.slice(url.lastIndexOf("/") + 1);
  ROUTES["admin.set-password.$token"].path += token;
  ROUTES["admin.set-password.$token"].params = { token };
});

const ROUTE_MODULES = import.meta.glob<{ loader: Loader }>("../../app/routes/admin*.{ts,tsx}");

async function status(route: string, cookie?: string) {
  const module = await (
    ROUTE_MODULES[`../../app/routes/${route}.tsx`] ?? ROUTE_MODULES[`../../app/routes/${route}.ts`]
  )();
  return (await callLoader(module.loader, ROUTES[route].path, { cookie, params: ROUTES[route].params })).status;
}

describe("admin access", () => {
  it.each(Object.keys(ROUTES))("%s answers anonymous, staff and admin as it should", async (route) => {
    const { expected } = ROUTES[route];
    expect({
      anonymous: await status(route),
      staff: await status(route, cookies.staff),
      admin: await status(route, cookies.admin),
    }).toEqual(expected);
  });

  it("sends the anonymous to sign in and back to where they were going", async () => {
    const module = await ROUTE_MODULES["../../app/routes/admin.audit.tsx"]();
    const response = await callLoader(module.loader, "/admin/audit");
    expect(response.headers.get("Location")).toBe("/admin/sign-in?next=%2Fadmin%2Faudit");
  });

  it("a disabled account and an expired session are signed out at once", async () => {
    const id = await createStaffUser(t.db, {
      email: "leaver@fund.example",
      name: "Leaver",
      role: "admin",
      password: PASSWORD,
    });
    const cookie = await signIn("leaver@fund.example");
    expect(await status("admin._index", cookie)).toBe(200);
    await disableStaffUser(t.db, { staffUserId: id });
    expect(await status("admin._index", cookie)).toBe(303);

    const fresh = await signIn("staff@fund.example");
    await t.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.staffUserId, ids.staff));
    expect(await status("admin._index", fresh)).toBe(303);
  });

  it("every admin route is in the table above", () => {
    const files = readdirSync(path.resolve(__dirname, "../../app/routes"))
      .filter((f) => f === "admin.tsx" || f.startsWith("admin."))
      .map((f) => f.replace(/\.tsx?$/, ""));
    expect(files.filter((f) => !PUBLIC.has(f) && !(f in ROUTES))).toEqual([]);
  });
});

describe("staff sign-in", () => {
  async function attempt(email: string, password: string, clientAddress = "203.0.113.50") {
    const { cookie, token } = await csrfFor(signInLoader, "/admin/sign-in");
    return postForm(
      signInAction,
      "/admin/sign-in",
      { csrf: token, email, password, next: "/admin/audit" },
      { cookie, clientAddress },
    );
  }

  it("signs in with the right password and goes where asked; an outside address is never a target", async () => {
    const ok = await attempt("admin@fund.example", PASSWORD);
    expect(ok.status).toBe(303);
    expect(ok.headers.get("Location")).toBe("/admin/audit");
    expect(ok.headers.get("Set-Cookie")).toMatch(/^ff_staff=.*HttpOnly.*SameSite=Lax/i);
    const { cookie, token } = await csrfFor(signInLoader, "/admin/sign-in");
    const evil = await postForm(
      signInAction,
      "/admin/sign-in",
      { csrf: token, email: "admin@fund.example", password: PASSWORD, next: "https://evil.example/" },
      { cookie, clientAddress: "203.0.113.51" },
    );
    expect(evil.headers.get("Location")).toBe("/admin");
  });

  it("says the same for a wrong password and an unknown email", async () => {
    const wrong = await attempt("admin@fund.example", "not-the-password", "203.0.113.60");
    const unknown = await attempt("nobody@fund.example", PASSWORD, "203.0.113.61");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect((await wrong.json()).formError).toBe((await unknown.json()).formError);
  });

  it("no longer locks an account after five wrong passwords from different addresses", async () => {
    // Growing delays with a much higher per-account allowance replace the 15-minute
    // lock; the limits themselves are pinned in staff-sign-in-limits.test.ts.
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await attempt("target@fund.example", "guess-" + i, `192.0.2.${100 + i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
  });

  it("never signs in a disabled account", async () => {
    await createStaffUser(t.db, { email: "gone@fund.example", name: "Gone", role: "staff", password: PASSWORD });
    await t.db.update(staffUsers).set({ disabledAt: new Date() }).where(eq(staffUsers.emailKey, "gone@fund.example"));
    expect((await attempt("gone@fund.example", PASSWORD, "203.0.113.70")).status).toBe(401);
  });
});
