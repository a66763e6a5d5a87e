import { randomUUID } from "node:crypto";
import { and, count, desc, eq, sql } from "drizzle-orm";
import { createElement, type ComponentType } from "react";
import { renderToString } from "react-dom/server";
import { Outlet } from "react-router-dom";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, counters, outbox, payments, receipts, staffNotes, subscriptions, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { getCampaignProgress } from "~/campaigns/campaigns.server";
import { createPledge } from "~/pledges/pledges.server";
import { loader as searchLoader } from "~/routes/admin.supporters._index";
import SupporterPage, { action, loader } from "~/routes/admin.supporters.$id";
import { searchSupporters, type SupporterForStaff } from "~/supporters/admin-supporters.server";
import { giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { refundThroughPages, reviewRefund } from "../support/refunds";
import { callLoader, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
type Browser = { cookie: string; csrf: string; staffUserId: number };
const browsers = {} as Record<"staff" | "admin", Browser>;

/** A staff member signed in, with the CSRF cookie and token a supporter page hands out. */
async function signedIn(role: "staff" | "admin", supporterId: number): Promise<Browser> {
  const email = `${role}.${randomUUID().slice(0, 8)}@fund.example`;
  const staffUserId = await createStaffUser(t.db, { email, name: `A ${role}`, role, password: PASSWORD });
  const result = await signInStaff(t.db, { email, password: PASSWORD, clientAddress: "203.0.113.30" });
  if (result.status !== "ok") throw new Error("sign-in failed");
  const staffCookie = result.cookie.split(";")[0];
  const page = await callLoader(loader, `/admin/supporters/${supporterId}`, {
    cookie: staffCookie,
    params: { id: String(supporterId) },
  });
  const csrfCookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
  const body = (await page.json()) as { csrf: string };
  return { cookie: `${staffCookie}; ${csrfCookie}`, csrf: body.csrf, staffUserId };
}

const pageOf = async (who: Browser, supporterId: number) => {
  const response = await callLoader(loader, `/admin/supporters/${supporterId}`, {
    cookie: who.cookie,
    params: { id: String(supporterId) },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as PageData;
};
const post = (who: Browser, supporterId: number, fields: Record<string, string>) =>
  postForm(
    action,
    `/admin/supporters/${supporterId}`,
    { csrf: who.csrf, ...fields },
    { params: { id: String(supporterId) }, cookie: who.cookie },
  );

const n = async (table: typeof auditLog | typeof outbox | typeof staffNotes | typeof payments) =>
  (await t.db.select({ n: count() }).from(table))[0].n;
const everything = async (supporterId: number) => ({
  supporter: (await t.db.select().from(supporters).where(eq(supporters.id, supporterId)))[0],
  payments: await t.db.select().from(payments).where(eq(payments.supporterId, supporterId)),
  audit: await n(auditLog),
  outbox: await n(outbox),
  notes: await n(staffNotes),
});
const auditOf = (action: string, targetId: number) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.targetId, String(targetId))));

type PageData = { isAdmin: boolean; page: SupporterForStaff & { supporter: { version: string } } } & Record<
  string,
  unknown
>;

/** The page's HTML as the server renders it (what a browser without JavaScript gets). */
async function render(data: PageData, path: string) {
  // Inside the admin frame, whose loader gives every staff screen the organisation's time zone.
  const handler = createStaticHandler([
    {
      id: "routes/admin",
      path: "/admin",
      loader: () => ({ timeZone: "Australia/Melbourne" }),
      Component: Outlet,
      children: [
        {
          id: "routes/admin.supporters.$id",
          path: "supporters/:id",
          loader: () => data,
          Component: SupporterPage as ComponentType,
        },
      ],
    },
  ]);
  const context = await handler.query(new Request(`http://localhost${path}`));
  if (context instanceof Response) throw new Error("the supporter page redirected");
  return renderToString(
    createElement(StaticRouterProvider, {
      router: createStaticRouter(handler.dataRoutes, context),
      context,
      hydrate: false,
    }),
  ).replace(/<!-- -->/g, "");
}

let donor: Awaited<ReturnType<typeof giveGift>>;

beforeAll(async () => {
  donor = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 5000, name: "Wilhelmina Quarrington" });
  await t.db
    .update(supporters)
    .set({
      phone: "+61 3 9000 1234",
      addressLine1: "1 Printers Lane",
      addressCity: "Fitzroy",
      addressPostalCode: "3065",
      addressCountry: "AU",
    })
    .where(eq(supporters.id, donor.supporterId));
  browsers.staff = await signedIn("staff", donor.supporterId);
  browsers.admin = await signedIn("admin", donor.supporterId);
});

