import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, payments } from "@db/schema";
import { createStaffUser, signInStaff } from "~/auth/staff-auth.server";
import { countMessagesToReview } from "~/giving/messages.server";
import { action, loader } from "~/routes/admin.messages";
import { loader as paymentLoader } from "~/routes/admin.payments.$id";
import { eraseSupporterRecords } from "~/supporters/privacy.server";
import { giveGift } from "../factories";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

type Listed = { paymentId: number; message: string; anonymous: boolean; status: string; supporter: { name: string } };
type Page = { show: string; done: string | null; toReview: number; messages: Listed[]; csrf: string };

let staff: { cookie: string; csrf: string };

beforeAll(async () => {
  const email = `staff.${randomUUID().slice(0, 8)}@fund.example`;
  await createStaffUser(t.db, { email, name: "Phone line", role: "staff", password: "a-long-staff-password" });
  const signedIn = await signInStaff(t.db, { email, password: "a-long-staff-password", clientAddress: "203.0.113.41" });
  if (signedIn.status !== "ok") throw new Error("sign-in failed");
  const cookie = signedIn.cookie.split(";")[0]!;
  const page = await callLoader(loader, "/admin/messages", { cookie });
  const csrfCookie = (page.headers.get("Set-Cookie") ?? "").split(";")[0];
  staff = { cookie: `${cookie}; ${csrfCookie}`, csrf: ((await page.json()) as Page).csrf };
});

async function list(show = "review", query = "") {
  const response = await callLoader(loader, `/admin/messages?show=${show}${query}`, { cookie: staff.cookie });
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

const moderate = (fields: Record<string, string>) =>
  postForm(action, "/admin/messages", { csrf: staff.csrf, show: "review", ...fields }, { cookie: staff.cookie });

async function giftWithMessage(message: string, anonymous = false) {
  return giveGift(t.db, {
    campaignId: fixtures.campaign.id,
    kind: "one_off",
    amountMinor: 3000,
    name: "Rosa Reader",
    message,
    anonymous,
  });
}

describe("messages of support reach staff, who approve or hide each one", () => {
  it("a gift's message waits under To review, with the writer's wish not to be named beside it", async () => {
    const before = await countMessagesToReview(t.db);
    const { payment } = await giftWithMessage("Free them all. Solidarity from Ballarat.", true);
    await giveGift(t.db, { campaignId: fixtures.campaign.id, kind: "one_off", amountMinor: 1000 });
    const page = await list();
    expect(page.toReview).toBe(before + 1);
    const listed = page.messages.find((m) => m.paymentId === payment.id);
    expect(listed).toMatchObject({
      message: "Free them all. Solidarity from Ballarat.",
      anonymous: true,
      status: "pending",
      supporter: { name: "Rosa Reader" },
    });
    // A gift without a message is not in the list at all.
    expect(page.messages.every((m) => m.message.length > 0)).toBe(true);
  });

  it("Approve moves it to Approved, says so after the redirect, and is audited without the message's words", async () => {
    const { payment } = await giftWithMessage("Keep printing the truth.");
    const response = await moderate({ intent: "approve", paymentId: String(payment.id) });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/admin/messages?show=review&done=approved");
    const after = await list("review", "&done=approved");
    expect(after.done).toBe("approved");
    expect(after.messages.some((m) => m.paymentId === payment.id)).toBe(false);
    expect((await list("approved")).messages.find((m) => m.paymentId === payment.id)?.status).toBe("approved");
    const [row] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(row!.messageStatus).toBe("approved");
    expect(row!.messageModeratedAt).not.toBeNull();
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "message.approve"), eq(auditLog.targetId, String(payment.id))));
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits[0]!.details)).not.toContain("truth");
    // Approving again changes nothing and writes no second audit entry.
    expect((await moderate({ intent: "approve", paymentId: String(payment.id) })).status).toBe(303);
    expect(
      await t.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "message.approve"), eq(auditLog.targetId, String(payment.id)))),
    ).toHaveLength(1);
  });

  it("Hide takes an approved message back off the wall", async () => {
    const { payment } = await giftWithMessage("A message staff later think better of.");
    await moderate({ intent: "approve", paymentId: String(payment.id) });
    expect((await moderate({ intent: "hide", paymentId: String(payment.id) })).headers.get("Location")).toBe(
      "/admin/messages?show=review&done=hidden",
    );
    expect((await list("hidden")).messages.find((m) => m.paymentId === payment.id)?.status).toBe("hidden");
    expect((await list("approved")).messages.some((m) => m.paymentId === payment.id)).toBe(false);
  });

  it("bad input gets a clear message and changes nothing; a forged form is refused", async () => {
    const { payment } = await giftWithMessage("Untouched by bad forms.");
    const unknownIntent = await moderate({ intent: "publish", paymentId: String(payment.id) });
    expect(unknownIntent.status).toBe(400);
    expect(((await unknownIntent.json()) as { formError: string }).formError).toBe("Choose Approve or Hide.");
    const noSuchPayment = await moderate({ intent: "approve", paymentId: "999999999" });
    expect(noSuchPayment.status).toBe(404);
    const { payment: silent } = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      kind: "one_off",
      amountMinor: 1000,
    });
    expect((await moderate({ intent: "approve", paymentId: String(silent.id) })).status).toBe(404);
    const forged = await postForm(
      action,
      "/admin/messages",
      { csrf: "forged", intent: "approve", paymentId: String(payment.id) },
      { cookie: staff.cookie },
    );
    expect(forged.status).toBe(403);
    const [row] = await t.db.select().from(payments).where(eq(payments.id, payment.id));
    expect(row!.messageStatus).toBe("pending");
  });

  it("the payment page shows the message, whether it was reviewed, and the anonymity asked for", async () => {
    const { payment } = await giftWithMessage("Seen on the payment page.", true);
    const response = await callLoader(paymentLoader, `/admin/payments/${payment.id}`, {
      cookie: staff.cookie,
      params: { id: String(payment.id) },
    });
    const data = (await response.json()) as {
      page: { payment: { message: string; messageStatus: string; anonymous: boolean } };
    };
    expect(data.page.payment).toMatchObject({
      message: "Seen on the payment page.",
      messageStatus: "pending",
      anonymous: true,
    });
  });

  it("an erased supporter's message leaves the lists with the rest of their details", async () => {
    const { payment, supporterId } = await giftWithMessage("Please forget me later.");
    expect((await list()).messages.some((m) => m.paymentId === payment.id)).toBe(true);
    expect(
      await t.db.transaction((tx) =>
        eraseSupporterRecords(tx, { supporterId, actor: { type: "staff", id: null }, reason: "request" }),
      ),
    ).toBe(true);
    expect((await list()).messages.some((m) => m.paymentId === payment.id)).toBe(false);
    expect((await moderate({ intent: "approve", paymentId: String(payment.id) })).status).toBe(404);
  });

  it("signed-out visitors are sent to sign in", async () => {
    const response = await callLoader(loader, "/admin/messages");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toMatch(/^\/admin\/sign-in/);
  });
});
