import { randomUUID } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, loginTokens, outbox, payments, pledges, receipts, subscriptions, supporters } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import type { ReceiptSnapshot } from "~/email/templates";
import { sendRenewalReminders } from "~/jobs/renewal-reminders.server";
import { listReceiptsToPost } from "~/payments/admin-payments.server";
import { createPledge, linkNeedsEmail } from "~/pledges/pledges.server";
import { action as newPledgeAction, loader as newPledgeLoader } from "~/routes/admin.pledges.new";
import { action as supporterAction, loader as supporterLoader } from "~/routes/admin.supporters.$id";
import { eraseSupporter, exportSupporterData } from "~/supporters/privacy.server";
import { givePhoneOnlyCheque, giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

const PASSWORD = "a-long-staff-password";
const staff = { staffUserId: 0 };
let browser = { cookie: "", csrf: "" };

beforeAll(async () => {
  const email = `phones.${randomUUID().slice(0, 8)}@fund.example`;
  staff.staffUserId = await createStaffUser(t.db, { email, name: "Phone Staff", role: "staff", password: PASSWORD });
  const signedIn = await signInStaff(t.db, { email, password: PASSWORD, clientAddress: "198.51.100.78" });
  if (signedIn.status !== "ok") throw new Error("sign-in failed");
  const staffCookie = signedIn.cookie.split(";")[0];
  const page = await callLoader(newPledgeLoader, "/admin/pledges/new", { cookie: staffCookie });
  const csrfCookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
  browser = {
    cookie: [staffCookie, csrfCookie].filter(Boolean).join("; "),
    csrf: ((await page.json()) as { csrf: string }).csrf,
  };
});

const rows = async (
  table: typeof outbox | typeof supporters | typeof pledges | typeof payments | typeof receipts | typeof auditLog,
) => (await t.db.select({ n: count() }).from(table))[0].n;
const everything = async () => ({
  outbox: await rows(outbox),
  supporters: await rows(supporters),
  pledges: await rows(pledges),
  payments: await rows(payments),
  receipts: await rows(receipts),
  audit: await rows(auditLog),
});

/** The pledge form as a caller without email would be typed in. */
const callerFields = (overrides: Record<string, string> = {}) => ({
  csrf: browser.csrf,
  name: "Dorothy Dial",
  email: "",
  phone: "03 5470 1234",
  addressLine1: "7 Mill Street",
  addressCity: "Maldon",
  addressState: "VIC",
  addressPostalCode: "3463",
  addressCountry: "AU",
  kind: "one_off",
  amount: "75",
  campaignId: String(fixtures.campaign.id),
  payMethod: "cheque",
  reference: "CHQ 004411",
  ...overrides,
});

describe("a caller without an email address", () => {
  it("pays by cheque: the payment enters the ledger with a receipt, and no email is queued", async () => {
    const before = await everything();
    const response = await postForm(newPledgeAction, "/admin/pledges/new", callerFields(), { cookie: browser.cookie });
    expect(response.status).toBe(303);
    const pledgeId = Number(response.headers.get("Location")!.match(/\/admin\/pledges\/(\d+)/)![1]);

    const [pledge] = await t.db.select().from(pledges).where(eq(pledges.id, pledgeId));
    expect(pledge).toMatchObject({ status: "paid", payMethod: "cheque", amountMinor: 7500 });
    const [supporter] = await t.db.select().from(supporters).where(eq(supporters.id, pledge.supporterId));
    expect(supporter).toMatchObject({
      email: null,
      name: "Dorothy Dial",
      phone: "03 5470 1234",
      addressLine1: "7 Mill Street",
      addressCity: "Maldon",
      addressPostalCode: "3463",
      addressCountry: "AU",
    });

    const [payment] = await t.db.select().from(payments).where(eq(payments.id, pledge.paymentId!));
    expect(payment).toMatchObject({
      supporterId: supporter.id,
      method: "cheque",
      provider: "offline",
      reference: "CHQ 004411",
      amountMinor: 7500,
    });
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, payment.id));
    expect(receipt.receiptNumber).toBe(payment.receiptNumber);
    expect(receipt.postedAt).toBeNull();
    expect(receipt.snapshot as ReceiptSnapshot).toMatchObject({
      receiptNumber: payment.receiptNumber,
      amountMinor: 7500,
      donor: { name: "Dorothy Dial" },
    });

    // Nothing to email and no sign-in link made for nobody.
    expect(await everything()).toEqual({
      ...before,
      supporters: before.supporters + 1,
      pledges: before.pledges + 1,
      payments: before.payments + 1,
      receipts: before.receipts + 1,
      audit: before.audit + 1,
    });
    expect(await t.db.select().from(loginTokens).where(eq(loginTokens.supporterId, supporter.id))).toEqual([]);
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "pledge.create"), eq(auditLog.targetId, String(pledgeId))));
    expect(audit.details).toMatchObject({ paymentId: payment.id, receiptBy: "post" });

    expect((await listReceiptsToPost(t.db, { limit: 500 })).rows.map((r) => r.paymentId)).toContain(payment.id);
  });

  it("cannot be sent a payment link: the method gets a field error that says why, and nothing is written", async () => {
    const before = await everything();
    const response = await postForm(
      newPledgeAction,
      "/admin/pledges/new",
      callerFields({ payMethod: "link", reference: "" }),
      { cookie: browser.cookie },
    );
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(Object.keys(body.errors)).toEqual(["payMethod"]);
    expect(body.errors.payMethod).toBe(linkNeedsEmail());
    expect(body.errors.payMethod).toMatch(/needs an email address/);
    expect(body.errors.payMethod).toMatch(/cheque, bank transfer or cash/);
    // What was typed comes back, to fix and resubmit.
    expect(body.values).toMatchObject({
      name: "Dorothy Dial",
      phone: "03 5470 1234",
      addressLine1: "7 Mill Street",
      payMethod: "link",
    });
    expect(await everything()).toEqual(before);
  });

  it("an existing supporter without email is refused a link too, by the same rule", async () => {
    const { supporterId } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: staff.staffUserId,
    });
    const before = await everything();
    const result = await createPledge(t.db, {
      staff,
      supporter: { existingId: supporterId },
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 1000,
      payMethod: "link",
    });
    expect(result).toEqual({ ok: false, errors: { payMethod: linkNeedsEmail() } });
    expect(await everything()).toEqual(before);

    // A monthly gift needs a link, so it cannot be taken for them at all.
    const monthly = await createPledge(t.db, {
      staff,
      supporter: { existingId: supporterId },
      campaignId: fixtures.campaign.id,
      kind: "monthly",
      amountMinor: 1000,
      payMethod: "cash",
    });
    expect(monthly.ok).toBe(false);
    expect(await everything()).toEqual(before);
  });

  it("needs a phone number and a full postal address, each missing part named", async () => {
    const before = await everything();
    const nothing = await postForm(
      newPledgeAction,
      "/admin/pledges/new",
      callerFields({ phone: "", addressLine1: "", addressCity: "", addressState: "", addressPostalCode: "" }),
      { cookie: browser.cookie },
    );
    expect(nothing.status).toBe(400);
    expect(Object.keys((await nothing.json()).errors).sort()).toEqual(["addressLine1", "phone"]);

    const partial = await postForm(
      newPledgeAction,
      "/admin/pledges/new",
      callerFields({ addressCity: "", addressPostalCode: "" }),
      { cookie: browser.cookie },
    );
    expect(partial.status).toBe(400);
    const errors = (await partial.json()).errors;
    expect(Object.keys(errors).sort()).toEqual(["addressCity", "addressPostalCode"]);
    expect(errors.addressCity).toMatch(/suburb or town/);
    expect(await everything()).toEqual(before);
  });

  it("a caller who gives an email address still gets the emailed receipt and link as before", async () => {
    const email = uniqueEmail("caller");
    const response = await postForm(
      newPledgeAction,
      "/admin/pledges/new",
      callerFields({ email, payMethod: "link", reference: "" }),
      { cookie: browser.cookie },
    );
    expect(response.status).toBe(303);
    const mail = await t.db.select().from(outbox).where(eq(outbox.toEmail, email));
    expect(mail.map((m) => m.template)).toEqual(["pledge-payment-link"]);
  });

  it("gets no renewal reminder by email for a 12-month tier paid in cash, and the job carries on", async () => {
    const result = await createPledge(t.db, {
      staff,
      supporter: {
        name: "Tilly Tier",
        phone: "03 5470 9999",
        address: { line1: "3 Post Office Lane", city: "Maldon", postalCode: "3463", country: "AU" },
      },
      campaignId: fixtures.campaign.id,
      kind: "tier_one_time",
      planCode: "digital-year",
      payMethod: "cash",
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const emailed = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "tier_one_time",
      planId: fixtures.plan("digital-year").id,
      amountMinor: fixtures.plan("digital-year").amountMinor,
    });
    const [cash] = await t.db.select().from(payments).where(eq(payments.id, result.paymentId!));
    const now = new Date(cash.coversUntil!.getTime() - 10 * 24 * 60 * 60_000);
    await sendRenewalReminders(t.db, now);
    const reminders = await t.db
      .select({ key: outbox.idempotencyKey })
      .from(outbox)
      .where(eq(outbox.template, "renewal-reminder"));
    expect(reminders.map((r) => r.key)).toContain(`renewal-reminder:${emailed.payment.id}`);
    expect(reminders.map((r) => r.key)).not.toContain(`renewal-reminder:${cash.id}`);
  });
});

