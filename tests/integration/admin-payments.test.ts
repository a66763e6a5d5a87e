import { randomUUID } from "node:crypto";
import { createElement, type ComponentType } from "react";
import { renderToString } from "react-dom/server";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, receipts, settings } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { listPledges } from "~/pledges/pledges.server";
import { loader as dashboardLoader } from "~/routes/admin._index";
import { action as paymentAction, loader as paymentLoader } from "~/routes/admin.payments.$id";
import PrintedReceipt, { loader as receiptLoader } from "~/routes/admin.payments.$id_.receipt";
import { action as listAction, loader as listLoader } from "~/routes/admin.payments._index";
import { loader as supporterLoader } from "~/routes/admin.supporters.$id";
import { givePhoneOnlyCheque, giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
type Browser = { cookie: string; csrf: string; staffUserId: number; name: string };
const browsers = {} as Record<"staff" | "admin", Browser>;

async function signedIn(role: "staff" | "admin"): Promise<Browser> {
  const email = `${role}.${randomUUID().slice(0, 8)}@fund.example`;
  const name = role === "staff" ? "Sam Staff" : "Ada Admin";
  const staffUserId = await createStaffUser(t.db, { email, name, role, password: PASSWORD });
  const result = await signInStaff(t.db, { email, password: PASSWORD, clientAddress: "203.0.113.31" });
  if (result.status !== "ok") throw new Error("sign-in failed");
  const staffCookie = result.cookie.split(";")[0];
  const page = await callLoader(listLoader, "/admin/payments?to=post", { cookie: staffCookie });
  const csrfCookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
  return {
    cookie: `${staffCookie}; ${csrfCookie}`,
    csrf: ((await page.json()) as { csrf: string }).csrf,
    staffUserId,
    name,
  };
}

beforeAll(async () => {
  browsers.staff = await signedIn("staff");
  browsers.admin = await signedIn("admin");
});

async function load<T>(
  loader: Parameters<typeof callLoader>[0],
  path: string,
  params: Record<string, string> = {},
  who: Browser = browsers.staff,
): Promise<T> {
  const response = await callLoader(loader, path, { cookie: who.cookie, params });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

type PaymentPage = { page: Awaited<ReturnType<typeof import("~/payments/admin-payments.server").getPaymentForStaff>> };
type ToPostPage = { toPost: { paymentId: number; receiptNumber: number }[]; toPostCount: number };
const paymentPage = async (id: number, who?: Browser) =>
  (await load<PaymentPage>(paymentLoader, `/admin/payments/${id}`, { id: String(id) }, who)).page!;
const toPostIds = async () =>
  (await load<ToPostPage>(listLoader, "/admin/payments?to=post")).toPost.map((r) => r.paymentId);
const markPosted = (id: number, who: Browser, csrf = who.csrf) =>
  postForm(
    paymentAction,
    `/admin/payments/${id}`,
    { csrf, intent: "mark-posted" },
    { cookie: who.cookie, params: { id: String(id) } },
  );
const postedAudits = (id: number) =>
  t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, "receipt.mark_posted"), eq(auditLog.targetId, String(id))));

/** Renders the print view's HTML from its loader's data, as the server would. */
async function renderPrintView(paymentId: number) {
  const path = `/admin/payments/${paymentId}/receipt`;
  const data = await load<Record<string, unknown>>(receiptLoader, path, { id: String(paymentId) });
  const handler = createStaticHandler([
    {
      id: "routes/admin",
      path: "/admin",
      loader: () => ({ csrf: "test-csrf-token" }),
      children: [
        {
          id: "routes/admin.payments.$id_.receipt",
          path: "payments/:id/receipt",
          loader: () => data,
          Component: PrintedReceipt as ComponentType,
        },
      ],
    },
  ]);
  const context = await handler.query(new Request(`http://localhost${path}`));
  if (context instanceof Response) throw new Error("the print view redirected");
  return renderToString(
    createElement(StaticRouterProvider, {
      router: createStaticRouter(handler.dataRoutes, context),
      context,
      hydrate: false,
    }),
  );
}

