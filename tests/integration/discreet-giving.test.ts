import { and, eq } from "drizzle-orm";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { campaigns, checkouts, outbox, payments, subscriptions, supporters } from "@db/schema";
import { isCrossSitePost } from "~/auth/csrf.server";
import { createStaffUser } from "~/auth/staff-auth.server";
import { linkUrl } from "~/auth/link-seal.server";
import { parseCampaignForm } from "~/campaigns/admin-campaigns.server";
import { startDonationCheckout } from "~/giving/checkout.server";
import { resendMailer } from "~/email/mailer.server";
import { drainOutbox } from "~/email/worker.server";
import { resetEnvCache } from "~/env.server";
import { getOrganisationSettings } from "~/organisation/settings.server";
import { applyDelivery } from "~/payments/apply-event.server";
import { createPledge } from "~/pledges/pledges.server";
import { sendCardExpiryReminders } from "~/jobs/card-expiry-reminders.server";
import { sendRenewalReminders } from "~/jobs/renewal-reminders.server";
import { applyRetention } from "~/jobs/retention.server";
import { queueRefundConfirmation } from "~/payments/apply-event.server";
import { cookiesAreSecure, originForHost, withPublicOrigin } from "~/origins.server";
import { action as campaignAction, loader as campaignLoader } from "~/routes/c.$slug";
import { loader as thanksLoader } from "~/routes/thanks";
import { loader as receiptFileLoader } from "~/routes/thanks_.receipt[.txt]";
import { resendReceipt } from "~/supporters/admin-supporters.server";
import { settlePendingChange } from "~/supporters/pending-changes.server";
import { emailAnnualStatement, financialYearOf, getAnnualStatement } from "~/supporters/statement.server";
import { withRequestLocale } from "~/i18n/request-locale.server";
import { requestSignInLink } from "~/supporters/sign-in.server";
import { requestEmailChange } from "~/supporters/profile.server";
import { startCardUpdate } from "~/supporters/subscription-changes.server";
import { DonateForm, type DonateFormProps } from "~/ui/DonateForm";
import { createCheckout, giveGift, uniqueEmail } from "../factories";
import { resendAccepts, resendRequests, resetResendRequests } from "../mocks/resend";
import { useSeededDatabase } from "../support/database";
import { sendQueuedMail } from "../support/mail";
import { callLoader, csrfFor, postForm } from "../support/remix";
import { useStripeMode } from "../support/stripe-mode";

/**
 * Discreet giving (ADR 051): a campaign for readers at risk. Its card statements, email senders
 * and subjects are neutral; its form asks for the least; a reader may have no email at all and
 * keep the receipt from the thank-you page; its one-off givers are erased sooner; and the same app
 * answers at an onion address.
 */
const { stripe, server } = useStripeMode();
const { t, fixtures } = useSeededDatabase();

const ONION = `http://${"fightingfund".repeat(4)}abcdefgh.onion`;
const DESCRIPTOR = "READING CLUB";
const SLUG = "quiet-readers";
let discreet: typeof campaigns.$inferSelect;

beforeAll(async () => {
  process.env.ONION_ORIGIN = ONION;
  resetEnvCache();
  [discreet] = await t.db
    .insert(campaigns)
    .values({
      slug: SLUG,
      name: "Readers at Home Fund",
      headline: "Support independent news, quietly",
      currency: "EUR",
      targetMinor: 1_000_000,
      startsAt: new Date("2026-01-01T00:00:00Z"),
      discreet: true,
      statementDescriptor: DESCRIPTOR,
    })
    .returning();
});
afterAll(() => {
  delete process.env.ONION_ORIGIN;
  resetEnvCache();
});
afterEach(() => {
  stripe.clearRequests();
  resetResendRequests();
});

const outboxFor = (email: string) => t.db.select().from(outbox).where(eq(outbox.toEmail, email));

