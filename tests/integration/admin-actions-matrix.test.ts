import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import type { ActionFunctionArgs } from "@remix-run/node";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { outbox, sessions, staffUsers, subscriptions, webhookFailures } from "@db/schema";
import { getCampaignForEdit } from "~/campaigns/admin-campaigns.server";
import { getPlanForEdit } from "~/campaigns/admin-plans.server";
import { issueCsrfToken } from "~/auth/csrf.server";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { startSupporterSession } from "~/auth/supporter-auth.server";
import { createPledge } from "~/pledges/pledges.server";
import { getSupporterForStaff } from "~/supporters/admin-supporters.server";
import { givePhoneOnlyCheque, giveGift, uniqueEmail } from "../factories";
import { checkoutMetadata, checkoutSessionObject, stripeEvent } from "../mocks/stripe";
import { useSeededDatabase } from "../support/database";
import { changedTables, fingerprintDatabase } from "../support/db-fingerprint";
import { postForm } from "../support/remix";

/**
 * Who may do what on the staff side, for every admin route with an action (read from
 * app/routes): each form is posted with a valid CSRF pair from our own page, so only the
 * authorization rule can refuse it. The anonymous, a signed-in supporter, a disabled staff member
 * and an expired staff session are sent to sign in; staff posting an admin-only form get a 403;
 * none of them changes a single row. The same form from whoever the rule allows goes through,
 * so the forms are real and the refusals above are the rule's, not a bad form's.
 * (CSRF itself: csrf-everywhere.test.ts. Loaders: admin-access and access-matrix.)
 */

const { t, fixtures } = useSeededDatabase();

type Action = (args: ActionFunctionArgs) => Promise<Response> | Response;
type Role = "staff" | "admin";
type Target = { path: string; params?: Record<string, string>; fields: Record<string, string> };
/** One form of one route, and the least role its rule asks for. */
type Case = { route: string; intent: string; role: Role; target: () => Promise<Target> };

const APP_ORIGIN = "http://localhost:3000";
const PASSWORD = "a-long-matrix-staff-password";
const REFUSED_ACTORS = ["anonymous", "supporter", "disabledStaff", "expiredStaff"] as const;
type Actor = (typeof REFUSED_ACTORS)[number] | Role;
const cookies = {} as Record<Actor, string | null>;
/** Who creates pledges and records cheques for the targets (not one of the actors). */
let clerkId = 0;

/** Admin routes with an action that no staff rule guards, on purpose. */
const NOT_STAFF_ONLY: Record<string, string> = {
  "admin.sign-in": "signing in is for those not signed in yet",
  "admin.sign-out": "anyone may end whatever session their browser holds",
  "admin.set-password.$token": "the emailed link is the credential (staff-invites.test.ts)",
};

async function staffMember(role: Role) {
  const email = uniqueEmail(`matrix-${role}`);
  const staffUserId = await createStaffUser(t.db, { email, name: `Matrix ${role}`, role, password: PASSWORD });
  const result = await signInStaff(t.db, { email, password: PASSWORD, clientAddress: "198.51.100.60" });
  if (result.status !== "ok") throw new Error(`sign-in failed: ${result.status}`);
  return { staffUserId, cookie: result.cookie.split(";")[0] };
}

async function monthlyGiver() {
  const gift = await giveGift(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "monthly",
    amountMinor: 1500,
    name: "Matrix Monthly",
  });
  const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.supporterId, gift.supporterId));
  return { ...gift, subscriptionId: sub.id };
}

