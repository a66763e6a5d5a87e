import type { LoaderFunctionArgs } from "@remix-run/node";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, checkouts, outbox, payments, pledges, receipts, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { getCampaignProgress } from "~/campaigns/campaigns.server";
import { renderEmail } from "~/email/render.server";
import { runJobsOnce } from "~/jobs/scheduler.server";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { cancelPledge, createPledge, listPledges, resendPledgeLink } from "~/pledges/pledges.server";
import { loader as listLoader } from "~/routes/admin.pledges._index";
import { action as detailAction, loader as detailLoader } from "~/routes/admin.pledges.$id";
import { action as newAction, loader as newLoader } from "~/routes/admin.pledges.new";
import { action as payAction, loader as payLoader } from "~/routes/pay.$token";
import { uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, csrfFor, postForm } from "../support/remix";
import { openLinks } from "~/auth/link-seal.server";

const { t, fixtures } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
const staff = { staffUserId: 0 };
let cookie = "";

beforeAll(async () => {
  staff.staffUserId = await createStaffUser(t.db, {
    email: "phones@fund.example",
    name: "Phone Staff",
    role: "staff",
    password: PASSWORD,
  });
  const signedIn = await signInStaff(t.db, {
    email: "phones@fund.example",
    password: PASSWORD,
    clientAddress: "198.51.100.77",
  });
  if (signedIn.status !== "ok") throw new Error("sign-in failed");
  cookie = signedIn.cookie.split(";")[0];
});

async function linkPledge(overrides: Partial<Parameters<typeof createPledge>[1]> = {}) {
  const email = uniqueEmail("caller");
  const result = await createPledge(t.db, {
    staff,
    supporter: { email, name: "Carla Caller", phone: "0400 111 222" },
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor: 4200,
    payMethod: "link",
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return { ...result, email, token: result.payUrl!.split("/pay/")[1] };
}

async function auditFor(pledgeId: number) {
  return t.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.targetType, "pledge"), eq(auditLog.targetId, String(pledgeId))));
}

async function pay(token: string) {
  const { cookie: csrfCookie, token: csrf } = await csrfFor(payLoader, `/pay/${token}`, { token });
  return postForm(payAction, `/pay/${token}`, { csrf }, { params: { token }, cookie: csrfCookie });
}