function giveDiscreetly(choice: { noEmail?: boolean; noAccountLink?: boolean; email?: string } = {}, paidAt?: Date) {
  return giveGift(t.db, {
    campaignId: discreet.id,
    currency: "EUR",
    amountMinor: 2500,
    email: uniqueEmail("quiet"),
    name: "",
    ...choice,
    paidAt,
  });
}

describe("a discreet campaign's donate form", () => {
  it("asks for no name and no wall message, offers a choice about email, and starts a gift without a name", async () => {
    const page = await callLoader(campaignLoader, `/c/${SLUG}`, { params: { slug: SLUG } });
    const data = (await page.json()) as { campaign: DonateFormProps["campaign"] };
    expect(data.campaign.discreet).toBe(true);
    const html = renderToStaticMarkup(
      createElement(DonateForm, {
        action: `/c/${SLUG}`,
        csrf: "token",
        campaign: data.campaign,
        fee: { percentBps: 175, fixedMinor: 30 },
      }),
    );
    expect(html).not.toMatch(/name="name"/);
    expect(html).not.toMatch(/name="message"/);
    expect(html).not.toMatch(/name="anonymous"/);
    expect(html).toMatch(/name="email"/);
    expect(html.match(/name="emailChoice"/g)).toHaveLength(3);

    const email = uniqueEmail("noname");
    const { cookie, token } = await csrfFor(campaignLoader, `/c/${SLUG}`, { slug: SLUG });
    const response = await postForm(
      campaignAction,
      `/c/${SLUG}`,
      { csrf: token, currency: "EUR", frequency: "once", amount: "2500", email, emailChoice: "none" },
      { cookie, params: { slug: SLUG } },
    );
    expect(response.status, await response.clone().text()).toBe(303);
    const [row] = await t.db.select().from(checkouts).where(eq(checkouts.email, email));
    expect(row).toMatchObject({ name: "", noEmail: true, noAccountLink: true, anonymous: true, message: null });
  });
});

describe("the campaign editor", () => {
  const form = (fields: Record<string, string>) => {
    const data = new FormData();
    const base = {
      name: "Quiet fund",
      slug: "quiet-fund",
      headline: "Quietly",
      currency: "EUR",
      target: "1000",
      minGift: "2",
      maxGift: "1000",
      presetAmounts: "10, 25",
      startsOn: "2026-01-01",
    };
    for (const [key, value] of Object.entries({ ...base, ...fields })) data.set(key, value);
    return parseCampaignForm(data);
  };

  it("takes a discreet campaign's card statement text only as Stripe allows it", () => {
    expect(form({ discreet: "on", statementDescriptor: "  Reading   club " })).toMatchObject({
      ok: true,
      value: { discreet: true, statementDescriptor: "Reading club" },
    });
    for (const bad of ["", "Клуб чтения", "Fund <b>", 'Say "hi"', "A*B", "12345", "x".repeat(23)])
      expect(form({ discreet: "on", statementDescriptor: bad }), bad).toMatchObject({
        ok: false,
        errors: { statementDescriptor: expect.stringMatching(/Latin letters/) },
      });
    expect(form({})).toMatchObject({ ok: true, value: { discreet: false, statementDescriptor: null } });
  });
});

/** The supporter asked to keep a monthly gift they had set to end, and the provider confirmed it: its confirmation is queued. */
async function keepMonthlyGiftSettled(gift: { checkout: { id: string }; supporterId: number }) {
  const keep = {
    id: `keep-${gift.checkout.id}`,
    requestedAt: new Date().toISOString(),
    kind: "keep",
    from: { cancelAtPeriodEnd: true },
    to: { cancelAtPeriodEnd: false },
  };
  const [row] = await t.db
    .update(subscriptions)
    .set({ pendingChange: keep })
    .where(eq(subscriptions.supporterId, gift.supporterId))
    .returning();
  await settlePendingChange(t.db, row!);
}

/** A gift to the discreet campaign started as its donate form starts one: no name, anonymous, a new address. */
function startDiscreetCheckout(kind: "one_off" | "monthly", amountMinor = 2500) {
  return startDonationCheckout(t.db, {
    campaign: discreet,
    donation: { kind, amountMinor, feeCoverMinor: 0, name: null, email: uniqueEmail(), anonymous: true, message: null },
    returnPath: `/c/${SLUG}`,
  });
}