async function linkPledge() {
  const result = await createPledge(t.db, {
    staff: { staffUserId: clerkId },
    supporter: { email: uniqueEmail("matrix-caller"), name: "Matrix Caller" },
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor: 4200,
    payMethod: "link",
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.pledgeId;
}

/** Someone for the staff-management forms to act on (never signed in: sign-ins are rate limited). */
const otherStaffMember = () =>
  createStaffUser(t.db, {
    email: uniqueEmail("matrix-colleague"),
    name: "Matrix Colleague",
    role: "staff",
    password: PASSWORD,
  });
const chequeToPost = () => givePhoneOnlyCheque(t.db, { campaignId: fixtures.campaign.id, staffUserId: clerkId });

const onSupporter = (supporterId: number, fields: Record<string, string>): Target => ({
  path: `/admin/supporters/${supporterId}`,
  params: { id: String(supporterId) },
  fields,
});

/** Every admin form, one case per intent. Admin-only: refunds, staff, campaigns, plans, event replay. */
const CASES: Case[] = [
  {
    route: "admin.supporters.$id",
    intent: "contact",
    role: "staff",
    target: async () => {
      const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Matrix Contact" });
      const page = await getSupporterForStaff(t.db, { supporterId });
      return onSupporter(supporterId, {
        intent: "contact",
        expectedUpdatedAt: page!.supporter.version,
        name: "Matrix Renamed",
        email: page!.supporter.email!,
        phone: "",
      });
    },
  },
  {
    route: "admin.supporters.$id",
    intent: "note",
    role: "staff",
    target: async () =>
      onSupporter((await giveGift(t.db, { campaignId: fixtures.campaign.id })).supporterId, {
        intent: "note",
        body: "Called about a receipt.",
      }),
  },
  {
    route: "admin.supporters.$id",
    intent: "resend",
    role: "staff",
    target: async () => {
      const { supporterId, payment } = await giveGift(t.db, { campaignId: fixtures.campaign.id });
      return onSupporter(supporterId, { intent: "resend", paymentId: String(payment.id) });
    },
  },
  {
    route: "admin.supporters.$id",
    intent: "pause",
    role: "staff",
    target: async () => {
      const { supporterId, subscriptionId } = await monthlyGiver();
      return onSupporter(supporterId, { intent: "pause", subscriptionId: String(subscriptionId), months: "2" });
    },
  },
  {
    route: "admin.supporters.$id",
    intent: "cancel",
    role: "staff",
    target: async () => {
      const { supporterId, subscriptionId } = await monthlyGiver();
      return onSupporter(supporterId, {
        intent: "cancel",
        subscriptionId: String(subscriptionId),
        reason: "Asked on the phone.",
      });
    },
  },
  {
    // A refund's confirmation (ADR 039): the request id it was shown with, its amount and reason.
    route: "admin.payments.$id_.refund",
    intent: "confirm",
    role: "admin",
    target: async () => {
      const { payment } = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 5000 });
      return {
        path: `/admin/payments/${payment.id}/refund`,
        params: { id: String(payment.id) },
        fields: { intent: "confirm", requestId: randomUUID(), amount: "10", reason: "requested_by_customer", note: "" },
      };
    },
  },
  {
    route: "admin.payments.$id",
    intent: "mark-posted",
    role: "staff",
    target: async () => {
      const { paymentId } = await chequeToPost();
      return {
        path: `/admin/payments/${paymentId}`,
        params: { id: String(paymentId) },
        fields: { intent: "mark-posted" },
      };
    },
  },
  {
    route: "admin.payments._index",
    intent: "mark-posted",
    role: "staff",
    target: async () => ({
      path: "/admin/payments",
      fields: { intent: "mark-posted", paymentId: String((await chequeToPost()).paymentId) },
    }),
  },
  {
    route: "admin.pledges.new",
    intent: "create",
    role: "staff",
    target: async () => ({
      path: "/admin/pledges/new",
      fields: {
        kind: "one_off",
        amount: "42",
        campaignId: String(fixtures.campaign.id),
        payMethod: "link",
        email: uniqueEmail("matrix-caller"),
        name: "Matrix Caller",
      },
    }),
  },
  ...(["cancel", "resend"] as const).map((intent): Case => ({
    route: "admin.pledges.$id",
    intent,
    role: "staff",
    target: async () => {
      const pledgeId = await linkPledge();
      return { path: `/admin/pledges/${pledgeId}`, params: { id: String(pledgeId) }, fields: { intent } };
    },
  })),
  {
    route: "admin.mail",
    intent: "resend",
    role: "staff",
    target: async () => {
      const { checkout } = await giveGift(t.db, { campaignId: fixtures.campaign.id });
      const [message] = await t.db
        .update(outbox)
        .set({ sentAt: new Date() })
        .where(eq(outbox.toEmail, checkout.email))
        .returning();
      return { path: "/admin/mail", fields: { intent: "resend", id: message.id } };
    },
  },
  ...(["approve", "hide"] as const).map((intent) => ({
    route: "admin.messages",
    intent,
    role: "staff" as const,
    target: async () => {
      const { payment } = await giveGift(t.db, {
        campaignId: fixtures.campaign.id,
        message: "Solidarity from the matrix.",
      });
      return { path: "/admin/messages", fields: { intent, paymentId: String(payment.id) } };
    },
  })),
  {
    route: "admin.staff",
    intent: "invite",
    role: "admin",
    target: async () => ({
      path: "/admin/staff",
      fields: { intent: "invite", email: uniqueEmail("matrix-invitee"), name: "Matrix Invitee", role: "admin" },
    }),
  },
  ...(["send-link", "disable"] as const).map((intent): Case => ({
    route: "admin.staff",
    intent,
    role: "admin",
    target: async () => ({ path: "/admin/staff", fields: { intent, id: String(await otherStaffMember()) } }),
  })),
  {
    route: "admin.staff",
    intent: "enable",
    role: "admin",
    target: async () => {
      const id = await otherStaffMember();
      await t.db.update(staffUsers).set({ disabledAt: new Date() }).where(eq(staffUsers.id, id));
      return { path: "/admin/staff", fields: { intent: "enable", id: String(id) } };
    },
  },
  {
    route: "admin.campaigns.new",
    intent: "create",
    role: "admin",
    target: async () => {
      const slug = `matrix-${randomUUID().slice(0, 8)}`;
      return {
        path: "/admin/campaigns/new",
        fields: {
          name: "Matrix appeal",
          slug,
          headline: "Help",
          description: "",
          currency: "AUD",
          target: "1000",
          minGift: "5",
          maxGift: "500",
          presetAmounts: "10, 25",
          phone: "",
          startsOn: "2026-03-01",
          endsOn: "",
        },
      };
    },
  },
  {
    route: "admin.campaigns.$id",
    intent: "edit",
    role: "admin",
    target: async () => {
      const campaign = await getCampaignForEdit(t.db, { campaignId: fixtures.campaign.id });
      const fields = {
        ...(campaign!.values as Record<string, string>),
        headline: `Edited ${randomUUID().slice(0, 6)}`,
      };
      return { path: `/admin/campaigns/${fixtures.campaign.id}`, params: { id: String(fixtures.campaign.id) }, fields };
    },
  },
  {
    route: "admin.plans.new",
    intent: "create",
    role: "admin",
    target: async () => ({
      path: "/admin/plans/new",
      fields: {
        code: `matrix-${randomUUID().slice(0, 8)}`,
        name: "Matrix plan",
        description: "",
        benefits: "",
        price: "9",
        currency: "AUD",
        tier: "digital",
        billing: "monthly",
        active: "on",
        sortOrder: "",
      },
    }),
  },
  {
    route: "admin.plans.$id",
    intent: "edit",
    role: "admin",
    target: async () => {
      const plan = fixtures.plan("digital-monthly");
      const edit = await getPlanForEdit(t.db, { planId: plan.id });
      const fields = { ...(edit!.values as Record<string, string>), description: `Edited ${randomUUID().slice(0, 6)}` };
      return { path: `/admin/plans/${plan.id}`, params: { id: String(plan.id) }, fields };
    },
  },
  {
    route: "admin.settings",
    intent: "edit",
    role: "admin",
    target: async () => ({
      path: "/admin/settings",
      fields: { firstPrintEditionDays: String(1 + Math.floor(Math.random() * 60)), giftsTaxDeductible: "not_stated" },
    }),
  },
  {
    route: "admin.events",
    intent: "replay",
    role: "admin",
    target: async () => {
      // A delivery that failed once; replayed, it names a checkout we never made, so it applies as "ignored".
      const session = checkoutSessionObject({
        metadata: checkoutMetadata({ checkoutId: randomUUID(), campaignId: fixtures.campaign.id }),
        amountTotal: 2500,
      });
      const event = stripeEvent("checkout.session.completed", session);
      await t.db.insert(webhookFailures).values({
        eventId: event.id,
        type: event.type,
        payload: event as unknown as Record<string, unknown>,
        error: "Database error 40001",
      });
      return { path: "/admin/events", fields: { intent: "replay", eventId: event.id } };
    },
  },
];

