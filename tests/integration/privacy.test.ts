import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import {
  auditLog,
  checkouts,
  loginTokens,
  outbox,
  payments,
  receipts,
  sessions,
  subscriptions,
  supporters,
} from "@db/schema";
import { listWall } from "~/giving/messages.server";
import { PaymentProviderError } from "~/payments/provider.server";
import { simulatedProvider } from "~/payments/simulated.server";
import { action as exportAction, loader as exportLoader } from "~/routes/account.privacy.export";
import { action as privacyAction, loader as privacyLoader } from "~/routes/account.privacy";
import { loader as profileLoader } from "~/routes/account.profile";
import { requestSignInLink } from "~/supporters/sign-in.server";
import { giveGift, uniqueEmail } from "../factories";
import { sendQueuedMail } from "../support/mail";
import { signInAs } from "../support/supporter-session";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

/** A supporter with a one-off gift, a monthly gift (with a message), an address and a card on file, signed in. */
async function supporterWithHistory(name: string) {
  const email = uniqueEmail(name.toLowerCase().replace(/\W/g, ""));
  const once = await giveGift(t.db, { campaignId: fixtures.campaign.id, email, name, amountMinor: 5000 });
  const monthly = await giveGift(t.db, {
    campaignId: fixtures.campaign.id,
    email,
    name,
    kind: "monthly",
    amountMinor: 1500,
    message: `${name} says keep going`,
  });
  await t.db
    .update(supporters)
    .set({
      addressLine1: `${name}'s house`,
      addressCity: "Carlton",
      addressPostalCode: "3053",
      addressCountry: "AU",
      cardBrand: "Visa",
      cardLast4: "4242",
      cardExpMonth: 12,
      cardExpYear: 2030,
    })
    .where(eq(supporters.id, once.supporterId));
  const session = await signInAs(t.db, once.supporterId);
  return {
    email,
    name,
    supporterId: once.supporterId,
    payments: [once.payment, monthly.payment],
    checkoutIds: [once.checkout.id, monthly.checkout.id],
    ...session,
  };
}

type Who = Awaited<ReturnType<typeof supporterWithHistory>>;
const download = (who: Who, csrf = who.csrf) =>
  postForm(exportAction, "/account/privacy/export", { csrf }, { cookie: who.cookie });
const erase = (who: Who, fields: Record<string, string> = { intent: "erase", confirm: "on" }) =>
  postForm(privacyAction, "/account/privacy", { csrf: who.csrf, ...fields }, { cookie: who.cookie });
const supporterRow = async (id: number) => (await t.db.select().from(supporters).where(eq(supporters.id, id)))[0];

describe("downloading my data", () => {
  it("is a JSON attachment, never cached, of everything held about the supporter and nothing about anyone else", async () => {
    const rosa = await supporterWithHistory("Rosa Export");
    const other = await supporterWithHistory("Olga Other");
    const response = await download(rosa);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="my-data-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const text = await response.text();
    const data = JSON.parse(text);

    expect(data.supporter).toMatchObject({
      id: rosa.supporterId,
      email: rosa.email,
      name: "Rosa Export",
      postalAddress: { line1: "Rosa Export's house" },
      card: { last4: "4242" },
    });
    expect(data.payments.map((p: { receiptNumber: number }) => p.receiptNumber).sort()).toEqual(
      rosa.payments.map((p) => p.receiptNumber).sort(),
    );
    expect(data.payments[0]).toMatchObject({
      amountMinor: expect.any(Number),
      currency: "AUD",
      paidAt: expect.any(String),
    });
    expect(data.receipts).toHaveLength(2);
    expect(data.receipts[0].snapshot).toMatchObject({ donor: { email: rosa.email } });
    expect(data.checkouts.map((c: { id: string }) => c.id).sort()).toEqual([...rosa.checkoutIds].sort());
    expect(data.subscriptions).toEqual([
      expect.objectContaining({ kind: "monthly", amountMinor: 1500, status: "active" }),
    ]);
    expect(data.emails.length).toBeGreaterThanOrEqual(2);
    expect(data.emails[0]).toEqual({
      template: expect.any(String),
      to: rosa.email,
      createdAt: expect.any(String),
      sentAt: null,
      failedAt: null,
    });
    expect(data.sessions.length).toBeGreaterThanOrEqual(1);

    // Sign-in links are keys, not facts: none in the file.
    expect(text).not.toContain("/account/auth/");
    expect(text).not.toMatch(/token/i);
    // Nothing of anyone else.
    expect(text).not.toContain(other.email);
    expect(text).not.toContain("Olga");
    for (const p of other.payments) expect(data.payments.some((mine: { id: number }) => mine.id === p.id)).toBe(false);

    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "supporter.export"), eq(auditLog.targetId, String(rosa.supporterId))));
    expect(audit).toMatchObject({ actorType: "supporter", actorId: rosa.supporterId });
  });

  it("includes the audit trail about the supporter, without naming staff", async () => {
    const rosa = await supporterWithHistory("Rosa Audit");
    await t.db.insert(auditLog).values([
      {
        actorType: "staff",
        actorId: 77,
        action: "payment.refund",
        targetType: "payment",
        targetId: String(rosa.payments[0].id),
        details: { amountMinor: 100 },
      },
      {
        actorType: "staff",
        actorId: 77,
        action: "payment.refund",
        targetType: "payment",
        targetId: "999999",
        details: {},
      },
    ]);
    const data = await (await download(rosa)).json();
    expect(data.auditLog).toEqual([
      expect.objectContaining({
        action: "payment.refund",
        by: "staff",
        target: { type: "payment", id: String(rosa.payments[0].id) },
      }),
    ]);
    // The staff member's id (77) appears nowhere; the timestamps are left out of the search, since
    // a time such as "…:02.770Z" holds the digits too.
    expect(JSON.stringify(data.auditLog.map(({ at: _at, ...entry }: { at: string }) => entry))).not.toContain("77");
  });

  it("needs the form's CSRF token and a POST", async () => {
    const rosa = await supporterWithHistory("Rosa Csrf");
    const forged = await download(rosa, "x".repeat(32));
    expect(forged.status).toBe(303);
    expect(forged.headers.get("Content-Disposition")).toBeNull();
    const get = await callLoader(exportLoader, "/account/privacy/export", { cookie: rosa.cookie });
    expect(get.status).toBe(303);
    const signedOut = await postForm(exportAction, "/account/privacy/export", { csrf: rosa.csrf });
    expect(signedOut.headers.get("Location")).toBe("/account/sign-in");
  });
});