describe("the payment page", () => {
  it("shows a phone pledge's cheque with its reference, linked pledge and 'to post' receipt", async () => {
    const { paymentId, pledgeId, supporterId } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: browsers.staff.staffUserId,
      amountMinor: 6500,
      reference: "CHQ 777",
    });
    const page = await paymentPage(paymentId);
    expect(page.payment).toMatchObject({
      id: paymentId,
      kind: "one_off",
      method: "cheque",
      reference: "CHQ 777",
      amountMinor: 6500,
      feeCoverMinor: 0,
      refundedMinor: 0,
      currency: "AUD",
      recordedBy: "Sam Staff",
    });
    expect(page.campaignName).toBe(fixtures.campaign.name);
    expect(page.supporter).toMatchObject({ id: supporterId, email: null, erased: false });
    expect(page.pledgeId).toBe(pledgeId);
    expect(page.delivery).toEqual({ status: "to_post" });
  });

  it("shows a card gift's receipt as emailed, and is the same for staff and admins", async () => {
    const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id, amountMinor: 2500, feeCoverMinor: 100 });
    const page = await paymentPage(gift.payment.id);
    expect(page.payment).toMatchObject({
      receiptNumber: gift.payment.receiptNumber,
      feeCoverMinor: 100,
      method: "simulated",
    });
    expect(page.pledgeId).toBeNull();
    expect(page.delivery).toMatchObject({ status: "emailed", mail: "queued" });
    expect(await paymentPage(gift.payment.id, browsers.admin)).toEqual(page);
    expect(await toPostIds()).not.toContain(gift.payment.id);
  });

  it("an unknown or malformed id is a 404", async () => {
    for (const id of ["999999", "abc", "-1"])
      expect(
        (await callLoader(paymentLoader, `/admin/payments/${id}`, { cookie: browsers.staff.cookie, params: { id } }))
          .status,
      ).toBe(404);
  });
});