describe("supporter search", () => {
  it("finds a supporter by name, email, phone and postcode, case-insensitively", async () => {
    const [me] = await t.db.select().from(supporters).where(eq(supporters.id, donor.supporterId));
    for (const q of [
      "quarrington",
      "WILHELMINA",
      me.email!.toUpperCase().slice(0, 12),
      "9000 1234",
      "0390001234".slice(1),
      "3065",
    ]) {
      const { rows } = await searchSupporters(t.db, { q, limit: 10 });
      expect(
        rows.map((r) => r.id),
        q,
      ).toContain(donor.supporterId);
    }
    expect((await searchSupporters(t.db, { q: "nobody-like-this", limit: 10 })).rows).toEqual([]);
  });

  // Matches are ranked (ADR 038); equally good matches come newest first, so these pages run
  // from the newest id down (they ran up from the oldest before ranking).
  it("pages equally good matches newest first and never shows the erased", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await giveGift(t.db, { campaignId: fixtures.campaign.id, name: `Pagination Person ${i}` })).supporterId,
      );
    await t.db.update(supporters).set({ erasedAt: new Date() }).where(eq(supporters.id, ids[4]));
    const newestFirst = ids.slice(0, 4).reverse();
    const first = await searchSupporters(t.db, { q: "pagination person", limit: 2 });
    expect(first.rows.map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
    const second = await searchSupporters(t.db, { q: "pagination person", after: first.next!, limit: 2 });
    expect(second.rows.map((r) => r.id)).toEqual(newestFirst.slice(2, 4));
    expect(second.next).toBeNull();

    const response = await callLoader(searchLoader, `/admin/supporters?q=Pagination+Person&after=${first.next}`, {
      cookie: browsers.staff.cookie,
    });
    const body = await response.json();
    expect(body.rows.map((r: { id: number }) => r.id)).toEqual(newestFirst.slice(2, 4));
  });

  // Ranked since ADR 038 (it was id order): every match still appears once across the pages.
  it("pages through matches of several kinds, each once, best first", async () => {
    // One term matching, for each person, only one of: the first word, the last word, the words
    // after the first, the email; more of each kind than a page holds. Each index's own first ids
    // must still make the right page.
    const term = "zephyrine";
    const expected: number[] = [];
    const kinds = [
      (i: number) => ({ name: `Zephyrine Kind${i}` }),
      (i: number) => ({ name: `Ola Bo Zephyrine${i}` }),
      (i: number) => ({ name: `Ola Zephyrine Mbeki${i}` }),
      (i: number) => ({ name: `Ola Mbeki${i}`, email: `zephyrine.${i}@example.net` }),
    ];
    // Runs of one kind, then interleaved: a page may come from one index alone or from all four.
    for (const kind of kinds)
      for (let i = 0; i < 4; i++)
        expected.push((await giveGift(t.db, { campaignId: fixtures.campaign.id, ...kind(i) })).supporterId);
    for (let i = 4; i < 6; i++)
      for (const kind of kinds)
        expected.push((await giveGift(t.db, { campaignId: fixtures.campaign.id, ...kind(i) })).supporterId);
    const found: number[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const { rows, next } = await searchSupporters(t.db, { q: term, after, limit: 3 });
      found.push(...rows.map((r) => r.id));
      if (next === null) break;
      after = next;
    }
    expect(new Set(found).size).toBe(found.length);
    expect([...found].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
    // The whole word first ("Zephyrine Kind0", "Ola Zephyrine Mbeki0"), before a word it starts.
    const wholeWord = new Set(expected.filter((_, i) => [0, 2].includes(i < 16 ? Math.floor(i / 4) : (i - 16) % 4)));
    expect(found.slice(0, wholeWord.size).every((id) => wholeWord.has(id))).toBe(true);
  });
});