const ROUTE_MODULES = import.meta.glob<{ action?: Action }>("../../app/routes/*.{ts,tsx}");
const routesDir = path.resolve(__dirname, "../../app/routes");
const routeFiles = () => readdirSync(routesDir).filter((f) => /^admin(\.|$)/.test(f) && /\.tsx?$/.test(f));
const routeId = (file: string) => file.replace(/\.tsx?$/, "");

async function actionOf(route: string): Promise<Action> {
  const file = routeFiles().find((f) => routeId(f) === route);
  const action = file ? (await ROUTE_MODULES[`../../app/routes/${file}`]()).action : undefined;
  if (!action) throw new Error(`${route} has no action`);
  return action;
}

/** A browser holding `actor`'s session and a valid CSRF pair, posting from our own page. */
async function postAs(actor: Actor, action: Action, target: Target) {
  const issued = await issueCsrfToken(new Request(`${APP_ORIGIN}/`));
  const csrfCookie = (new Headers(issued.headers).get("Set-Cookie") ?? "").split(";")[0];
  const cookie = [cookies[actor], csrfCookie].filter(Boolean).join("; ");
  return postForm(
    action,
    target.path,
    { ...target.fields, csrf: issued.token },
    { params: target.params, cookie, headers: { Origin: APP_ORIGIN }, clientAddress: "203.0.113.88" },
  );
}