describe("a pledge paid by emailed link", () => {
  it("emails a working /pay link that shows what was agreed", async () => {
    const { pledgeId, email, token, payUrl } = await linkPledge();
    const [mail] = await t.db.select().from(outbox).where(eq(outbox.toEmail, email));
    expect(mail.template).toBe("pledge-payment-link");
    expect(openLinks(mail.props)).toMatchObject({
      payUrl,
      amountMinor: 4200,
      reminder: false,
      donorName: "Carla Caller",
    });
    const rendered = await renderEmail("pledge-payment-link", mail.props as never);
    expect(rendered.text).toContain(payUrl!);

    const [row] = await t.db.select().from(pledges).where(eq(pledges.id, pledgeId));
    expect(row.status).toBe("pending");
    expect(row.linkTokenHash).not.toContain(token);
    expect(row.expiresAt!.getTime() - Date.now()).toBeGreaterThan(13.9 * 24 * 3600 * 1000);
    const [supporter] = await t.db.select().from(supporters).where(eq(supporters.id, row.supporterId));
    expect(supporter.phone).toBe("0400 111 222");

    const page = await callLoader(payLoader, `/pay/${token}`, { params: { token } });
    expect(page.status).toBe(200);
    expect(page.headers.get("Cache-Control")).toContain("no-store");
    const body = await page.json();
    expect(body.pledge).toMatchObject({ status: "pending", amountMinor: 4200, currency: "AUD" });
    expect((await auditFor(pledgeId)).map((a) => a.action)).toEqual(["pledge.create"]);
  });

  it("paying through the simulated checkout marks the pledge paid with its payment; each visit starts a new checkout", async () => {
    const { pledgeId, token } = await linkPledge();
    const first = await pay(token);
    const second = await pay(token);
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    const started = await t.db.select().from(checkouts).where(eq(checkouts.pledgeId, pledgeId));
    expect(started).toHaveLength(2);
    const checkoutId = second.headers.get("Location")!.split("/").pop()!;
    expect(started.map((c) => c.id)).toContain(checkoutId);

    await completeSimulatedCheckout(t.db, { checkoutId, outcome: "pay" });
    const [row] = await t.db.select().from(pledges).where(eq(pledges.id, pledgeId));
    const [payment] = await t.db.select().from(payments).where(eq(payments.checkoutId, checkoutId));
    expect(row.status).toBe("paid");
    expect(row.paymentId).toBe(payment.id);
    expect(payment.amountMinor).toBe(4200);

    // Paid: the page says so and refuses to start another checkout.
    const page = await (await callLoader(payLoader, `/pay/${token}`, { params: { token } })).json();
    expect(page.pledge.status).toBe("paid");
    expect((await pay(token)).status).toBe(410);
  });

  it("refuses expired and cancelled links, and an old link once a new one is sent", async () => {
    const expired = await linkPledge();
    await t.db
      .update(pledges)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(pledges.id, expired.pledgeId));
    expect(
      (await (await callLoader(payLoader, `/pay/${expired.token}`, { params: { token: expired.token } })).json()).pledge
        .status,
    ).toBe("expired");
    expect((await pay(expired.token)).status).toBe(410);

    const cancelled = await linkPledge();
    expect(await cancelPledge(t.db, { staff, pledgeId: cancelled.pledgeId })).toBe("cancelled");
    expect(await cancelPledge(t.db, { staff, pledgeId: cancelled.pledgeId })).toBe("not_pending");
    expect(
      (await (await callLoader(payLoader, `/pay/${cancelled.token}`, { params: { token: cancelled.token } })).json())
        .pledge.status,
    ).toBe("cancelled");
    expect((await pay(cancelled.token)).status).toBe(410);

    const resent = await linkPledge();
    const again = await resendPledgeLink(t.db, { staff, pledgeId: resent.pledgeId });
    expect(again.status).toBe("sent");
    expect((await pay(resent.token)).status).toBe(404);
    const newToken = again.status === "sent" ? again.payUrl.split("/pay/")[1] : "";
    expect((await pay(newToken)).status).toBe(303);

    expect(await t.db.select().from(checkouts).where(eq(checkouts.pledgeId, expired.pledgeId))).toHaveLength(0);
    expect((await auditFor(cancelled.pledgeId)).map((a) => a.action)).toEqual(["pledge.create", "pledge.cancel"]);
    expect((await auditFor(resent.pledgeId)).map((a) => a.action)).toEqual(["pledge.create", "pledge.resend_link"]);
  });

  it("an unknown token is a plain 404", async () => {
    expect((await callLoader(payLoader, "/pay/nope", { params: { token: "nope" } })).status).toBe(404);
  });
});