describe("the supporter page", () => {
  it("shows contact details, subscriptions with failure reason and retry, payments with receipt numbers, emails and notes", async () => {
    const monthly = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "monthly",
      amountMinor: 1500,
      name: "Failing Card",
    });
    const retry = new Date("2026-12-01T09:00:00Z");
    await t.db
      .update(subscriptions)
      .set({ lastFailureReason: "Your card was declined.", nextRetryAt: retry })
      .where(eq(subscriptions.id, monthly.payment.subscriptionId!));
    const { page, isAdmin } = await pageOf(browsers.staff, monthly.supporterId);
    expect(isAdmin).toBe(false);
    expect(page.supporter.name).toBe("Failing Card");
    expect(page.subscriptions.rows[0]).toMatchObject({
      lastFailureReason: "Your card was declined.",
      nextRetryAt: retry.toISOString(),
      status: "active",
    });
    expect(page.payments.rows[0]).toMatchObject({ receiptNumber: monthly.payment.receiptNumber, amountMinor: 1500 });
    expect(page.emails.rows.map((e) => e.template)).toContain("donation-receipt");

    const mine = await pageOf(browsers.staff, donor.supporterId);
    expect(mine.page.supporter).toMatchObject({
      phone: "+61 3 9000 1234",
      postalAddress: ["Wilhelmina Quarrington", "1 Printers Lane", "Fitzroy 3065", "AU"],
    });
  });

  it("shows what the supporter receives and until when (digital, print), and their pledges", async () => {
    const email = uniqueEmail("entitled");
    const [printYear, digitalMonthly] = [fixtures.plan("print-year"), fixtures.plan("digital-monthly")];
    const address = { line1: "3 Masthead Street", city: "Fitzroy", postalCode: "3065", country: "AU" };
    const paidAt = new Date(Date.now() - 30 * 24 * 60 * 60_000);
    const yearly = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "tier_one_time",
      planId: printYear.id,
      amountMinor: printYear.amountMinor,
      email,
      name: "Ettie Entitled",
      address,
      paidAt,
    });
    await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "tier_monthly",
      planId: digitalMonthly.id,
      amountMinor: digitalMonthly.amountMinor,
      email,
    });
    const pledge = await createPledge(t.db, {
      staff: browsers.staff,
      supporter: { email, name: "Ettie Entitled" },
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 4200,
      payMethod: "link",
    });
    expect(pledge.ok).toBe(true);
    const coversUntil = yearly.payment.coversUntil!;

    const data = await pageOf(browsers.staff, yearly.supporterId);
    expect(data.page.entitlements).toEqual([
      { tier: "digital", planName: digitalMonthly.name, until: null, source: "monthly" },
      { tier: "print", planName: printYear.name, until: coversUntil.toISOString(), source: "one_time" },
    ]);
    expect(data.page.pledges.rows).toMatchObject([
      { kind: "one_off", amountMinor: 4200, currency: "AUD", status: "pending" },
    ]);

    // And on the page itself, as staff read it.
    const html = await render(data, `/admin/supporters/${yearly.supporterId}`);
    // On the organisation's calendar (Melbourne), not UTC's.
    const day = new Intl.DateTimeFormat("en-AU", { dateStyle: "medium", timeZone: "Australia/Melbourne" }).format(
      coversUntil,
    );
    expect(html).toContain(`<li>${digitalMonthly.name} (digital) while it renews</li>`);
    expect(html).toContain(`<li>${printYear.name} (print) until ${day}</li>`);
    expect(html).toMatch(/<li>[^<]*: one_off \$42 AUD, pending<\/li>/);

    // A one-off donor receives nothing and has pledged nothing.
    expect((await pageOf(browsers.staff, donor.supporterId)).page).toMatchObject({
      entitlements: [],
      pledges: { rows: [], older: null, newer: null },
    });
  });

  it("opens with who they are (contact, current support, lifetime given, flags); editing is its own view, ?edit=1", async () => {
    const email = uniqueEmail("glance");
    const gift = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      amountMinor: 2500,
      name: "Gloria Glance",
      email,
    });
    await giveGift(t.db, { campaignId: fixtures.campaign.id, kind: "monthly", amountMinor: 1500, email });
    await t.db.update(payments).set({ refundedMinor: 500 }).where(eq(payments.id, gift.payment.id));
    await t.db
      .update(subscriptions)
      .set({ lastFailureReason: "Card declined — insufficient funds" })
      .where(eq(subscriptions.supporterId, gift.supporterId));
    const path = `/admin/supporters/${gift.supporterId}`;
    const data = await pageOf(browsers.staff, gift.supporterId);
    const html = await render(data, path);
    expect(html).toContain(">At a glance</h2>");
    expect(html).toMatch(/<dt>Lifetime given \(gifts, net of refunds\)<\/dt><dd>\$35 AUD<\/dd>/);
    expect(html).toMatch(/<dt>Current support<\/dt><dd>Monthly gift: \$15 AUD a month \(active\)<\/dd>/);
    expect(html).toContain("<li>Payment failing: see Subscriptions below</li>");
    expect(html).toContain(`href="mailto:${email}"`);
    expect(html).toMatch(/<a[^>]*href="\/admin\/supporters\/\d+\?edit=1"[^>]*>Edit contact details<\/a>/);
    // No edit form until asked for.
    expect(html).not.toContain('name="intent" value="contact"');

    const editResponse = await callLoader(loader, `${path}?edit=1`, {
      cookie: browsers.staff.cookie,
      params: { id: String(gift.supporterId) },
    });
    const editing = await render((await editResponse.json()) as PageData, `${path}?edit=1`);
    expect(editing).toContain('name="intent" value="contact"');
    expect(editing).toContain(">Edit contact details</h2>");
    expect(editing).not.toContain(">At a glance</h2>");
  });

  it("is a 404 for an unknown or erased supporter", async () => {
    const response = await callLoader(loader, "/admin/supporters/999999", {
      cookie: browsers.staff.cookie,
      params: { id: "999999" },
    });
    expect(response.status).toBe(404);
  });
});

