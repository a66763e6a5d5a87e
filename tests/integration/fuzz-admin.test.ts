import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs } from "@remix-run/node";
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { outbox, subscriptions, webhookFailures } from "@db/schema";
import { issueCsrfToken } from "~/auth/csrf.server";
import { createStaffPasswordLink, createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { getCampaignForEdit } from "~/campaigns/admin-campaigns.server";
import { getPlanForEdit } from "~/campaigns/admin-plans.server";
import { createPledge } from "~/pledges/pledges.server";
import { loader as auditLoader } from "~/routes/admin.audit";
import { action as campaignEditAction } from "~/routes/admin.campaigns.$id";
import { action as campaignNewAction } from "~/routes/admin.campaigns.new";
import { action as eventsAction } from "~/routes/admin.events";
import { action as mailAction } from "~/routes/admin.mail";
import { action as paymentAction } from "~/routes/admin.payments.$id";
import { action as refundAction } from "~/routes/admin.payments.$id_.refund";
import { action as paymentsAction } from "~/routes/admin.payments._index";
import { action as planEditAction } from "~/routes/admin.plans.$id";
import { action as planNewAction } from "~/routes/admin.plans.new";
import { action as pledgeAction } from "~/routes/admin.pledges.$id";
import { loader as pledgesLoader } from "~/routes/admin.pledges._index";
import { action as pledgeNewAction, loader as pledgeNewLoader } from "~/routes/admin.pledges.new";
import { action as setPasswordAction } from "~/routes/admin.set-password.$token";
import { action as signInAction } from "~/routes/admin.sign-in";
import { action as signOutAction } from "~/routes/admin.sign-out";
import { action as staffAction } from "~/routes/admin.staff";
import { action as supporterAction } from "~/routes/admin.supporters.$id";
import { loader as supportersLoader } from "~/routes/admin.supporters._index";
import { loader as searchLoader } from "~/routes/admin.supporters.search";
import { getSupporterForStaff } from "~/supporters/admin-supporters.server";
import { giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import {
  changedTables,
  countAllRows,
  fieldValue,
  fuzzParams,
  fuzzRuns,
  getRaw,
  hostileAmount,
  hostileForm,
  hostileText,
  humanMessage,
  postPairs,
  postRaw,
  type FieldSpec,
  type RowCounts,
} from "../support/hostile";

/**
 * Every admin action, posted to by a signed-in administrator with a valid CSRF token (most of
 * the time) and fields attackers, scripts and accidents send. The promises: never a 5xx; a
 * refusal is a 4xx (or a redirect back) with words a person can read; a refusal writes no row,
 * except where refusing is itself a record:
 *   - `rate_limits` on sign-in and set-password: every attempt counts, refused or not;
 *   - `audit_log` on a replay of a failed payment event that fails again: the failed attempt
 *     is audited (its `webhook_failures` row already exists and only counts one more). That
 *     answer is the one 5xx allowed: a 503 saying in words to try again later.
 * Accepted posts may write what they are for. FF_FUZZ_RUNS sets the runs per property.
 */

const { t, fixtures } = useSeededDatabase();
const RUNS = fuzzRuns(12);

type Action = (args: ActionFunctionArgs) => Promise<Response> | Response;
/** `showsSteps`: a 200 that writes nothing is a step of the form (the refund's confirmation), not a refusal. */
type Target = {
  name: string;
  action: Action;
  path: string;
  params?: Record<string, string>;
  fields: FieldSpec;
  cookie: () => string;
  refusalWrites?: readonly string[];
  showsSteps?: boolean;
};

const PASSWORD = "a-long-fuzz-admin-password";
const ADMIN_EMAIL = "fuzz.admin@fund.example";
const ctx = {
  admin: "",
  signOutOnly: "",
  csrf: "",
  csrfCookie: "",
  supporterId: 0,
  paymentId: 0,
  subscriptionId: 0,
  pledgeId: 0,
  outboxId: "",
  staffId: 0,
  token: "",
};
const adminCookie = () => `${ctx.admin}; ${ctx.csrfCookie}`;

async function signIn(email: string, clientAddress: string) {
  const result = await signInStaff(t.db, { email, password: PASSWORD, clientAddress });
  if (result.status !== "ok") throw new Error(`sign-in failed: ${result.status}`);
  return result.cookie.split(";")[0];
}

beforeAll(async () => {
  const adminId = await createStaffUser(t.db, {
    email: ADMIN_EMAIL,
    name: "Fuzz Admin",
    role: "admin",
    password: PASSWORD,
  });
  ctx.staffId = await createStaffUser(t.db, {
    email: "fuzz.staff@fund.example",
    name: "Fuzz Staff",
    role: "staff",
    password: PASSWORD,
  });
  ctx.admin = await signIn(ADMIN_EMAIL, "198.51.100.1");
  // Signing out is fuzzed with a session of its own, so it cannot end the one everything else uses.
  ctx.signOutOnly = await signIn(ADMIN_EMAIL, "198.51.100.2");
  const csrf = await issueCsrfToken(new Request("http://localhost:3000/admin"));
  ctx.csrf = csrf.token;
  ctx.csrfCookie = (new Headers(csrf.headers).get("Set-Cookie") ?? "").split(";")[0];

  const email = uniqueEmail("fuzzadmin");
  const once = await giveGift(t.db, { campaignId: fixtures.campaign.id, email, name: "Fay Fuzz", amountMinor: 5000 });
  await giveGift(t.db, {
    campaignId: fixtures.campaign.id,
    email,
    name: "Fay Fuzz",
    kind: "monthly",
    amountMinor: 1500,
  });
  ctx.supporterId = once.supporterId;
  ctx.paymentId = once.payment.id;
  ctx.subscriptionId = (
    await t.db.select().from(subscriptions).where(eq(subscriptions.supporterId, once.supporterId))
  )[0].id;
  ctx.outboxId = (await t.db.select().from(outbox).where(eq(outbox.toEmail, email)))[0].id;
  const pledge = await createPledge(t.db, {
    staff: { staffUserId: adminId },
    supporter: { email: uniqueEmail("fuzzpledge"), name: "Pat Pledge" },
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor: 4200,
    payMethod: "link",
  });
  if (!pledge.ok) throw new Error("pledge fixture failed");
  ctx.pledgeId = pledge.pledgeId;
  await t.db.insert(webhookFailures).values({
    eventId: "evt_fuzz_admin_1",
    type: "customer.created",
    payload: {
      id: "evt_fuzz_admin_1",
      object: "event",
      type: "customer.created",
      created: 1_700_000_000,
      data: { object: { id: "cus_fuzz", object: "customer" } },
    },
    error: "Database error 57P01",
  });
  const invitee = await createStaffUser(t.db, {
    email: "fuzz.invitee@fund.example",
    name: "Fuzz Invitee",
    role: "staff",
    password: null,
  });
  const { url } = await createStaffPasswordLink(t.db, {
    staffUserId: invitee,
    purpose: "invite",
    createdByStaffId: adminId,
  });
  ctx.token = url.slice(url.lastIndexOf("/") + 1);
});

const money = (good: string[]) => fieldValue(good, hostileAmount);
const ids = (good: () => number) =>
  fc.oneof(
    fc.constant(0).map(() => String(good())),
    fc.constantFrom("0", "-1", "1.5", "2147483648", "99999999999", "1e3", "0x10", " 1"),
    hostileText,
  );
const day = fieldValue(["2026-01-01", "2026-12-31", "2026-02-30", "1999-01-01"]);

const campaignFields: FieldSpec = {
  version: fieldValue(["", "v1"]),
  name: fieldValue(["Fuzz appeal", "Zoë's fund"]),
  slug: fieldValue(["fuzz-appeal", "Fuzz-Appeal", "defence-fund"]),
  headline: fieldValue(["Help us"]),
  description: fieldValue(["Line one\r\nLine two"]),
  currency: fieldValue(["AUD", "USD", "aud"]),
  target: money(["10000", "0"]),
  minGift: money(["5"]),
  maxGift: money(["10000"]),
  presetAmounts: fieldValue(["25, 50, 100", "5,,5", "-1"]),
  phone: fieldValue(["03 9000 0000"]),
  startsOn: day,
  endsOn: day,
  isDefault: fieldValue(["on"]),
};
const planFields: FieldSpec = {
  version: fieldValue(["", "v1"]),
  code: fieldValue(["fuzz-plan", "digital-monthly", "Fuzz Plan"]),
  name: fieldValue(["Fuzz plan"]),
  description: fieldValue(["Described\r\nover lines"]),
  benefits: fieldValue(["One\nTwo", ""]),
  price: money(["12", "0"]),
  currency: fieldValue(["AUD", "USD"]),
  tier: fieldValue(["digital", "print"]),
  billing: fieldValue(["monthly", "one_time_year"]),
  active: fieldValue(["on"]),
  sortOrder: fieldValue(["1", "-5", "99999999999"]),
  confirmPriceChange: fieldValue(["on"]),
};

const TARGETS: Target[] = [
  {
    name: "/admin/campaigns/new",
    action: campaignNewAction,
    path: "/admin/campaigns/new",
    fields: campaignFields,
    cookie: adminCookie,
  },
  {
    name: "/admin/campaigns/<id>",
    action: campaignEditAction,
    path: "/admin/campaigns/ID",
    params: { id: "CAMPAIGN" },
    fields: campaignFields,
    cookie: adminCookie,
  },
  {
    name: "/admin/plans/new",
    action: planNewAction,
    path: "/admin/plans/new",
    fields: planFields,
    cookie: adminCookie,
  },
  {
    name: "/admin/plans/<id>",
    action: planEditAction,
    path: "/admin/plans/ID",
    params: { id: "PLAN" },
    fields: planFields,
    cookie: adminCookie,
  },
  {
    name: "/admin/pledges/new",
    action: pledgeNewAction,
    path: "/admin/pledges/new",
    cookie: adminCookie,
    fields: {
      supporterId: ids(() => ctx.supporterId),
      campaignId: ids(() => fixtures.campaign.id),
      kind: fieldValue(["one_off", "monthly", "tier_monthly", "tier_one_time"]),
      planCode: fieldValue(["digital-monthly", "print-year", ""]),
      amount: money(["25", "25.50"]),
      name: fieldValue(["Carla Caller"]),
      email: fieldValue(["carla@example.net", ""]),
      phone: fieldValue(["0400 111 222"]),
      addressLine1: fieldValue(["1 Collins St"]),
      addressCity: fieldValue(["Melbourne"]),
      addressState: fieldValue(["VIC"]),
      addressPostalCode: fieldValue(["3000"]),
      addressCountry: fieldValue(["AU", "au", "Australia"]),
      payMethod: fieldValue(["link", "cheque", "bank_transfer", "cash"]),
      reference: fieldValue(["100234"]),
      notes: fieldValue(["Called back\nat 3pm"]),
    },
  },
  {
    name: "/admin/pledges/<id>",
    action: pledgeAction,
    path: "/admin/pledges/ID",
    params: { id: "PLEDGE" },
    fields: { intent: fieldValue(["resend", "cancel"]) },
    cookie: adminCookie,
  },
  {
    name: "/admin/payments",
    action: paymentsAction,
    path: "/admin/payments",
    fields: { intent: fieldValue(["mark-posted"]), paymentId: ids(() => ctx.paymentId) },
    cookie: adminCookie,
  },
  {
    name: "/admin/payments/<id>",
    action: paymentAction,
    path: "/admin/payments/ID",
    params: { id: "PAYMENT" },
    fields: { intent: fieldValue(["mark-posted"]) },
    cookie: adminCookie,
  },
  {
    name: "/admin/mail",
    action: mailAction,
    path: "/admin/mail",
    fields: {
      intent: fieldValue(["resend"]),
      id: fc.oneof(
        fc.constant("").map(() => ctx.outboxId),
        fc.uuid().map(String),
        hostileText,
      ),
    },
    cookie: adminCookie,
  },
  {
    name: "/admin/events",
    action: eventsAction,
    path: "/admin/events",
    fields: { intent: fieldValue(["replay"]), eventId: fieldValue(["evt_fuzz_admin_1", "evt_unknown"]) },
    cookie: adminCookie,
    refusalWrites: ["audit_log"],
  },
  {
    name: "/admin/staff",
    action: staffAction,
    path: "/admin/staff",
    cookie: adminCookie,
    fields: {
      intent: fieldValue(["invite", "disable", "enable", "send-link"]),
      email: fieldValue(["new.person@fund.example", ADMIN_EMAIL]),
      name: fieldValue(["New Person"]),
      role: fieldValue(["staff", "admin", "owner"]),
      id: ids(() => ctx.staffId),
    },
  },
  {
    name: "/admin/supporters/<id>",
    action: supporterAction,
    path: "/admin/supporters/ID",
    params: { id: "SUPPORTER" },
    cookie: adminCookie,
    fields: {
      intent: fieldValue(["contact", "note", "resend", "cancel", "pause"]),
      expectedUpdatedAt: fieldValue(["2026-01-01T00:00:00.000Z"]),
      name: fieldValue(["Fay Fuzz"]),
      email: fieldValue(["fay@example.net", ""]),
      phone: fieldValue(["0400 000 000"]),
      line1: fieldValue(["1 Collins St"]),
      city: fieldValue(["Melbourne"]),
      postalCode: fieldValue(["3000"]),
      country: fieldValue(["AU"]),
      body: fieldValue(["Prefers calls\nafter 5pm"]),
      paymentId: ids(() => ctx.paymentId),
      subscriptionId: ids(() => ctx.subscriptionId),
      months: fieldValue(["1", "6", "7", "0"]),
      reason: fieldValue(["Moving overseas"]),
    },
  },
  {
    name: "/admin/payments/<id>/refund",
    action: refundAction,
    path: "/admin/payments/ID/refund",
    params: { id: "PAYMENT" },
    cookie: adminCookie,
    showsSteps: true,
    fields: {
      intent: fieldValue(["review", "confirm", "change"]),
      requestId: fieldValue(["5b0c8f5e-7d1e-4c39-9a55-0b8f6f0d2a11", "not-a-uuid"]),
      amount: money(["0.01", "1", "5000"]),
      reason: fieldValue(["requested_by_customer", "duplicate", "fraudulent", "other", "because"]),
      note: fieldValue(["Asked on the phone", ""]),
      from: fieldValue(["payment", "supporter"]),
      at: fieldValue(["payments_before=2026-01-01T00:00:00.000000Z~1", "garbage"]),
    },
  },
  {
    name: "/admin/sign-in",
    action: signInAction,
    path: "/admin/sign-in",
    cookie: () => ctx.csrfCookie,
    fields: {
      email: fieldValue([ADMIN_EMAIL, ADMIN_EMAIL.toUpperCase()]),
      password: fieldValue([PASSWORD]),
      next: fieldValue(["/admin/pledges", "//evil.example", "/admin/../x"]),
    },
    refusalWrites: ["rate_limits"],
  },
  {
    name: "/admin/set-password/<token>",
    action: setPasswordAction,
    path: "/admin/set-password/TOKEN",
    params: { token: "TOKEN" },
    cookie: () => ctx.csrfCookie,
    fields: { password: fieldValue(["a-brand-new-password"]), confirmation: fieldValue(["a-brand-new-password"]) },
    refusalWrites: ["rate_limits"],
  },
  // Last: a successful sign-out ends its session (its own, see beforeAll).
  {
    name: "/admin/sign-out",
    action: signOutAction,
    path: "/admin/sign-out",
    fields: {},
    cookie: () => `${ctx.signOutOnly}; ${ctx.csrfCookie}`,
  },
];

/** The route's path and params with the fixtures' ids filled in. */
function resolve(target: Target) {
  const value: Record<string, () => string> = {
    CAMPAIGN: () => String(fixtures.campaign.id),
    PLAN: () => String(fixtures.plan("digital-monthly").id),
    PLEDGE: () => String(ctx.pledgeId),
    PAYMENT: () => String(ctx.paymentId),
    SUPPORTER: () => String(ctx.supporterId),
    TOKEN: () => ctx.token,
  };
  const params = Object.fromEntries(Object.entries(target.params ?? {}).map(([k, v]) => [k, value[v]()]));
  const path = target.path.replace(/ID|TOKEN/, () => Object.values(params)[0] ?? "");
  return { params, path };
}

/** The set-password page answers a dead link with its state, which the page puts into words. */
async function pageState(response: Response) {
  if (!(response.headers.get("Content-Type") ?? "").includes("json")) return "";
  const body = (await response.clone().json()) as { state?: unknown };
  return body.state === "invalid" ? "This link has expired or was already used (the page explains)" : "";
}

async function attempt(send: () => Promise<Response>, target?: Target) {
  const before: RowCounts = await countAllRows(t.db);
  const response = await send();
  const status = response.status;
  const message = (await humanMessage(response)) || (await pageState(response));
  // The one deliberate 5xx: a replay that failed again says "try later" (503), in words.
  if (!(target?.name === "/admin/events" && status === 503)) expect(status, message.slice(0, 300)).toBeLessThan(500);
  return { status, message, written: changedTables(before, await countAllRows(t.db)) };
}

function expectCleanRefusal(result: Awaited<ReturnType<typeof attempt>>, allowed: readonly string[] = []) {
  expect(result.status).toBeGreaterThanOrEqual(300);
  if (result.status >= 400)
    expect(result.message.length, `status ${result.status} without a message`).toBeGreaterThan(0);
  const unexpected = Object.fromEntries(Object.entries(result.written).filter(([table]) => !allowed.includes(table)));
  expect(unexpected, `a refusal (${result.status}: ${result.message.slice(0, 200)}) wrote rows`).toEqual({});
}

describe("admin forms as an administrator", () => {
  for (const target of TARGETS) {
    it(
      `${target.name}: never a 500; a refusal explains itself and writes nothing${target.refusalWrites ? ` but ${target.refusalWrites.join(" and ")}` : ""}`,
      { timeout: 60_000 },
      async () => {
        const { params, path } = resolve(target);
        await fc.assert(
          fc.asyncProperty(
            hostileForm(target.fields, () => ctx.csrf),
            fc.ipV4(),
            async (pairs, ip) => {
              const result = await attempt(
                () => postPairs(target.action, path, pairs, { cookie: target.cookie(), params, clientAddress: ip }),
                target,
              );
              // A redirect is an accepted change (or, for sign-out, a way back): it may write what it is for.
              if (result.status === 303 || result.status === 302) return;
              if (target.showsSteps && result.status === 200) {
                expect(result.written).toEqual({});
                return;
              }
              expectCleanRefusal(result, target.refusalWrites);
            },
          ),
          fuzzParams(RUNS),
        );
      },
    );
  }
});

/** What scripts post instead of a form: other content types, broken multipart, broken encoding. */
const nonFormBodies = fc.oneof(
  fc.record({ contentType: fc.constant("application/json"), body: fc.json() }),
  fc.record({ contentType: fc.constant("text/plain"), body: hostileText }),
  fc.record({ contentType: fc.constant(null), body: hostileText }),
  fc.record({
    contentType: fc.constantFrom("multipart/form-data", "multipart/form-data; boundary=x"),
    body: hostileText,
  }),
  fc.record({
    contentType: fc.constant("application/x-www-form-urlencoded"),
    body: fc.constantFrom("%", "%E0%A4%A", "a=%ZZ&&&=&b", "=".repeat(1000), "csrf=%00"),
  }),
);

let serial = 0;
const next = () => (serial += 1);

/**
 * Forms that would be accepted, per route (and intent): the deeper property below spoils one
 * field of one of them, so hostile text reaches past validation to the domain and the database.
 */
const VALID_FORMS: Record<string, (() => Promise<Record<string, string>>)[]> = {
  "/admin/campaigns/new": [
    async () => {
      const n = next();
      return {
        name: `Fuzz appeal ${n}`,
        slug: `fuzz-appeal-${n}`,
        headline: "Help us",
        description: "One\r\nTwo",
        currency: "AUD",
        target: "10000",
        minGift: "5",
        maxGift: "10000",
        presetAmounts: "25, 50",
        phone: "",
        startsOn: "2026-01-01",
        endsOn: "",
      };
    },
  ],
  "/admin/campaigns/<id>": [async () => (await getCampaignForEdit(t.db, { campaignId: fixtures.campaign.id }))!.values],
  "/admin/plans/new": [
    async () => {
      const n = next();
      return {
        code: `fuzz-plan-${n}`,
        name: `Fuzz plan ${n}`,
        description: "Described",
        benefits: "One\nTwo",
        price: "12",
        currency: "AUD",
        tier: "digital",
        billing: "monthly",
        active: "on",
        sortOrder: "5",
      };
    },
  ],
  "/admin/plans/<id>": [
    async () => ({
      ...(await getPlanForEdit(t.db, { planId: fixtures.plan("digital-monthly").id }))!.values,
      confirmPriceChange: "on",
    }),
  ],
  "/admin/pledges/new": [
    async () => ({
      name: "Carla Caller",
      email: uniqueEmail("fuzzcaller"),
      phone: "0400 111 222",
      kind: "one_off",
      amount: "25",
      campaignId: String(fixtures.campaign.id),
      payMethod: "cash",
      reference: "100234",
      notes: "Called\nback",
    }),
    async () => ({
      supporterId: String(ctx.supporterId),
      kind: "one_off",
      amount: "30",
      campaignId: String(fixtures.campaign.id),
      payMethod: "link",
      notes: "",
    }),
    async () => ({
      name: "Priya Postal",
      phone: "0400 123 456",
      addressLine1: "7 Letterbox Lane",
      addressCity: "Brunswick",
      addressState: "VIC",
      addressPostalCode: "3056",
      addressCountry: "AU",
      kind: "tier_one_time",
      planCode: "print-year",
      campaignId: String(fixtures.campaign.id),
      payMethod: "cheque",
      reference: "7",
    }),
  ],
  "/admin/staff": [
    async () => ({ intent: "invite", email: `fuzz.invite.${next()}@fund.example`, name: "New Person", role: "staff" }),
  ],
  "/admin/supporters/<id>": [
    async () => {
      const page = (await getSupporterForStaff(t.db, { supporterId: ctx.supporterId }))!;
      return {
        intent: "contact",
        expectedUpdatedAt: page.supporter.version,
        name: "Fay Fuzz",
        email: page.supporter.email ?? "",
        phone: "0400 000 000",
        line1: "1 Collins St",
        city: "Melbourne",
        postalCode: "3000",
        country: "AU",
      };
    },
    async () => ({ intent: "note", body: "Prefers calls" }),
    async () => ({ intent: "cancel", subscriptionId: String(ctx.subscriptionId), reason: "Moving" }),
    async () => ({ intent: "pause", subscriptionId: String(ctx.subscriptionId), months: "1" }),
  ],
  "/admin/payments/<id>/refund": [
    async () => ({
      intent: "confirm",
      requestId: randomUUID(),
      amount: "0.01",
      reason: "other",
      note: "Asked on the phone",
    }),
  ],
  "/admin/sign-in": [async () => ({ email: ADMIN_EMAIL, password: PASSWORD, next: "/admin/pledges" })],
};

/** Values that broke forms before: a NUL, an escape, a lone surrogate, huge text, numbers PostgreSQL's integer can't hold. */
const POISON = [
  "a\u0000b",
  "\u001B[31m",
  "\uD800",
  "x".repeat(100_000),
  "😀".repeat(25_000),
  "99999999999",
  "-1",
  "",
  " ",
];

/** Posts a valid form with one field changed: replaced, repeated with the bad value second, or left out. */
function spoilt(
  form: Record<string, string>,
  spoil: { field: string; how: "replace" | "repeat" | "drop"; value: string },
): [string, string][] {
  const pairs: [string, string][] = [["csrf", ctx.csrf]];
  for (const [key, value] of Object.entries(form)) {
    if (key !== spoil.field) pairs.push([key, value]);
    else if (spoil.how === "replace") pairs.push([key, spoil.value]);
    else if (spoil.how === "repeat") pairs.push([key, value], [key, spoil.value]);
  }
  return pairs;
}

describe("admin forms that are valid but for one field", () => {
  for (const [name, variants] of Object.entries(VALID_FORMS)) {
    it(
      `${name}: every field, given each known-bad value, is refused in words (or taken), never a 500`,
      { timeout: 60_000 },
      async () => {
        const target = TARGETS.find((x) => x.name === name)!;
        const { params, path } = resolve(target);
        for (const [index, variant] of variants.entries()) {
          for (const field of Object.keys(await variant())) {
            for (const value of POISON) {
              const pairs = spoilt(await variant(), { field, how: "replace", value });
              const result = await attempt(
                () =>
                  postPairs(target.action, path, pairs, {
                    cookie: target.cookie(),
                    params,
                    clientAddress: `198.51.100.${(index * 40 + POISON.indexOf(value)) % 250}`,
                  }),
                target,
              );
              if (result.status === 303) continue;
              expectCleanRefusal(result, target.refusalWrites);
            }
          }
        }
      },
    );
  }

  for (const [name, variants] of Object.entries(VALID_FORMS)) {
    it(
      `${name}: one field of random hostile text is refused in words (or taken), never a 500`,
      { timeout: 60_000 },
      async () => {
        const target = TARGETS.find((x) => x.name === name)!;
        const { params, path } = resolve(target);
        const spoil = fc.record({
          variant: fc.nat(),
          field: fc.nat(),
          how: fc.constantFrom("replace" as const, "replace" as const, "repeat" as const, "drop" as const),
          value: fc.oneof(hostileText, hostileAmount),
        });
        await fc.assert(
          fc.asyncProperty(spoil, fc.ipV4(), async ({ variant, field, how, value }, ip) => {
            const form = await variants[variant % variants.length]();
            const names = Object.keys(form);
            const pairs = spoilt(form, { field: names[field % names.length], how, value });
            const result = await attempt(
              () => postPairs(target.action, path, pairs, { cookie: target.cookie(), params, clientAddress: ip }),
              target,
            );
            if (result.status === 303) return;
            expectCleanRefusal(result, target.refusalWrites);
          }),
          fuzzParams(RUNS),
        );
      },
    );
  }
});

describe("bodies that are not forms", () => {
  it(
    "every admin action answers JSON, plain text, broken multipart or broken encoding with a 4xx in words",
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...TARGETS.map((x) => x.name)),
          nonFormBodies,
          fc.ipV4(),
          async (name, init, ip) => {
            const target = TARGETS.find((x) => x.name === name)!;
            const { params, path } = resolve(target);
            const result = await attempt(
              () => postRaw(target.action, path, { ...init, cookie: target.cookie(), params, clientAddress: ip }),
              target,
            );
            // Signing out without a token sends the browser back to the admin pages.
            if (target.name === "/admin/sign-out" && result.status === 303) {
              expect(result.written).toEqual({});
              return;
            }
            expect(result.status).toBeGreaterThanOrEqual(400);
            expectCleanRefusal(result, target.refusalWrites);
          },
        ),
        fuzzParams(RUNS * 2),
      );
    },
  );
});