describe("a pledge paid offline", () => {
  it("a cheque enters the ledger once with a receipt number, counts toward the total and queues a receipt", async () => {
    const before = await getCampaignProgress(t.db, fixtures.campaign);
    const email = uniqueEmail("cheque");
    const result = await createPledge(t.db, {
      staff,
      supporter: { email, name: "Chester Cheque" },
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 15000,
      payMethod: "cheque",
      reference: "CHQ 000123",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const rows = await t.db
      .select()
      .from(payments)
      .where(eq(payments.providerPaymentId, `offline:${result.pledgeId}`));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      provider: "offline",
      method: "cheque",
      reference: "CHQ 000123",
      recordedByStaffId: staff.staffUserId,
      amountMinor: 15000,
    });
    expect(rows[0].receiptNumber).toBeGreaterThan(0);
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, rows[0].id));
    expect(receipt.receiptNumber).toBe(rows[0].receiptNumber);
    const [mail] = await t.db
      .select()
      .from(outbox)
      .where(eq(outbox.idempotencyKey, `receipt:${rows[0].id}`));
    expect(mail).toMatchObject({ template: "donation-receipt", toEmail: email });
    const [pledge] = await t.db.select().from(pledges).where(eq(pledges.id, result.pledgeId));
    expect(pledge).toMatchObject({ status: "paid", paymentId: rows[0].id, linkTokenHash: null });
    const after = await getCampaignProgress(t.db, fixtures.campaign);
    expect(after.raisedMinor - before.raisedMinor).toBe(15000);
    expect((await auditFor(result.pledgeId)).map((a) => a.action)).toEqual(["pledge.create"]);

    const listed = await listPledges(t.db, { status: "paid" });
    expect(listed.pledges.find((p) => p.id === result.pledgeId)).toMatchObject({
      receiptNumber: rows[0].receiptNumber,
      takenBy: "Phone Staff",
    });
  });

  it("tiers take their plan's price; print needs a postal address", async () => {
    const year = await createPledge(t.db, {
      staff,
      supporter: { email: uniqueEmail("tier"), name: "Tia Tier" },
      campaignId: fixtures.campaign.id,
      kind: "tier_one_time",
      planCode: "digital-year",
      amountMinor: 1,
      payMethod: "cash",
    });
    expect(year.ok).toBe(true);
    if (!year.ok) return;
    const [payment] = await t.db.select().from(payments).where(eq(payments.id, year.paymentId!));
    expect(payment.amountMinor).toBe(fixtures.plan("digital-year").amountMinor);
    expect(payment.coversUntil).not.toBeNull();

    const print = await createPledge(t.db, {
      staff,
      supporter: { email: uniqueEmail("print"), name: "No Address" },
      campaignId: fixtures.campaign.id,
      kind: "tier_monthly",
      planCode: "print-monthly",
      payMethod: "link",
    });
    expect(print).toEqual({ ok: false, errors: { addressLine1: expect.any(String) } });
  });

  it("bad input writes nothing and says which fields are wrong", async () => {
    const count = async () => (await t.db.select({ id: pledges.id }).from(pledges)).length;
    const before = await count();
    const bad = await createPledge(t.db, {
      staff,
      supporter: { email: "not-an-email", name: "" },
      campaignId: fixtures.campaign.id,
      kind: "monthly",
      amountMinor: -5,
      payMethod: "cheque",
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(Object.keys(bad.errors).sort()).toEqual(["amount", "email", "name", "payMethod"].sort());
    expect(await count()).toBe(before);
  });
});

describe("the admin pledge screens", () => {
  async function csrfAsStaff(
    loader: (args: LoaderFunctionArgs) => Promise<Response>,
    path: string,
    params?: Record<string, string>,
  ) {
    const response = await callLoader(loader, path, { cookie, params });
    expect(response.status).toBe(200);
    const setCookie = (response.headers.get("Set-Cookie") ?? "").split(";")[0];
    const body = (await response.json()) as { csrf: string };
    return { cookie: [cookie, setCookie].filter(Boolean).join("; "), token: body.csrf, body };
  }

  it("finds the caller by email, name or phone prefix", async () => {
    const email = uniqueEmail("findme");
    await createPledge(t.db, {
      staff,
      supporter: { email, name: "Zebedee Findable", phone: "+61 3 9000 4321" },
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 500,
      payMethod: "cash",
    });
    for (const q of [email.slice(0, 8), "Zebedee", "+61390004"]) {
      const { body } = await csrfAsStaff(newLoader, `/admin/pledges/new?q=${encodeURIComponent(q)}`);
      expect((body as unknown as { matches: { email: string }[] }).matches.map((m) => m.email)).toContain(email);
    }
  });

  it("saves a pledge from the form, and re-renders bad input with field errors, writing nothing", async () => {
    const { cookie: both, token } = await csrfAsStaff(newLoader, "/admin/pledges/new");
    const count = async () => (await t.db.select({ id: pledges.id }).from(pledges)).length;
    const before = await count();
    const typed = {
      csrf: token,
      name: "Typed Name",
      email: "nope",
      kind: "one_off",
      amount: "abc",
      campaignId: String(fixtures.campaign.id),
      payMethod: "cheque",
      reference: "CHQ 9",
    };
    const bad = await postForm(newAction, "/admin/pledges/new", typed, { cookie: both });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(Object.keys(body.errors).sort()).toEqual(["amount", "email"]);
    expect(body.values).toMatchObject({ name: "Typed Name", email: "nope", reference: "CHQ 9" });
    expect(await count()).toBe(before);

    const forged = await postForm(
      newAction,
      "/admin/pledges/new",
      { ...typed, csrf: "x".repeat(32) },
      { cookie: both },
    );
    expect(forged.status).toBe(403);

    const email = uniqueEmail("form");
    const ok = await postForm(
      newAction,
      "/admin/pledges/new",
      { ...typed, email, amount: "30.00", payMethod: "bank_transfer" },
      { cookie: both },
    );
    expect(ok.status).toBe(303);
    const id = ok.headers.get("Location")!.match(/\/admin\/pledges\/(\d+)/)![1];
    const [pledge] = await t.db
      .select()
      .from(pledges)
      .where(eq(pledges.id, Number(id)));
    expect(pledge).toMatchObject({
      status: "paid",
      amountMinor: 3000,
      payMethod: "bank_transfer",
      takenByStaffId: staff.staffUserId,
    });

    const list = await (await callLoader(listLoader, "/admin/pledges?status=paid", { cookie })).json();
    expect(list.pledges.map((p: { id: number }) => p.id)).toContain(pledge.id);
    const pendingOnly = await (await callLoader(listLoader, "/admin/pledges?status=pending", { cookie })).json();
    expect(pendingOnly.pledges.every((p: { status: string }) => p.status === "pending")).toBe(true);
  });

  it("resends and cancels from the pledge page, audit-logged", async () => {
    const { pledgeId, email } = await linkPledge();
    const path = `/admin/pledges/${pledgeId}`;
    const params = { id: String(pledgeId) };
    const { cookie: both, token } = await csrfAsStaff(detailLoader, path, params);
    const resent = await postForm(detailAction, path, { csrf: token, intent: "resend" }, { cookie: both, params });
    expect(resent.status).toBe(303);
    expect(
      await t.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.toEmail, email), eq(outbox.template, "pledge-payment-link"))),
    ).toHaveLength(2);
    const cancelled = await postForm(detailAction, path, { csrf: token, intent: "cancel" }, { cookie: both, params });
    expect(cancelled.status).toBe(303);
    expect(
      (await postForm(detailAction, path, { csrf: token, intent: "cancel" }, { cookie: both, params })).status,
    ).toBe(409);
    expect(
      (await postForm(detailAction, path, { csrf: "y".repeat(32), intent: "resend" }, { cookie: both, params })).status,
    ).toBe(403);
    expect((await auditFor(pledgeId)).map((a) => [a.action, a.actorId])).toEqual([
      ["pledge.create", staff.staffUserId],
      ["pledge.resend_link", staff.staffUserId],
      ["pledge.cancel", staff.staffUserId],
    ]);
  });
});