describe("editing contact details", () => {
  const form = (version: string, overrides: Record<string, string> = {}) => ({
    intent: "contact",
    expectedUpdatedAt: version,
    name: "Wilhelmina Q.",
    email: "",
    phone: "03 9000 9999",
    line1: "2 Printers Lane",
    line2: "",
    city: "Fitzroy",
    state: "VIC",
    postalCode: "3065",
    country: "au",
    ...overrides,
  });

  it("saves, audits, and refuses the second of two staff saving the same version", async () => {
    const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Two Editors" });
    const { page } = await pageOf(browsers.staff, supporterId);
    const email = uniqueEmail("edited");
    const first = await post(browsers.staff, supporterId, form(page.supporter.version, { email }));
    expect(first.status).toBe(303);
    const [saved] = await t.db.select().from(supporters).where(eq(supporters.id, supporterId));
    expect(saved).toMatchObject({
      name: "Wilhelmina Q.",
      email,
      phone: "03 9000 9999",
      addressLine1: "2 Printers Lane",
      addressState: "VIC",
      addressCountry: "AU",
    });
    expect(await auditOf("supporter.update_contact", supporterId)).toHaveLength(1);

    const second = await post(
      browsers.admin,
      supporterId,
      form(page.supporter.version, { email, name: "Someone Else" }),
    );
    expect(second.status).toBe(409);
    const body = await second.json();
    expect(body.formError).toMatch(/Someone else changed/);
    expect(body.values.name).toBe("Someone Else");
    expect((await t.db.select().from(supporters).where(eq(supporters.id, supporterId)))[0].name).toBe("Wilhelmina Q.");
  });

  it("bad input is a 400 with messages at the fields, keeps what was typed, writes nothing", async () => {
    const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Bad Input" });
    const { page } = await pageOf(browsers.staff, supporterId);
    const before = await everything(supporterId);
    const response = await post(
      browsers.staff,
      supporterId,
      form(page.supporter.version, { email: "not-an-email", postalCode: "", phone: "call me" }),
    );
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(Object.keys(body.errors).sort()).toEqual(["email", "phone", "postalCode"]);
    expect(body.values.email).toBe("not-an-email");
    expect(await everything(supporterId)).toEqual(before);

    const [other] = await t.db.select().from(supporters).where(eq(supporters.id, donor.supporterId));
    const taken = await post(browsers.staff, supporterId, form(page.supporter.version, { email: other.email! }));
    expect(taken.status).toBe(400);
    expect((await taken.json()).errors.email).toMatch(/Another supporter/);
    expect(await everything(supporterId)).toEqual(before);
  });

  it("refuses a form without a valid CSRF token", async () => {
    const before = await everything(donor.supporterId);
    const response = await post({ ...browsers.staff, csrf: "x".repeat(32) }, donor.supporterId, form("whatever"));
    expect(response.status).toBe(403);
    expect(await everything(donor.supporterId)).toEqual(before);
  });
});

describe("notes and receipts", () => {
  it("adds a note, with its author, audited; an empty note is a 400", async () => {
    expect((await post(browsers.staff, donor.supporterId, { intent: "note", body: "   " })).status).toBe(400);
    expect(await n(staffNotes)).toBe(0);
    expect(
      (await post(browsers.staff, donor.supporterId, { intent: "note", body: "Prefers calls after 5 pm." })).status,
    ).toBe(303);
    const { page } = await pageOf(browsers.staff, donor.supporterId);
    expect(page.notes.rows).toEqual([
      expect.objectContaining({ body: "Prefers calls after 5 pm.", staffName: "A staff" }),
    ]);
    const [entry] = await auditOf("supporter.note", donor.supporterId);
    expect(entry).toMatchObject({ actorType: "staff", actorId: browsers.staff.staffUserId });
    expect(JSON.stringify(entry.details)).not.toContain("5 pm");
  });

  it("resends a receipt as issued, once per click, audited", async () => {
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, donor.payment.id));
    const response = await post(browsers.staff, donor.supporterId, {
      intent: "resend",
      paymentId: String(donor.payment.id),
    });
    expect(response.status).toBe(303);
    const sent = await t.db.select().from(outbox).where(eq(outbox.template, "donation-receipt"));
    const resends = sent.filter((m) => m.idempotencyKey.startsWith(`receipt:${donor.payment.id}:resend:`));
    expect(resends).toHaveLength(1);
    expect(resends[0].props).toEqual({ receipt: receipt.snapshot, locale: "en" });
    expect(await auditOf("payment.resend_receipt", donor.payment.id)).toHaveLength(1);
    // Someone else's payment is not theirs to resend.
    const other = await giveGift(t.db, { campaignId: fixtures.campaign.id });
    expect(
      (await post(browsers.staff, donor.supporterId, { intent: "resend", paymentId: String(other.payment.id) })).status,
    ).toBe(404);
  });
});