describe("a discreet campaign at Stripe", () => {
  it("puts the neutral text on card statements, opens in the reader's language, and names neither the organisation nor the campaign", async () => {
    // A reader reading in Russian (ADR 049): Stripe's page opens in Russian too.
    const { checkoutId } = await withRequestLocale("ru", () => startDiscreetCheckout("one_off"));
    const [request] = stripe.requestsTo("POST", "/v1/checkout/sessions");
    expect(request.params).toMatchObject({
      locale: "ru",
      payment_intent_data: { statement_descriptor_suffix: DESCRIPTOR, metadata: { checkout_id: checkoutId } },
    });
    // Cards refuse a whole statement_descriptor on a PaymentIntent in the pinned API version.
    expect(request.form).not.toHaveProperty("payment_intent_data[statement_descriptor]");
    const said = JSON.stringify(request.form);
    expect(said).not.toContain(discreet.name);
    expect(said).not.toContain("Fighting Fund");
  });

  it("sells a monthly gift as a neutral product whose statement descriptor Stripe puts on each payment", async () => {
    await startDiscreetCheckout("monthly", 1000);
    const [product] = stripe.requestsTo("POST", "/v1/products");
    expect(product.params).toMatchObject({ statement_descriptor: DESCRIPTOR, name: "Monthly payment" });
    const [session] = stripe.requestsTo("POST", "/v1/checkout/sessions");
    expect(session.form["line_items[0][price_data][product]"]).toBe(product.params.id);
    expect(JSON.stringify(session.form)).not.toContain(discreet.name);
  });
});