describe("the pledge-link job", () => {
  const DAY = 24 * 60 * 60 * 1000;

  it("sends one reminder 3 days after the link while unpaid, then expires the link after 14 days", async () => {
    const { pledgeId, email } = await linkPledge();
    const paid = await linkPledge();
    await t.db.update(pledges).set({ status: "paid" }).where(eq(pledges.id, paid.pledgeId));
    const links = async (to: string) =>
      t.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.toEmail, to), eq(outbox.template, "pledge-payment-link")));

    await runJobsOnce(t.db, new Date(Date.now() + 2 * DAY));
    expect(await links(email)).toHaveLength(1);

    const report = await runJobsOnce(t.db, new Date(Date.now() + 3 * DAY + 60_000));
    expect(report.pledgeLinks).toMatchObject({ status: "done" });
    const sent = await links(email);
    expect(sent).toHaveLength(2);
    expect(sent.filter((m) => (m.props as { reminder: boolean }).reminder)).toHaveLength(1);
    expect(await links(paid.email)).toHaveLength(1);
    await runJobsOnce(t.db, new Date(Date.now() + 4 * DAY));
    expect(await links(email)).toHaveLength(2);

    // The reminder's link works; it keeps the original expiry.
    const reminderUrl = openLinks(
      sent.find((m) => (m.props as { reminder: boolean }).reminder)!.props as { payUrl: string },
    ).payUrl;
    const token = reminderUrl.split("/pay/")[1];
    expect((await (await callLoader(payLoader, `/pay/${token}`, { params: { token } })).json()).pledge.status).toBe(
      "pending",
    );

    await runJobsOnce(t.db, new Date(Date.now() + 14 * DAY + 60_000));
    const [row] = await t.db.select().from(pledges).where(eq(pledges.id, pledgeId));
    expect(row.status).toBe("expired");
    expect((await (await callLoader(payLoader, `/pay/${token}`, { params: { token } })).json()).pledge.status).toBe(
      "expired",
    );
    // Staff can send a fresh link, which revives it.
    expect((await resendPledgeLink(t.db, { staff, pledgeId })).status).toBe("sent");
    expect((await t.db.select().from(pledges).where(eq(pledges.id, pledgeId)))[0].status).toBe("pending");
  });
});