describe("subscriptions on the supporter's behalf", () => {
  it("cancels at period end, audited as the staff member", async () => {
    const monthly = await giveGift(t.db, { campaignId: fixtures.campaign.id, kind: "monthly", amountMinor: 2000 });
    const subscriptionId = monthly.payment.subscriptionId!;
    const response = await post(browsers.staff, monthly.supporterId, {
      intent: "cancel",
      subscriptionId: String(subscriptionId),
      reason: "Moving overseas",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`/admin/supporters/${monthly.supporterId}?done=cancel`);
    const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.id, subscriptionId));
    expect(sub.cancelAtPeriodEnd).toBe(true);
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "subscription.cancel"), eq(auditLog.targetId, String(subscriptionId))));
    expect(entry).toMatchObject({ actorType: "staff", actorId: browsers.staff.staffUserId });
  });

  it("pauses; a bad month count is a 400 and nothing changes", async () => {
    const monthly = await giveGift(t.db, { campaignId: fixtures.campaign.id, kind: "monthly", amountMinor: 2000 });
    const subscriptionId = monthly.payment.subscriptionId!;
    const before = await everything(monthly.supporterId);
    expect(
      (
        await post(browsers.staff, monthly.supporterId, {
          intent: "pause",
          subscriptionId: String(subscriptionId),
          months: "9",
        })
      ).status,
    ).toBe(400);
    expect(await everything(monthly.supporterId)).toEqual(before);
    expect(
      (
        await post(browsers.staff, monthly.supporterId, {
          intent: "pause",
          subscriptionId: String(subscriptionId),
          months: "2",
        })
      ).status,
    ).toBe(303);
    const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.id, subscriptionId));
    expect(sub.pausedUntil!.getTime()).toBeGreaterThan(Date.now() + 50 * 86_400_000);
    // Another supporter's subscription cannot be reached through this page.
    expect(
      (
        await post(browsers.staff, donor.supporterId, {
          intent: "pause",
          subscriptionId: String(subscriptionId),
          months: "1",
        })
      ).status,
    ).toBe(404);
  });
});