describe("their contact details on the supporter page", () => {
  async function page(supporterId: number) {
    const response = await callLoader(supporterLoader, `/admin/supporters/${supporterId}`, {
      cookie: browser.cookie,
      params: { id: String(supporterId) },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      page: { supporter: { version: string; email: string | null; phone: string | null } };
    };
  }
  const save = (supporterId: number, version: string, fields: Record<string, string>) =>
    postForm(
      supporterAction,
      `/admin/supporters/${supporterId}`,
      {
        csrf: browser.csrf,
        intent: "contact",
        expectedUpdatedAt: version,
        name: "Someone",
        email: "",
        phone: "",
        line1: "",
        line2: "",
        city: "",
        state: "",
        postalCode: "",
        country: "",
        ...fields,
      },
      { cookie: browser.cookie, params: { id: String(supporterId) } },
    );

  it("email is optional when there is a phone number; one of the two is required", async () => {
    const gift = await giveGift(t.db, { campaignId: fixtures.campaign.id });
    const { page: before } = await page(gift.supporterId);

    const neither = await save(gift.supporterId, before.supporter.version, {});
    expect(neither.status).toBe(400);
    expect((await neither.json()).errors.email).toMatch(/email address or a phone number/);

    const phoneOnly = await save(gift.supporterId, before.supporter.version, {
      phone: "0400 123 456",
      line1: "1 Main Road",
      city: "Ballarat",
      postalCode: "3350",
      country: "AU",
    });
    expect(phoneOnly.status).toBe(303);
    const [row] = await t.db.select().from(supporters).where(eq(supporters.id, gift.supporterId));
    expect(row).toMatchObject({ email: null, phone: "0400 123 456", addressLine1: "1 Main Road" });
  });

  it("keeps the email address of someone who gives monthly by card", async () => {
    const monthly = await giveGift(t.db, { campaignId: fixtures.campaign.id, kind: "monthly" });
    expect(
      await t.db.select().from(subscriptions).where(eq(subscriptions.supporterId, monthly.supporterId)),
    ).toHaveLength(1);
    const { page: before } = await page(monthly.supporterId);
    const refused = await save(monthly.supporterId, before.supporter.version, { phone: "0400 123 457" });
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors.email).toMatch(/each month/);
    const [row] = await t.db.select().from(supporters).where(eq(supporters.id, monthly.supporterId));
    expect(row.email).toBe(monthly.checkout.email);
  });

  it("offers a printed receipt instead of an emailed one, and refuses to 'resend' by email", async () => {
    const { supporterId, paymentId } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: staff.staffUserId,
    });
    const { page: shown } = await page(supporterId);
    expect(shown.supporter).toMatchObject({ email: null });
    const before = await everything();
    const resend = await postForm(
      supporterAction,
      `/admin/supporters/${supporterId}`,
      { csrf: browser.csrf, intent: "resend", paymentId: String(paymentId) },
      { cookie: browser.cookie, params: { id: String(supporterId) } },
    );
    expect(resend.status).toBe(400);
    expect((await resend.json()).formError).toMatch(/no email address.*post/);
    expect(await everything()).toEqual(before);
  });
});

