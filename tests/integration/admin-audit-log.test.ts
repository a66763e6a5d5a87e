import { createElement, type ComponentType } from "react";
import { renderToString } from "react-dom/server";
import { Outlet } from "react-router-dom";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { issueCsrfToken } from "~/auth/csrf.server";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { formatDateTime } from "~/dates";
import AuditLog, { loader as auditLoader } from "~/routes/admin.audit";
import { action as staffAction } from "~/routes/admin.staff";
import { action as supporterAction } from "~/routes/admin.supporters.$id";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

/**
 * The audit log page shows what staff actions wrote: who did it, what they did and to which
 * record, newest first, for admins.
 */

const { t, fixtures } = useSeededDatabase();

const PASSWORD = "a-long-audit-page-password";
type Browser = { cookie: string; csrf: string; staffUserId: number };
const browsers = {} as Record<"staff" | "admin", Browser>;

async function signedIn(role: "staff" | "admin"): Promise<Browser> {
  const email = `audit.${role}@fund.example`;
  const staffUserId = await createStaffUser(t.db, { email, name: `Audit ${role}`, role, password: PASSWORD });
  const result = await signInStaff(t.db, { email, password: PASSWORD, clientAddress: "203.0.113.140" });
  if (result.status !== "ok") throw new Error("sign-in failed");
  const issued = await issueCsrfToken(new Request("http://localhost:3000/"));
  const csrfCookie = (new Headers(issued.headers).get("Set-Cookie") ?? "").split(";")[0];
  return { cookie: `${result.cookie.split(";")[0]}; ${csrfCookie}`, csrf: issued.token, staffUserId };
}

beforeAll(async () => {
  browsers.staff = await signedIn("staff");
  browsers.admin = await signedIn("admin");
});

type Entry = {
  id: number;
  createdAt: string;
  actorType: string;
  actorId: number | null;
  action: string;
  targetType: string;
  targetId: string | null;
};

async function auditPage() {
  const response = await callLoader(auditLoader, "/admin/audit", { cookie: browsers.admin.cookie });
  expect(response.status).toBe(200);
  return (await response.json()) as { entries: Entry[]; next: number | null };
}

/** The page's HTML, rendered from its loader's data as the server would. */
async function renderAuditPage() {
  const data = await auditPage();
  // Inside the admin frame, whose loader gives every staff screen the organisation's time zone.
  const handler = createStaticHandler([
    {
      id: "routes/admin",
      path: "/admin",
      loader: () => ({ timeZone: "Australia/Melbourne" }),
      Component: Outlet,
      children: [{ id: "routes/admin.audit", path: "audit", loader: () => data, Component: AuditLog as ComponentType }],
    },
  ]);
  const context = await handler.query(new Request("http://localhost/admin/audit"));
  if (context instanceof Response) throw new Error("the audit page redirected");
  return renderToString(
    createElement(StaticRouterProvider, {
      router: createStaticRouter(handler.dataRoutes, context),
      context,
      hydrate: false,
    }),
  );
}

/** The table's body rows, each cell as text. */
const rowsOf = (html: string) =>
  [...html.matchAll(/<tr>(.*?)<\/tr>/g)]
    .map(([, row]) => [...row.matchAll(/<td>(.*?)<\/td>/g)].map(([, cell]) => cell.replace(/<!-- -->/g, "").trim()))
    .filter((cells) => cells.length > 0);

describe("the audit log page", () => {
  it("shows who added a note to which supporter, and who disabled which colleague, newest first", async () => {
    const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Audited Supporter" });
    const note = await postForm(
      supporterAction,
      `/admin/supporters/${supporterId}`,
      { csrf: browsers.staff.csrf, intent: "note", body: "Asked for a printed receipt." },
      { params: { id: String(supporterId) }, cookie: browsers.staff.cookie },
    );
    expect(note.status).toBe(303);
    const colleague = await createStaffUser(t.db, {
      email: "audit.leaver@fund.example",
      name: "Audit Leaver",
      role: "staff",
      password: null,
    });
    const disabled = await postForm(
      staffAction,
      "/admin/staff",
      { csrf: browsers.admin.csrf, intent: "disable", id: String(colleague) },
      { cookie: browsers.admin.cookie },
    );
    expect(disabled.status).toBe(303);

    const { entries } = await auditPage();
    expect(entries.slice(0, 2)).toMatchObject([
      {
        actorType: "staff",
        actorId: browsers.admin.staffUserId,
        action: "staff.disable",
        targetType: "staff_user",
        targetId: String(colleague),
      },
      {
        actorType: "staff",
        actorId: browsers.staff.staffUserId,
        action: "supporter.note",
        targetType: "supporter",
        targetId: String(supporterId),
      },
    ]);

    const rows = rowsOf(await renderAuditPage());
    // When, who, what, which record.
    // People by name and email, actions in words, records named (and linked where staff can open them).
    expect(rows[0].slice(1)).toEqual([
      "Audit admin (audit.admin@fund.example)",
      "Disabled a staff account",
      "Staff account: Audit Leaver",
    ]);
    expect(rows[1].slice(1)).toEqual([
      "Audit staff (audit.staff@fund.example)",
      "Added a note about a supporter",
      expect.stringMatching(
        new RegExp(`^<a [^>]*href="/admin/supporters/${supporterId}">Supporter #${supporterId}</a>$`),
      ),
    ]);
    // On the organisation's clock, saying which (Melbourne: AEDT in summer, AEST in winter).
    expect(rows[0][0]).toMatch(/ AE[DS]T$/);
    expect(rows[0][0]).toBe(formatDateTime(entries[0]!.createdAt, "Australia/Melbourne"));
  });

  it("a refused action writes no entry, so the page shows none", async () => {
    const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Not Audited" });
    const before = (await auditPage()).entries[0]?.id ?? null;
    const refused = await postForm(
      supporterAction,
      `/admin/supporters/${supporterId}`,
      { csrf: browsers.staff.csrf, intent: "note", body: "" },
      { params: { id: String(supporterId) }, cookie: browsers.staff.cookie },
    );
    expect(refused.status).toBe(400);
    expect((await auditPage()).entries[0]?.id ?? null).toBe(before);
  });
});