describe("refunds (simulated provider)", () => {
  it("the form is for admins only; staff posting it get a 403 and nothing changes", async () => {
    // The page renders the refund form only when the loader says isAdmin.
    expect((await pageOf(browsers.staff, donor.supporterId)).isAdmin).toBe(false);
    expect((await pageOf(browsers.admin, donor.supporterId)).isAdmin).toBe(true);

    const before = await everything(donor.supporterId);
    const response = await refundThroughPages(browsers.staff, donor.payment.id, { amount: "10", from: "supporter" });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/administrators/);
    expect(await everything(donor.supporterId)).toEqual(before);
  });

  it("an admin's partial refund changes the ledger and the campaign total and sends one email", async () => {
    const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 4000 });
    const admin = browsers.admin;
    const totalBefore = (await getCampaignProgress(t.db, fixtures.campaign)).raisedMinor;

    const tooMuch = await reviewRefund(admin, gift.payment.id, { amount: "40.01" });
    expect(tooMuch.response.status).toBe(400);
    expect(tooMuch.body.errors!.amount).toMatch(/more than is left/);
    const garbled = await reviewRefund(admin, gift.payment.id, { amount: "ten" });
    expect(garbled.response.status).toBe(400);
    expect(garbled.body.values.amount).toBe("ten");

    const response = await refundThroughPages(admin, gift.payment.id, { amount: "15.50", from: "supporter" });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`/admin/supporters/${gift.supporterId}?done=refund`);
    const [payment] = await t.db.select().from(payments).where(eq(payments.id, gift.payment.id));
    expect(payment.refundedMinor).toBe(1550);
    expect((await getCampaignProgress(t.db, fixtures.campaign)).raisedMinor).toBe(totalBefore - 1550);
    const mail = await t.db.select().from(outbox).where(eq(outbox.template, "refund-confirmation"));
    const mine = mail.filter((m) => m.idempotencyKey.startsWith(`refund:${gift.payment.id}:`));
    expect(mine).toHaveLength(1);
    expect(mine[0].props).toMatchObject({
      refundMinor: 1550,
      refundedTotalMinor: 1550,
      amountMinor: 4000,
      receiptNumber: payment.receiptNumber,
    });
    const [entry] = await auditOf("payment.refund", gift.payment.id);
    expect(entry).toMatchObject({
      actorType: "staff",
      actorId: admin.staffUserId,
      details: expect.objectContaining({ amountMinor: 1550 }),
    });

    // The rest, then nothing more can be refunded.
    expect((await refundThroughPages(admin, gift.payment.id, { amount: "24.50" })).status).toBe(303);
    expect((await t.db.select().from(payments).where(eq(payments.id, gift.payment.id)))[0].refundedMinor).toBe(4000);
    expect((await refundThroughPages(admin, gift.payment.id, { amount: "1" })).status).toBe(400);
    expect(
      (await t.db.select().from(outbox).where(eq(outbox.template, "refund-confirmation"))).filter((m) =>
        m.idempotencyKey.startsWith(`refund:${gift.payment.id}:`),
      ),
    ).toHaveLength(2);
  });

  it("an offline payment's refund is recorded directly, with one email", async () => {
    const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 1000 });
    const [counter] = await t.db.select().from(counters).where(eq(counters.name, "receipt"));
    await t.db
      .update(counters)
      .set({ value: counter.value + 1 })
      .where(eq(counters.name, "receipt"));
    const [cheque] = await t.db
      .insert(payments)
      .values({
        supporterId: gift.supporterId,
        campaignId: fixtures.campaign.id,
        kind: "one_off",
        method: "cheque",
        provider: "offline",
        providerPaymentId: `cheque-${randomUUID()}`,
        amountMinor: 20000,
        currency: "AUD",
        receiptNumber: counter.value + 1,
        paidAt: new Date(),
      })
      .returning();
    const response = await refundThroughPages(browsers.admin, cheque.id, { amount: "200", reason: "duplicate" });
    expect(response.status).toBe(303);
    expect((await t.db.select().from(payments).where(eq(payments.id, cheque.id)))[0].refundedMinor).toBe(20000);
    expect(
      await t.db
        .select()
        .from(outbox)
        .where(eq(outbox.idempotencyKey, `refund:${cheque.id}:20000`)),
    ).toHaveLength(1);
    expect(await auditOf("payment.refund", cheque.id)).toHaveLength(1);
  });
});