describe("privacy for a supporter without email", () => {
  it("their data export works and includes their phone and postal address", async () => {
    const { supporterId, paymentId, phone } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: staff.staffUserId,
      name: "Eva Export",
    });
    const data = await exportSupporterData(t.db, { supporterId });
    expect(data).not.toBeNull();
    expect(data!.supporter).toMatchObject({
      id: supporterId,
      email: null,
      phone,
      name: "Eva Export",
      postalAddress: { line1: "12 Letterbox Road", city: "Castlemaine", postalCode: "3450" },
    });
    expect(data!.payments.map((p) => p.id)).toEqual([paymentId]);
    expect(data!.receipts).toHaveLength(1);
    expect(data!.emails).toEqual([]);
  });

  it("erasure removes their name, phone and address, keeps the ledger, and takes the receipt off the list to post", async () => {
    const { supporterId, paymentId } = await givePhoneOnlyCheque(t.db, {
      campaignId: fixtures.campaign.id,
      staffUserId: staff.staffUserId,
      name: "Ernie Erase",
      amountMinor: 3300,
    });
    expect(await eraseSupporter(t.db, { supporterId })).toEqual({ status: "erased" });
    const [row] = await t.db.select().from(supporters).where(eq(supporters.id, supporterId));
    expect(row).toMatchObject({
      name: "",
      phone: null,
      addressLine1: null,
      addressCity: null,
      addressPostalCode: null,
    });
    expect(row.erasedAt).not.toBeNull();
    const [payment] = await t.db.select().from(payments).where(eq(payments.id, paymentId));
    expect(payment.amountMinor).toBe(3300);
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, paymentId));
    expect((receipt.snapshot as ReceiptSnapshot).donor.name).toBeNull();
    expect((await listReceiptsToPost(t.db, { limit: 500 })).rows.map((r) => r.paymentId)).not.toContain(paymentId);
    expect(await eraseSupporter(t.db, { supporterId })).toEqual({ status: "not_found" });
  });
});