describe("receipts to post", () => {
  it("lists receipts of supporters without email until they are marked posted; the dashboard counts them", async () => {
    const { paymentId } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: browsers.staff.staffUserId,
    });
    expect(await toPostIds()).toContain(paymentId);
    const countBefore = (await load<{ receiptsToPost: number }>(dashboardLoader, "/admin")).receiptsToPost;
    expect(countBefore).toBe((await load<ToPostPage>(listLoader, "/admin/payments?to=post")).toPostCount);
    expect(countBefore).toBeGreaterThanOrEqual(1);

    const posted = await postForm(
      listAction,
      "/admin/payments?to=post&index",
      { csrf: browsers.staff.csrf, intent: "mark-posted", paymentId: String(paymentId) },
      { cookie: browsers.staff.cookie },
    );
    expect(posted.status).toBe(303);
    expect(posted.headers.get("Location")).toBe("/admin/payments?to=post&done=posted");
    expect(await toPostIds()).not.toContain(paymentId);
    expect((await load<{ receiptsToPost: number }>(dashboardLoader, "/admin")).receiptsToPost).toBe(countBefore - 1);
    expect(await postedAudits(paymentId)).toHaveLength(1);
  });

  it("the print view puts the supporter's postal address in the envelope window, with the receipt as issued", async () => {
    await t.db
      .update(settings)
      .set({ contactAddress: "PO Box 42, Carlton VIC 3053", receiptFooter: "ABN 00 000 000 000" });
    const { paymentId } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: browsers.staff.staffUserId,
      name: "Wendy Window",
      amountMinor: 12345,
    });
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, paymentId));
    const html = await renderPrintView(paymentId);
    const window = html.match(/<div class="receipt-window">([\s\S]*?)<\/div>/)?.[1] ?? "";
    expect(window).toContain("PO Box 42, Carlton VIC 3053");
    const address = window.match(/<address class="receipt-address">([\s\S]*?)<\/address>/)?.[1] ?? "";
    const lines = address
      .split("<br/>")
      .map((l) => l.replace(/<[^>]+>/g, "").trim())
      .filter(Boolean);
    expect(lines).toEqual(["Wendy Window", "12 Letterbox Road", "Castlemaine VIC 3450", "AU"]);
    expect(html).toContain(`Receipt ${receipt.receiptNumber}`);
    expect(html).toContain("$123.45 AUD");
    expect(html).toContain("ABN 00 000 000 000");
    // Print works as a plain link (to this page) without JavaScript; Mark as posted is a real form.
    expect(html).toMatch(new RegExp(`<a[^>]*href="/admin/payments/${paymentId}/receipt"[^>]*>Print</a>`));
    expect(html).toMatch(new RegExp(`<form[^>]*method="post"[^>]*action="/admin/payments/${paymentId}"`));
    expect(html).toContain('name="csrf" value="test-csrf-token"');
  });

  it("mark as posted needs the CSRF token, records who and when once, and the payment page says so", async () => {
    const { paymentId } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: browsers.staff.staffUserId,
    });
    const forged = await markPosted(paymentId, browsers.admin, "x".repeat(32));
    expect(forged.status).toBe(403);
    expect((await t.db.select().from(receipts).where(eq(receipts.paymentId, paymentId)))[0].postedAt).toBeNull();
    expect(await postedAudits(paymentId)).toHaveLength(0);

    const done = await markPosted(paymentId, browsers.admin);
    expect(done.status).toBe(303);
    expect(done.headers.get("Location")).toBe(`/admin/payments/${paymentId}?done=posted`);
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, paymentId));
    expect(receipt.postedAt).not.toBeNull();
    expect(receipt.postedByStaffId).toBe(browsers.admin.staffUserId);
    const audits = await postedAudits(paymentId);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorType: "staff",
      actorId: browsers.admin.staffUserId,
      targetType: "payment",
      details: { receiptNumber: receipt.receiptNumber },
    });

    const again = await markPosted(paymentId, browsers.staff);
    expect(again.status).toBe(409);
    expect((await again.json()).formError).toMatch(/already marked as posted/);
    expect(await postedAudits(paymentId)).toHaveLength(1);
    expect((await t.db.select().from(receipts).where(eq(receipts.paymentId, paymentId)))[0].postedByStaffId).toBe(
      browsers.admin.staffUserId,
    );

    const page = await paymentPage(paymentId);
    expect(page.delivery).toMatchObject({ status: "posted", postedBy: "Ada Admin" });
    expect(await toPostIds()).not.toContain(paymentId);
  });

  it("a payment without a receipt cannot be marked posted", async () => {
    const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id });
    await t.db.delete(receipts).where(eq(receipts.paymentId, gift.payment.id));
    const response = await markPosted(gift.payment.id, browsers.staff);
    expect(response.status).toBe(404);
    expect(await postedAudits(gift.payment.id)).toHaveLength(0);
  });
});

describe("links to the payment page", () => {
  it("paid pledges and the supporter page's payments carry the payment id the links point at", async () => {
    const { paymentId, pledgeId, supporterId } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: browsers.staff.staffUserId,
    });
    const listed = (await listPledges(t.db, { status: "paid", limit: 500 })).pledges.find((p) => p.id === pledgeId);
    expect(listed).toMatchObject({ paymentId, supporterEmail: null });
    const supporterPage = await load<{ page: { payments: { rows: { id: number }[] } } }>(
      supporterLoader,
      `/admin/supporters/${supporterId}`,
      { id: String(supporterId) },
    );
    expect(supporterPage.page.payments.rows.map((p) => p.id)).toEqual([paymentId]);
  });
});