describe("long histories, a page at a time", () => {
  /** Offline payments straight into the ledger, oldest first (so ids rise with time), at these instants. */
  async function addPayments(supporterId: number, instants: string[]) {
    const [counter] = await t.db
      .update(counters)
      .set({ value: sql`${counters.value} + ${instants.length}` })
      .where(eq(counters.name, "receipt"))
      .returning();
    const first = counter.value - instants.length + 1;
    await t.db.insert(payments).values(
      instants.map((at, i) => ({
        supporterId,
        campaignId: fixtures.campaign.id,
        kind: "one_off" as const,
        method: "cheque" as const,
        provider: "offline" as const,
        providerPaymentId: `cheque-${randomUUID()}`,
        amountMinor: 1000 + i,
        currency: "AUD" as const,
        receiptNumber: first + i,
        paidAt: sql`${at}::timestamptz`,
      })),
    );
  }
  /** What the page should list, in its order: newest first, ties by id. */
  const newestFirst = async (supporterId: number) =>
    (
      await t.db
        .select({ id: payments.id })
        .from(payments)
        .where(eq(payments.supporterId, supporterId))
        .orderBy(desc(payments.paidAt), desc(payments.id))
    ).map((p) => p.id);
  const pageAt = async (supporterId: number, query: string) => {
    const response = await callLoader(loader, `/admin/supporters/${supporterId}?${query}`, {
      cookie: browsers.admin.cookie,
      params: { id: String(supporterId) },
    });
    expect(response.status, query).toBe(200);
    return (await response.json()) as PageData;
  };
  const ids = (data: PageData) => data.page.payments.rows.map((p) => p.id);
  const q = (name: string, value: string) => new URLSearchParams({ [name]: value }).toString();
  /** The link's target, as the HTML has it (the no-JS path): "Older payments" and so on. */
  const hrefOf = (html: string, text: string) => {
    const match = html.match(new RegExp(`<a [^>]*href="([^"]*)"[^>]*>${text}</a>`));
    return match ? match[1].replace(/&amp;/g, "&") : null;
  };

  let busy: number;
  beforeAll(async () => {
    // 51 payments and the gift: the newest page ends inside three payments made at the same
    // instant, and the second page ends between two payments a microsecond apart.
    busy = (await giveGift(t.db, { campaignId: fixtures.campaign.id, name: "Every Day Giver" })).supporterId;
    // Oldest first; the gift is the newest, so instants[k] is the (51 - k)th row on the list.
    const instants = Array.from({ length: 51 }, (_, k) => new Date(Date.UTC(2025, 2, 1 + k, 9)).toISOString());
    instants[26] = instants[27] = instants[28] = instants[27]; // rows 23-25, across the end of page 1
    instants[2] = "2025-02-01T09:00:00.000002Z"; // row 49, the last of page 2...
    instants[1] = "2025-02-01T09:00:00.000001Z"; // ...and row 50, a microsecond older
    instants[0] = "2025-01-01T09:00:00Z";
    await addPayments(busy, instants);
  });

  it("walks every payment exactly once, older then newer, with no link beyond either end", async () => {
    const all = await newestFirst(busy);
    expect(all).toHaveLength(52);
    const first = await pageAt(busy, "");
    expect(ids(first)).toEqual(all.slice(0, 25));
    expect(first.page.payments.newer).toBeNull();
    const second = await pageAt(busy, q("payments_before", first.page.payments.older!));
    expect(ids(second)).toEqual(all.slice(25, 50));
    const third = await pageAt(busy, q("payments_before", second.page.payments.older!));
    expect(ids(third)).toEqual(all.slice(50));
    expect(third.page.payments.older).toBeNull();

    // And back: the same pages, and the newest page has nothing newer.
    const back = await pageAt(busy, q("payments_after", third.page.payments.newer!));
    expect(ids(back)).toEqual(all.slice(25, 50));
    const top = await pageAt(busy, q("payments_after", back.page.payments.newer!));
    expect(ids(top)).toEqual(all.slice(0, 25));
    expect(top.page.payments).toMatchObject({ newer: null, older: first.page.payments.older });
  });

  it("a list of exactly one or two pages has no link past its end", async () => {
    for (const count of [25, 50]) {
      const { supporterId } = await giveGift(t.db, { campaignId: fixtures.campaign.id, name: `Exactly ${count}` });
      await addPayments(
        supporterId,
        Array.from({ length: count - 1 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString()),
      );
      const all = await newestFirst(supporterId);
      const first = await pageAt(supporterId, "");
      expect(ids(first)).toEqual(all.slice(0, 25));
      expect(first.page.payments.newer).toBeNull();
      if (count === 25) {
        expect(first.page.payments.older).toBeNull();
        continue;
      }
      const last = await pageAt(supporterId, q("payments_before", first.page.payments.older!));
      expect(ids(last)).toEqual(all.slice(25));
      expect(last.page.payments.older).toBeNull();
    }
  });

  it("a tampered, stale or invented position shows the newest payments, never an error", async () => {
    const newest = ids(await pageAt(busy, ""));
    const tampered = [
      q("payments_before", "garbage"),
      q("payments_before", "2025-02-30T09:00:00.000000Z~5"),
      q("payments_before", "0000-01-01T00:00:00.000000Z~5"),
      q("payments_before", "2025-03-01T09:00:00Z~5"),
      q("payments_before", "2025-03-01T09:00:00.000000Z~99999999999"),
      q("payments_before", "2025-03-01T09:00:00.000000Z~-1"),
      q("payments_before", "2025-03-01T09:00:00.000000Z~1) or (1=1"),
      q("payments_before", "2025-03-01T09:00:00.000000Z~"),
      q("payments_before", `2025-03-01T09:00:00.000000Z~${"9".repeat(5000)}`),
      q("payments_after", "2025-03-01T09:00:00.000000Z~0x10"),
      q("payments_before", `2025-03-01T09:00:00.000000Z~${randomUUID()}`),
      q("emails_before", "2025-03-01T09:00:00.000000Z~12"),
      // Well formed, but beyond either end: still the newest page.
      q("payments_before", "9999-12-31T23:59:59.999999Z~1"),
      q("payments_before", "1000-01-01T00:00:00.000000Z~1"),
      q("payments_after", "9999-12-31T23:59:59.999999Z~1"),
    ];
    for (const query of tampered) {
      const data = await pageAt(busy, query);
      expect(ids(data), query).toEqual(newest);
      expect(data.page.payments.newer, query).toBeNull();
    }
    // Links on such a page do not carry the bad position along.
    expect((await pageAt(busy, q("payments_before", "garbage"))).positions).toBe("");
  });

  it("refunds a payment on an older page, and returns to that page", async () => {
    const first = await pageAt(busy, "");
    const second = await pageAt(busy, q("payments_before", first.page.payments.older!));
    const payment = second.page.payments.rows[3];
    const here = `/admin/supporters/${busy}?${q("payments_before", first.page.payments.older!)}`;
    // The refund link carries where the lists were; the refund pages hand it back.
    const response = await refundThroughPages(browsers.admin, payment.id, {
      amount: "2.50",
      from: "supporter",
      at: q("payments_before", first.page.payments.older!),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`${here}&done=refund`);
    expect((await t.db.select().from(payments).where(eq(payments.id, payment.id)))[0].refundedMinor).toBe(250);
    expect(await auditOf("payment.refund", payment.id)).toHaveLength(1);

    // The supporter page itself refunds nothing any more: refunds are confirmed on their own page.
    const oldest = (await newestFirst(busy)).at(-1)!;
    const before = await everything(busy);
    expect(
      (await post(browsers.admin, busy, { intent: "refund", paymentId: String(oldest), refundAmount: "1" })).status,
    ).toBe(400);
    expect(await everything(busy)).toEqual(before);
  });

  it("pages with plain links in the HTML, each list on its own, the others kept where they are", async () => {
    // Enough notes and emails for two pages of each, some emails queued at one instant (uuid ids).
    const [me] = await t.db.select().from(supporters).where(eq(supporters.id, busy));
    const author = browsers.staff.staffUserId;
    await t.db.insert(staffNotes).values(
      Array.from({ length: 27 }, (_, i) => ({
        supporterId: busy,
        staffUserId: author,
        body: `Note ${i}`,
        createdAt: new Date(Date.UTC(2025, 5, 1, 0, i)),
      })),
    );
    const sameInstant = new Date(Date.UTC(2025, 6, 1));
    await t.db.insert(outbox).values(
      Array.from({ length: 30 }, (_, i) => ({
        template: "donation-receipt",
        toEmail: me.email!.toUpperCase(),
        props: {},
        idempotencyKey: `paging-${randomUUID()}`,
        createdAt: i < 10 ? sameInstant : new Date(Date.UTC(2025, 6, 2, 0, i)),
      })),
    );

    const path = `/admin/supporters/${busy}`;
    const first = await pageAt(busy, "");
    expect(first.page.notes.rows.map((n) => n.body)).toEqual(Array.from({ length: 25 }, (_, i) => `Note ${26 - i}`));
    const html = await render(first, path);
    expect(hrefOf(html, "Newer payments")).toBeNull();
    expect(hrefOf(html, "Newer emails")).toBeNull();
    const olderEmails = hrefOf(html, "Older emails")!;
    expect(olderEmails).toBe(`${path}?${q("emails_before", first.page.emails.older!)}#emails-heading`);

    // A browser without JavaScript follows the link: the emails move on, the payments stay.
    const emailsPage = await pageAt(busy, olderEmails.slice(olderEmails.indexOf("?") + 1, olderEmails.indexOf("#")));
    expect(emailsPage.page.emails.rows.length).toBeGreaterThan(0);
    const allEmails = [...first.page.emails.rows, ...emailsPage.page.emails.rows].map((m) => m.id);
    expect(new Set(allEmails).size).toBe(allEmails.length);
    expect(emailsPage.page.emails.older).toBeNull();
    expect(ids(emailsPage)).toEqual(ids(first));
    const emailsHtml = await render(emailsPage, olderEmails);
    const olderPayments = hrefOf(emailsHtml, "Older payments")!;
    const kept = new URLSearchParams(olderPayments.slice(olderPayments.indexOf("?") + 1, olderPayments.indexOf("#")));
    expect(Object.fromEntries(kept)).toEqual({
      payments_before: first.page.payments.older,
      emails_before: first.page.emails.older,
    });
    expect(hrefOf(emailsHtml, "Newer emails")).toBe(
      `${path}?${q("emails_after", emailsPage.page.emails.newer!)}#emails-heading`,
    );

    const both = await pageAt(busy, kept.toString());
    expect(both.page.emails.rows.map((m) => m.id)).toEqual(emailsPage.page.emails.rows.map((m) => m.id));
    expect(ids(both)).toEqual((await newestFirst(busy)).slice(25, 50));

    // The notes' second page: the two oldest.
    const notesHref = hrefOf(html, "Older notes")!;
    const notesPage = await pageAt(busy, notesHref.slice(notesHref.indexOf("?") + 1, notesHref.indexOf("#")));
    expect(notesPage.page.notes.rows.map((n) => n.body)).toEqual(["Note 1", "Note 0"]);

    // A note written there is shown where new notes are, the other lists staying put.
    const from = `${path}?${new URLSearchParams({ payments_before: first.page.payments.older!, notes_before: first.page.notes.older! })}`;
    const noted = await postForm(
      action,
      from,
      { csrf: browsers.staff.csrf, intent: "note", body: "Called back." },
      { params: { id: String(busy) }, cookie: browsers.staff.cookie },
    );
    expect(noted.headers.get("Location")).toBe(`${path}?${q("payments_before", first.page.payments.older!)}&done=note`);
  });
});