const answerOf = (response: Response) =>
  `${response.status}${response.headers.get("Location") ? ` → ${response.headers.get("Location")}` : ""}`;
const signInFor = (target: Target) => `303 → /admin/sign-in?next=${encodeURIComponent(target.path.split("?")[0])}`;

beforeAll(async () => {
  const clerk = await staffMember("staff");
  clerkId = clerk.staffUserId;
  cookies.anonymous = null;
  cookies.supporter = (
    await startSupporterSession(t.db, (await giveGift(t.db, { campaignId: fixtures.campaign.id })).supporterId)
  ).split(";")[0];
  cookies.staff = (await staffMember("staff")).cookie;
  cookies.admin = (await staffMember("admin")).cookie;
  // Admins, so that only the disabled account or the expired session can be what refuses them.
  // The disabled one's session is left unrevoked on purpose: the account's state alone must refuse.
  const leaver = await staffMember("admin");
  await t.db.update(staffUsers).set({ disabledAt: new Date() }).where(eq(staffUsers.id, leaver.staffUserId));
  cookies.disabledStaff = leaver.cookie;
  const stale = await staffMember("admin");
  await t.db
    .update(sessions)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(sessions.staffUserId, stale.staffUserId));
  cookies.expiredStaff = stale.cookie;
});

describe("who may post each admin form", () => {
  it("every admin route with an action has its forms in the table (or is deliberately open)", async () => {
    const withAction: string[] = [];
    for (const file of routeFiles())
      if ((await ROUTE_MODULES[`../../app/routes/${file}`]()).action) withAction.push(routeId(file));
    expect(withAction.length).toBeGreaterThan(8);
    const covered = new Set(CASES.map((c) => c.route));
    expect(
      withAction.filter((id) => !covered.has(id) && !(id in NOT_STAFF_ONLY)),
      "add these routes' forms to CASES with their role",
    ).toEqual([]);
  });

  it("the signed-out, supporters, disabled staff and expired sessions are sent to sign in, and nothing changes", async () => {
    const wrong: string[] = [];
    for (const c of CASES) {
      const action = await actionOf(c.route);
      for (const actor of REFUSED_ACTORS) {
        const target = await c.target();
        const before = await fingerprintDatabase(t.db);
        const answer = answerOf(await postAs(actor, action, target));
        const changed = changedTables(before, await fingerprintDatabase(t.db));
        if (answer !== signInFor(target))
          wrong.push(`${c.route} ${c.intent} as ${actor}: ${answer}, not ${signInFor(target)}`);
        if (changed.length > 0) wrong.push(`${c.route} ${c.intent} as ${actor}: wrote to ${changed.join(", ")}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("staff posting an admin-only form get a 403, and nothing changes", async () => {
    const adminOnly = CASES.filter((c) => c.role === "admin");
    expect(new Set(adminOnly.map((c) => c.route))).toEqual(
      new Set([
        "admin.payments.$id_.refund",
        "admin.staff",
        "admin.campaigns.new",
        "admin.campaigns.$id",
        "admin.plans.new",
        "admin.plans.$id",
        "admin.settings",
        "admin.events",
      ]),
    );
    const wrong: string[] = [];
    for (const c of adminOnly) {
      const target = await c.target();
      const before = await fingerprintDatabase(t.db);
      const response = await postAs("staff", await actionOf(c.route), target);
      const changed = changedTables(before, await fingerprintDatabase(t.db));
      if (response.status !== 403) wrong.push(`${c.route} ${c.intent} as staff: ${answerOf(response)}, not 403`);
      if (changed.length > 0) wrong.push(`${c.route} ${c.intent} as staff: wrote to ${changed.join(", ")}`);
    }
    expect(wrong).toEqual([]);
  });

  it("the same forms from those the rule allows go through (so the refusals above are the rule's)", async () => {
    const wrong: string[] = [];
    for (const c of CASES) {
      const action = await actionOf(c.route);
      for (const actor of c.role === "admin" ? (["admin"] as const) : (["staff", "admin"] as const)) {
        const target = await c.target();
        const before = await fingerprintDatabase(t.db);
        const response = await postAs(actor, action, target);
        const location = response.headers.get("Location") ?? "";
        // Every form here succeeds with a redirect to an admin page; each one writes its audit entry.
        if (response.status !== 303 || !location.startsWith("/admin") || location.startsWith("/admin/sign-in")) {
          wrong.push(
            `${c.route} ${c.intent} as ${actor}: ${answerOf(response)} ${response.status === 303 ? "" : await response.text()}`,
          );
        } else if (!changedTables(before, await fingerprintDatabase(t.db)).includes("audit_log")) {
          wrong.push(`${c.route} ${c.intent} as ${actor}: went through without an audit entry`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