describe("erasing me", () => {
  it("asks for confirmation first, and refuses to erase without it", async () => {
    const rosa = await supporterWithHistory("Rosa Unsure");
    expect(
      (await (await callLoader(privacyLoader, "/account/privacy", { cookie: rosa.cookie })).json()).confirmingErase,
    ).toBe(false);
    const confirmPage = await (
      await callLoader(privacyLoader, "/account/privacy?step=erase", { cookie: rosa.cookie })
    ).json();
    expect(confirmPage).toMatchObject({ confirmingErase: true, liveSubscriptions: 1, email: rosa.email });

    const unconfirmed = await erase(rosa, { intent: "erase" });
    expect(unconfirmed.status).toBe(400);
    expect((await unconfirmed.json()).errors.confirm).toMatch(/Tick the box/);
    const noToken = await postForm(
      privacyAction,
      "/account/privacy",
      { intent: "erase", confirm: "on" },
      { cookie: rosa.cookie },
    );
    expect(noToken.status).toBe(403);
    expect((await supporterRow(rosa.supporterId)).erasedAt).toBeNull();
  });

  it("erases nothing, and says so plainly, when a subscription cannot be cancelled", async () => {
    const rosa = await supporterWithHistory("Rosa Stuck");
    const cancel = vi
      .spyOn(simulatedProvider, "cancelSubscription")
      .mockRejectedValue(new PaymentProviderError("We couldn't reach Stripe. Nothing was changed."));
    const response = await erase(rosa);
    expect(response.status).toBe(503);
    expect((await response.json()).formError).toBe("We couldn't reach Stripe. Nothing was changed.");
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(await supporterRow(rosa.supporterId)).toMatchObject({
      email: rosa.email,
      name: "Rosa Stuck",
      erasedAt: null,
    });
    expect((await callLoader(profileLoader, "/account/profile", { cookie: rosa.cookie })).status).toBe(200);
  });

  it("cancels subscriptions at once, replaces personal details, keeps the ledger and signs out", async () => {
    const rosa = await supporterWithHistory("Rosa Gone");
    const other = await supporterWithHistory("Olga Stays");
    const [subscription] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.supporterId, rosa.supporterId));
    await requestSignInLink(t.db, { email: rosa.email, clientAddress: "198.51.100.7" });
    // Her message is on the wall of solidarity, signed with her first name and town (ADR 043).
    await t.db
      .update(payments)
      .set({ messageStatus: "approved", wallName: "Rosa", wallTown: "Carlton", wallShowsAmount: true })
      .where(eq(payments.id, rosa.payments[1]!.id));
    const onWall = async () =>
      (await listWall(t.db, { campaignId: fixtures.campaign.id, limit: 500 })).messages.some(
        (m) => m.paymentId === rosa.payments[1]!.id,
      );
    expect(await onWall()).toBe(true);
    const ledgerBefore = await t.db.select().from(payments).where(eq(payments.supporterId, rosa.supporterId));
    const otherBefore = await supporterRow(other.supporterId);
    const otherMailBefore = await t.db.select().from(outbox).where(eq(outbox.toEmail, other.email));
    const cancel = vi.spyOn(simulatedProvider, "cancelSubscription");

    const response = await erase(rosa);
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/account/erased");
    expect(response.headers.get("Set-Cookie")).toMatch(/^ff_session=;.*Max-Age=0/);
    expect(cancel).toHaveBeenCalledWith({
      providerSubscriptionId: subscription.providerSubscriptionId,
      checkoutId: rosa.checkoutIds[1],
      atPeriodEnd: false,
      idempotencyKey: expect.stringContaining(subscription.providerSubscriptionId),
    });

    const placeholder = `erased-${rosa.supporterId}@invalid`;
    expect(await supporterRow(rosa.supporterId)).toMatchObject({
      email: placeholder,
      emailKey: placeholder,
      name: "",
      anonymous: true,
      addressLine1: null,
      addressCity: null,
      addressPostalCode: null,
      addressCountry: null,
      cardBrand: null,
      cardLast4: null,
      cardExpMonth: null,
      cardExpYear: null,
      stripeCustomerId: null,
      erasedAt: expect.any(Date),
    });
    // The ledger still adds up: amounts, dates and receipt numbers unchanged.
    const ledgerAfter = await t.db.select().from(payments).where(eq(payments.supporterId, rosa.supporterId));
    const figures = (rows: typeof ledgerAfter) =>
      rows
        .map((p) => [p.id, p.amountMinor, p.refundedMinor, p.currency, p.paidAt.toISOString(), p.receiptNumber])
        .sort();
    expect(figures(ledgerAfter)).toEqual(figures(ledgerBefore));
    expect(ledgerAfter.every((p) => p.message === null && p.anonymous)).toBe(true);
    // Off the wall, with the name and town it was signed with.
    expect(ledgerAfter.every((p) => p.wallName === null && p.wallTown === null && !p.wallShowsAmount)).toBe(true);
    expect(await onWall()).toBe(false);
    const snapshots = await t.db
      .select()
      .from(receipts)
      .where(
        inArray(
          receipts.paymentId,
          ledgerAfter.map((p) => p.id),
        ),
      );
    expect(snapshots.map((r) => r.snapshot.donor)).toEqual([
      { name: null, email: placeholder },
      { name: null, email: placeholder },
    ]);
    expect(snapshots.every((r) => typeof r.snapshot.amountMinor === "number")).toBe(true);
    const theirCheckouts = await t.db.select().from(checkouts).where(inArray(checkouts.id, rosa.checkoutIds));
    expect(theirCheckouts.map((c) => [c.email, c.name, c.message])).toEqual([
      [placeholder, "", null],
      [placeholder, "", null],
    ]);
    // Emails: no trace of the address or of what they said; unsent ones will never go.
    expect(
      await t.db
        .select()
        .from(outbox)
        .where(sql`lower(${outbox.toEmail}) = ${rosa.email.toLowerCase()}`),
    ).toHaveLength(0);
    const theirMail = await t.db.select().from(outbox).where(eq(outbox.toEmail, placeholder));
    expect(theirMail.length).toBeGreaterThanOrEqual(3);
    expect(theirMail.every((m) => JSON.stringify(m.props) === "{}" && m.failedAt !== null)).toBe(true);
    expect(await t.db.select().from(loginTokens).where(eq(loginTokens.supporterId, rosa.supporterId))).toHaveLength(0);
    expect(
      await t.db
        .select()
        .from(sessions)
        .where(and(eq(sessions.supporterId, rosa.supporterId), isNull(sessions.revokedAt))),
    ).toHaveLength(0);
    expect((await callLoader(profileLoader, "/account/profile", { cookie: rosa.cookie })).status).toBe(303);

    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "supporter.erase"), eq(auditLog.targetId, String(rosa.supporterId))));
    expect(audit).toMatchObject({
      actorType: "supporter",
      actorId: rosa.supporterId,
      details: { reason: "request", subscriptionsCancelled: [subscription.id], payments: 2 },
    });
    expect(JSON.stringify(audit.details)).not.toMatch(/Rosa|@/);

    // Someone else's data is untouched.
    expect(await supporterRow(other.supporterId)).toEqual(otherBefore);
    expect(await t.db.select().from(outbox).where(eq(outbox.toEmail, other.email))).toEqual(otherMailBefore);
  });

  it("cannot be found by the old email any more: sign-in sends nothing, a new gift makes a new supporter", async () => {
    const rosa = await supporterWithHistory("Rosa Again");
    expect((await erase(rosa)).status).toBe(303);
    await requestSignInLink(t.db, { email: rosa.email, clientAddress: "198.51.100.8" });
    // The request queues alike for any address (ADR 030–032); sending finds no one and sends nothing.
    expect((await sendQueuedMail(t.db)).filter((m) => m.to.toLowerCase() === rosa.email.toLowerCase())).toHaveLength(0);
    expect(
      await t.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.toEmail, rosa.email), eq(outbox.template, "sign-in-link"))),
    ).toHaveLength(0);
    expect(await t.db.select().from(supporters).where(eq(supporters.emailKey, rosa.email.toLowerCase()))).toHaveLength(
      0,
    );

    const fresh = await giveGift(t.db, { campaignId: fixtures.campaign.id, email: rosa.email, name: "Rosa Again" });
    expect(fresh.supporterId).not.toBe(rosa.supporterId);
    expect(await supporterRow(fresh.supporterId)).toMatchObject({ email: rosa.email, erasedAt: null });
    expect((await supporterRow(rosa.supporterId)).erasedAt).not.toBeNull();
  });
});