describe("a discreet campaign's email", () => {
  it("comes from a neutral sender with a subject that names neither the organisation nor the campaign", async () => {
    server.use(resendAccepts());
    const { checkout } = await giveDiscreetly();
    const [queued] = await outboxFor(checkout.email);
    expect(queued).toMatchObject({ template: "donation-receipt", discreet: true });
    const mailer = resendMailer({ apiKey: "re_test_discreet", from: "Fighting Fund <receipts@fund.example>" });
    await drainOutbox(t.db, { mailer, batchSize: 50 });
    const sent = resendRequests.find((r) => r.body.to === checkout.email || r.body.to[0] === checkout.email);
    expect(sent?.body.from).toBe("Receipts <receipts@fund.example>");
    expect(sent?.body.subject).toBe("Your receipt");
    // The account link is kept unless the reader declined it.
    expect(sent?.body.text).toMatch(/\/account\/auth\//);
  });

  it("carries no sign-in link when the reader asked for none", async () => {
    const { checkout } = await giveDiscreetly({ noAccountLink: true });
    const mail = (await sendQueuedMail(t.db)).filter((m) => m.to === checkout.email);
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toBe("Your receipt");
    expect(mail[0].text).not.toMatch(/\/account\/auth\//);
  });
});

describe("no email at all", () => {
  it("queues and sends nothing for the gift, and the thank-you page shows and hands over its receipt", async () => {
    const { checkout, payment } = await giveDiscreetly({ noEmail: true, noAccountLink: true });
    expect(await outboxFor(checkout.email)).toEqual([]);
    expect((await sendQueuedMail(t.db)).filter((m) => m.to === checkout.email)).toEqual([]);

    const thanks = await callLoader(thanksLoader, `/thanks?ref=${checkout.id}`);
    const data = await thanks.json();
    expect(data.status).toMatchObject({ status: "completed", receiptNumber: payment.receiptNumber });
    // No invitation to share a discreet campaign.
    expect(data.afterGift).toMatchObject({ discreet: true });
    expect(data.keptReceipt).toMatchObject({
      receiptNumber: payment.receiptNumber,
      amountMinor: 2500,
      currency: "EUR",
    });

    const file = await callLoader(receiptFileLoader, `/thanks/receipt.txt?ref=${checkout.id}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Disposition")).toBe(`attachment; filename="receipt-${payment.receiptNumber}.txt"`);
    expect(await file.text()).toContain(`Receipt ${payment.receiptNumber}`);
  });

  it("holds for a refund too, which is otherwise confirmed under a neutral subject", async () => {
    const silent = await giveDiscreetly({ noEmail: true, noAccountLink: true });
    const told = await giveDiscreetly();
    for (const gift of [silent, told])
      await queueRefundConfirmation(t.db, {
        paymentId: gift.payment.id,
        previousRefundedMinor: 0,
        refundedTotalMinor: 500,
      });
    expect(await outboxFor(silent.checkout.email)).toEqual([]);
    const toldMail = await outboxFor(told.checkout.email);
    expect(toldMail.find((m) => m.template === "refund-confirmation")).toMatchObject({ discreet: true });
  });

  it("holds for a card-expiry reminder, which is otherwise sent under a neutral subject", async () => {
    const now = new Date("2030-03-05T00:00:00Z");
    const monthly = async (choice: { noEmail?: boolean }) => {
      const gift = await giveGift(t.db, {
        campaignId: discreet.id,
        currency: "EUR",
        kind: "monthly",
        amountMinor: 1000,
        email: uniqueEmail("card"),
        name: "",
        ...choice,
      });
      await t.db
        .update(supporters)
        .set({ cardBrand: "Visa", cardLast4: "4242", cardExpMonth: 3, cardExpYear: 2030 })
        .where(eq(supporters.id, gift.supporterId));
      await t.db
        .update(subscriptions)
        .set({ currentPeriodEnd: new Date("2030-04-10T00:00:00Z") })
        .where(eq(subscriptions.supporterId, gift.supporterId));
      return gift;
    };
    const silent = await monthly({ noEmail: true });
    const told = await monthly({});
    await sendCardExpiryReminders(t.db, now);
    expect((await outboxFor(silent.checkout.email)).filter((m) => m.template === "card-expiring")).toEqual([]);
    const [reminder] = (await outboxFor(told.checkout.email)).filter((m) => m.template === "card-expiring");
    expect(reminder).toMatchObject({ discreet: true });
  });

  it("holds for the confirmation of a change to a monthly gift, which otherwise has no account link if none was wanted", async () => {
    const changed = async (choice: { noEmail?: boolean; noAccountLink?: boolean }) => {
      const gift = await giveGift(t.db, {
        campaignId: discreet.id,
        currency: "EUR",
        kind: "monthly",
        amountMinor: 1000,
        email: uniqueEmail("change"),
        name: "",
        ...choice,
      });
      await t.db.delete(outbox).where(eq(outbox.toEmail, gift.checkout.email));
      await keepMonthlyGiftSettled(gift);
      return (await outboxFor(gift.checkout.email)).filter((m) => m.template === "subscription-changed");
    };
    expect(await changed({ noEmail: true, noAccountLink: true })).toEqual([]);
    const [withoutLink] = await changed({ noAccountLink: true });
    expect(withoutLink).toMatchObject({ discreet: true, props: expect.objectContaining({ manageUrl: null }) });
    const [withLink] = await changed({});
    expect(withLink?.props).toMatchObject({ manageUrl: expect.any(String) });
  });

  it("holds for the reminder before 12 months of support end, which is otherwise sent under a neutral subject", async () => {
    const now = new Date("2031-06-01T00:00:00Z");
    const year = async (choice: { noEmail?: boolean; noAccountLink?: boolean }) => {
      const gift = await giveDiscreetly(choice);
      await t.db
        .update(payments)
        .set({ kind: "tier_one_time", coversUntil: new Date("2031-06-20T00:00:00Z") })
        .where(eq(payments.id, gift.payment.id));
      return gift;
    };
    const silent = await year({ noEmail: true, noAccountLink: true });
    const noLink = await year({ noAccountLink: true });
    const told = await year({});
    await sendRenewalReminders(t.db, now);
    const reminders = async (email: string) =>
      (await outboxFor(email)).filter((m) => m.template === "renewal-reminder");
    expect(await reminders(silent.checkout.email)).toEqual([]);
    expect((await reminders(noLink.checkout.email))[0]).toMatchObject({
      discreet: true,
      props: expect.objectContaining({ manageUrl: null }),
    });
    expect((await reminders(told.checkout.email))[0]?.props).toMatchObject({ manageUrl: expect.any(String) });
  });

  it("hands no receipt file out for a gift whose receipt was emailed", async () => {
    const { checkout } = await giveDiscreetly();
    const file = await callLoader(receiptFileLoader, `/thanks/receipt.txt?ref=${checkout.id}`);
    expect(file.status).toBe(404);
  });
});

describe("the annual statement", () => {
  const yearOf = async (paidAt: Date) => financialYearOf(paidAt, await getOrganisationSettings(t.db));
  const statementsTo = async (email: string) =>
    (await outboxFor(email)).filter((m) => m.template === "annual-statement");

  it("goes under a neutral sender and subject to a reader whose gifts include a discreet campaign", async () => {
    const quiet = await giveDiscreetly();
    const year = await yearOf(quiet.payment.paidAt);
    expect(await emailAnnualStatement(t.db, { supporterId: quiet.supporterId, year })).toBe("queued");
    expect(await statementsTo(quiet.checkout.email)).toEqual([expect.objectContaining({ discreet: true })]);

    const ordinary = await giveGift(t.db, { campaignId: fixtures.campaign.id, email: uniqueEmail("open") });
    await emailAnnualStatement(t.db, { supporterId: ordinary.supporterId, year });
    expect(await statementsTo(ordinary.checkout.email)).toEqual([expect.objectContaining({ discreet: false })]);
    const sent = (await sendQueuedMail(t.db)).filter(
      (m) => m.to === quiet.checkout.email && !/receipt/i.test(m.subject),
    );
    expect(sent.map((m) => m.subject)).toEqual(["Your statement"]);
  });

  it("is not emailed to a reader who asked for no email about any of their gifts, even beside ordinary ones", async () => {
    const email = uniqueEmail("mixed");
    const ordinary = await giveGift(t.db, { campaignId: fixtures.campaign.id, email });
    const silent = await giveDiscreetly({ noEmail: true, noAccountLink: true, email });
    expect(silent.supporterId).toBe(ordinary.supporterId);
    const year = await yearOf(silent.payment.paidAt);
    expect(await getAnnualStatement(t.db, { supporterId: silent.supporterId, year })).toMatchObject({
      emailDeclined: true,
    });
    expect(await emailAnnualStatement(t.db, { supporterId: silent.supporterId, year })).toBe("email_declined");
    expect(await statementsTo(email)).toEqual([]);
  });
});

describe("links in emails queued with no request", () => {
  const onionGift = (input: { kind?: "monthly"; email: string }) =>
    giveGift(t.db, {
      campaignId: discreet.id,
      currency: "EUR",
      amountMinor: 1000,
      name: "",
      onion: true,
      ...input,
    });

  it("point to the onion address in a renewal reminder for a gift given there", async () => {
    const now = new Date("2032-06-01T00:00:00Z");
    const year = async (gift: Awaited<ReturnType<typeof giveDiscreetly>>) => {
      await t.db
        .update(payments)
        .set({ kind: "tier_one_time", coversUntil: new Date("2032-06-20T00:00:00Z") })
        .where(eq(payments.id, gift.payment.id));
      return gift;
    };
    const there = await year(await onionGift({ email: uniqueEmail("onion-year") }));
    const clearnet = await year(await giveDiscreetly());
    await sendRenewalReminders(t.db, now);
    const mail = await sendQueuedMail(t.db);
    const reminder = (email: string) => mail.find((m) => m.to === email && m.subject !== "Your receipt");
    expect(reminder(there.checkout.email)?.text).toContain(`${ONION}/support`);
    expect(reminder(there.checkout.email)?.text).toContain(`${ONION}/account/auth/`);
    expect(reminder(there.checkout.email)?.text).not.toContain("localhost:3000");
    expect(reminder(clearnet.checkout.email)?.text).toContain("http://localhost:3000/support");
  });

  it("point to the onion address in a card-expiry reminder for a monthly gift given there", async () => {
    const gift = await onionGift({ kind: "monthly", email: uniqueEmail("onion-card") });
    await t.db
      .update(supporters)
      .set({ cardBrand: "Visa", cardLast4: "4242", cardExpMonth: 3, cardExpYear: 2033 })
      .where(eq(supporters.id, gift.supporterId));
    await t.db
      .update(subscriptions)
      .set({ currentPeriodEnd: new Date("2033-04-10T00:00:00Z") })
      .where(eq(subscriptions.supporterId, gift.supporterId));
    await sendQueuedMail(t.db);
    expect((await sendCardExpiryReminders(t.db, new Date("2033-03-05T00:00:00Z"))).queued).toBeGreaterThan(0);
    const [reminder] = (await sendQueuedMail(t.db)).filter((m) => m.to === gift.checkout.email);
    expect(reminder?.text).toContain(`${ONION}/account/auth/`);
    expect(reminder?.text).not.toContain("localhost:3000");
  });

  it("point to the onion address in the confirmation of a change to a monthly gift given there", async () => {
    const gift = await onionGift({ kind: "monthly", email: uniqueEmail("onion-change") });
    await sendQueuedMail(t.db);
    await keepMonthlyGiftSettled(gift);
    const [confirmation] = (await sendQueuedMail(t.db)).filter((m) => m.to === gift.checkout.email);
    expect(confirmation?.text).toContain(`${ONION}/account/auth/`);
    expect(confirmation?.text).not.toContain("localhost:3000");
  });

  it("point to the onion address in a failed-payment notice without an account link", async () => {
    const checkout = await createCheckout(t.db, {
      campaignId: discreet.id,
      currency: "EUR",
      email: uniqueEmail("onion-failed"),
      name: "",
      onion: true,
      noAccountLink: true,
    });
    await applyDelivery(t.db, {
      eventId: `evt_onion_failed_${checkout.id}`,
      type: "payment_intent.payment_failed",
      createdAt: new Date(),
      events: [
        {
          type: "payment.failed",
          checkoutId: checkout.id,
          providerPaymentId: `pi_onion_${checkout.id}`,
          amountMinor: 2500,
          currency: "EUR",
          attemptCount: 1,
          nextAttemptAt: null,
          reason: null,
          fixUrl: null,
        },
      ],
    });
    const [notice] = (await outboxFor(checkout.email)).filter((m) => m.template === "payment-failed");
    expect(notice?.props).toMatchObject({ fixUrl: `${ONION}/account/sign-in`, manageUrl: null });
  });
});

describe("what staff send for a discreet campaign", () => {
  it("resends a receipt under a neutral subject, and none for a gift whose reader asked for no email", async () => {
    const staffUserId = await createStaffUser(t.db, {
      email: uniqueEmail("discreet-staff"),
      name: "Quiet Clerk",
      role: "staff",
      password: null,
    });
    const staff = { staffUserId, role: "staff" as const };
    const told = await giveDiscreetly();
    await t.db.delete(outbox).where(eq(outbox.toEmail, told.checkout.email));
    expect(await resendReceipt(t.db, { staff, supporterId: told.supporterId, paymentId: told.payment.id })).toEqual({
      ok: true,
    });
    expect(await outboxFor(told.checkout.email)).toEqual([expect.objectContaining({ discreet: true })]);

    const silent = await giveDiscreetly({ noEmail: true, noAccountLink: true });
    const refused = await resendReceipt(t.db, { staff, supporterId: silent.supporterId, paymentId: silent.payment.id });
    expect(refused).toMatchObject({ ok: false });
    expect(await outboxFor(silent.checkout.email)).toEqual([]);
  });

  it("sends a phone pledge's payment link under a neutral subject", async () => {
    const staffUserId = await createStaffUser(t.db, {
      email: uniqueEmail("discreet-phone"),
      name: "Quiet Phone",
      role: "staff",
      password: null,
    });
    const email = uniqueEmail("discreet-caller");
    const result = await createPledge(t.db, {
      staff: { staffUserId },
      supporter: { email, name: "Quiet Caller" },
      campaignId: discreet.id,
      kind: "one_off",
      amountMinor: 4200,
      payMethod: "link",
    });
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    expect(await outboxFor(email)).toEqual([
      expect.objectContaining({ template: "pledge-payment-link", discreet: true }),
    ]);
  });
});

describe("emails a discreet campaign's reader asks for", () => {
  it("sends a sign-in link under a neutral subject to anyone who gave to a discreet campaign", async () => {
    const quiet = await giveDiscreetly({ noEmail: true, noAccountLink: true });
    const open = await giveGift(t.db, { campaignId: fixtures.campaign.id, email: uniqueEmail("open-sign-in") });
    await sendQueuedMail(t.db);
    for (const gift of [quiet, open])
      await requestSignInLink(t.db, { email: gift.checkout.email, clientAddress: "203.0.113.90" });
    const mail = await sendQueuedMail(t.db);
    // Asked for, so sent even to a reader who wanted no email about the gift.
    expect(mail.find((m) => m.to === quiet.checkout.email)?.subject).toBe("Your sign-in link");
    expect(mail.find((m) => m.to === open.checkout.email)?.subject).not.toBe("Your sign-in link");
  });

  it("confirms a new email address under a neutral subject", async () => {
    const quiet = await giveDiscreetly();
    const newEmail = uniqueEmail("quiet-new");
    expect(await requestEmailChange(t.db, { supporterId: quiet.supporterId, newEmail })).toBe("sent");
    expect(await outboxFor(newEmail)).toEqual([
      expect.objectContaining({ template: "email-change-confirm", discreet: true }),
    ]);
  });

  it("returns from the card page at Stripe to the onion address it was opened from", async () => {
    const gift = await giveGift(t.db, {
      campaignId: discreet.id,
      currency: "EUR",
      email: uniqueEmail("onion-portal"),
      name: "",
      onion: true,
    });
    await t.db
      .update(supporters)
      .set({ stripeCustomerId: "cus_onion_portal" })
      .where(eq(supporters.id, gift.supporterId));
    await withPublicOrigin(ONION, () => startCardUpdate(t.db, { supporterId: gift.supporterId }));
    const [portal] = stripe.requestsTo("POST", "/v1/billing_portal/sessions");
    expect(portal?.params).toMatchObject({ return_url: `${ONION}/account/card?returned=1` });
  });
});

describe("retention on a discreet campaign", () => {
  it("erases a one-off giver's details 90 days after the gift, and no one else's", async () => {
    const now = new Date();
    const longAgo = new Date(now.getTime() - 91 * 24 * 60 * 60_000);
    const old = await giveDiscreetly({}, longAgo);
    const recent = await giveDiscreetly({}, new Date(now.getTime() - 30 * 24 * 60 * 60_000));
    const elsewhere = await giveGift(t.db, { campaignId: fixtures.campaign.id, email: uniqueEmail(), paidAt: longAgo });
    for (const gift of [old, recent, elsewhere]) {
      await t.db
        .update(supporters)
        .set({ createdAt: longAgo, updatedAt: longAgo })
        .where(eq(supporters.id, gift.supporterId));
      await t.db.update(checkouts).set({ createdAt: longAgo }).where(eq(checkouts.id, gift.checkout.id));
    }
    const report = await applyRetention(t.db, now);
    expect(report.discreetErased).toBeGreaterThanOrEqual(1);
    const erased = async (id: number) =>
      (await t.db.select({ at: supporters.erasedAt }).from(supporters).where(eq(supporters.id, id)))[0]?.at ?? null;
    expect(await erased(old.supporterId)).not.toBeNull();
    expect(await erased(recent.supporterId)).toBeNull();
    expect(await erased(elsewhere.supporterId)).toBeNull();
    // The payment stays in the ledger.
    const [kept] = await t.db
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.id, old.payment.id), eq(payments.campaignId, discreet.id)));
    expect(kept).toBeDefined();
  });
});

describe("the onion service address", () => {
  const post = (origin: string) =>
    isCrossSitePost({
      method: "POST",
      path: `/c/${SLUG}`,
      header: (name) => ({ host: "127.0.0.1:3000", origin, "sec-fetch-site": "same-origin" })[name],
    });

  it("passes the CSRF origin check while an unknown origin is still refused", async () => {
    expect(post(ONION)).toBe(false);
    expect(post("http://localhost:3000")).toBe(false);
    expect(post("http://evil.example")).toBe(true);
    expect(post(`http://${"a".repeat(56)}.onion`)).toBe(true);

    const { cookie, token } = await csrfFor(campaignLoader, `/c/${SLUG}`, { slug: SLUG });
    const fields = { csrf: token, currency: "EUR", frequency: "once", amount: "2500", email: uniqueEmail() };
    const from = (origin: string) =>
      postForm(campaignAction, `/c/${SLUG}`, fields, { cookie, params: { slug: SLUG }, headers: { Origin: origin } });
    expect((await withPublicOrigin(ONION, () => from(ONION))).status).toBe(303);
    expect((await from("http://evil.example")).status).not.toBe(303);
  });

  it("gets its links on its own origin: payment pages, sign-in links and the emails of a gift given there", async () => {
    expect(originForHost(new URL(ONION).host)).toBe(ONION);
    expect(originForHost("evil.example")).toBe("http://localhost:3000");
    expect(withPublicOrigin(ONION, () => linkUrl("supporter", "x".repeat(40)))).toBe(
      `${ONION}/account/auth/${"x".repeat(40)}`,
    );

    const { checkoutId } = await withPublicOrigin(ONION, () => startDiscreetCheckout("one_off"));
    const [session] = stripe.requestsTo("POST", "/v1/checkout/sessions");
    expect(session.params).toMatchObject({
      success_url: `${ONION}/thanks?ref=${checkoutId}`,
      cancel_url: `${ONION}/c/${SLUG}?retry=${checkoutId}`,
    });

    const other = await giveDiscreetly();
    const onionGift = await giveGift(t.db, {
      campaignId: discreet.id,
      currency: "EUR",
      email: uniqueEmail("onion"),
      name: "",
      onion: true,
    });
    await requestSignInLink(t.db, { email: onionGift.checkout.email, clientAddress: "203.0.113.77" });
    await withPublicOrigin(ONION, () =>
      requestSignInLink(t.db, { email: onionGift.checkout.email, clientAddress: "203.0.113.78" }),
    );
    const mail = await sendQueuedMail(t.db);
    const toOnionGiver = mail.filter((m) => m.to === onionGift.checkout.email);
    const receipt = toOnionGiver.find((m) => m.subject === "Your receipt");
    expect(receipt?.text).toContain(`${ONION}/account/auth/`);
    const signIns = toOnionGiver.filter((m) => m !== receipt).map((m) => m.text);
    expect(signIns.some((text) => text.includes(`${ONION}/account/auth/`))).toBe(true);
    expect(signIns.some((text) => text.includes("http://localhost:3000/account/auth/"))).toBe(true);
    const clearnet = mail.find((m) => m.to === other.checkout.email);
    expect(clearnet?.text).toContain("http://localhost:3000/account/auth/");
  });

  it("sets cookies without Secure only on an onion origin served over plain http", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      NODE_ENV: "production",
      DEMO_MODE: "true",
      APP_URL: "https://give.example.org",
      SESSION_SECRET: "a-production-session-secret-for-this-test-only",
    });
    resetEnvCache();
    try {
      expect(cookiesAreSecure()).toBe(true);
      expect(withPublicOrigin("https://give.example.org", cookiesAreSecure)).toBe(true);
      expect(withPublicOrigin(ONION, cookiesAreSecure)).toBe(false);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      resetEnvCache();
    }
  });
});