describe("regressions found by fuzzing (forms, and the admin pages' query strings)", () => {
  const post = (target: string, pairs: [string, string][]) => {
    const found = TARGETS.find((x) => x.name === target)!;
    const { params, path } = resolve(found);
    return attempt(
      () => postPairs(found.action, path, [["csrf", ctx.csrf], ...pairs], { cookie: found.cookie(), params }),
      found,
    );
  };

  it.each([
    [
      "/admin/supporters/<id>",
      [
        ["intent", "note"],
        ["body", "Call\u0000back"],
      ],
    ],
    [
      "/admin/supporters/<id>",
      [
        ["intent", "cancel"],
        ["subscriptionId", "99999999999"],
      ],
    ],
    [
      "/admin/supporters/<id>",
      [
        ["intent", "resend"],
        ["paymentId", "2147483648"],
      ],
    ],
    [
      "/admin/pledges/new",
      [
        ["supporterId", "99999999999"],
        ["kind", "one_off"],
        ["amount", "25"],
        ["payMethod", "cash"],
        ["campaignId", "1"],
      ],
    ],
    [
      "/admin/pledges/new",
      [
        ["campaignId", "99999999999"],
        ["kind", "one_off"],
        ["amount", "25"],
        ["payMethod", "cash"],
        ["name", "Carla"],
        ["phone", "0400"],
      ],
    ],
    [
      "/admin/pledges/new",
      [
        ["name", "Carla\u0000"],
        ["email", "carla@example.net"],
        ["kind", "one_off"],
        ["amount", "25"],
        ["payMethod", "cash"],
        ["campaignId", "1"],
      ],
    ],
    [
      "/admin/pledges/new",
      [
        ["name", "Carla"],
        ["email", "carla@example.net"],
        ["kind", "tier_monthly"],
        ["planCode", "digital\u0000"],
        ["payMethod", "link"],
        ["campaignId", "1"],
      ],
    ],
    [
      "/admin/staff",
      [
        ["intent", "invite"],
        ["email", "new.person@fund.example"],
        ["name", "New\u0000Person"],
        ["role", "staff"],
      ],
    ],
    [
      "/admin/staff",
      [
        ["intent", "disable"],
        ["id", "99999999999"],
      ],
    ],
    [
      "/admin/campaigns/new",
      [
        ["name", "A\u0000"],
        ["slug", "nul-appeal"],
        ["headline", "x"],
        ["currency", "AUD"],
        ["target", "1"],
        ["minGift", "1"],
        ["maxGift", "10"],
        ["presetAmounts", "5"],
        ["startsOn", "2026-01-01"],
      ],
    ],
    [
      "/admin/plans/new",
      [
        ["code", "nul-plan"],
        ["name", "Plan\u0000"],
        ["price", "5"],
        ["currency", "AUD"],
        ["tier", "digital"],
        ["billing", "monthly"],
      ],
    ],
    [
      "/admin/sign-in",
      [
        ["email", "a\u0000@fund.example"],
        ["password", "x"],
      ],
    ],
  ] as [string, [string, string][]][])(
    "%s %j is a 4xx in words, not a 500, and writes nothing",
    async (target, pairs) => {
      const result = await post(target, pairs);
      expect(result.status).toBeGreaterThanOrEqual(400);
      expectCleanRefusal(result, TARGETS.find((x) => x.name === target)!.refusalWrites);
    },
  );

  it.each([
    ["/admin/audit?before=99999999999", auditLoader],
    ["/admin/pledges?before=99999999999", pledgesLoader],
    ["/admin/pledges/new?supporter=99999999999", pledgeNewLoader],
    ["/admin/pledges/new?q=a%00b", pledgeNewLoader],
    ["/admin/supporters?q=a%00b", supportersLoader],
    ["/admin/supporters/search?q=a%00b", searchLoader],
  ] as [string, Action][])("the admin page %s is not a 500", async (path, loader) => {
    const result = await attempt(() => getRaw(loader, path, { cookie: adminCookie() }));
    expect(result.written).toEqual({});
    if (result.status >= 400) expect(result.message.length).toBeGreaterThan(0);
  });

  it("a multi-line note, description or benefit list is still fine", async () => {
    const result = await post("/admin/supporters/<id>", [
      ["intent", "note"],
      ["body", "Prefers calls\r\nafter 5pm\tweekdays"],
    ]);
    expect(result.status).toBe(303);
    expect(result.written).toMatchObject({ staff_notes: 1, audit_log: 1 });
  });
});
