import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outbox, plans, receipts, settings, subscriptions } from "@db/schema";
import { renderEmail } from "~/email/render.server";
import type { EmailTemplates, ReceiptSnapshot, TemplateName } from "~/email/templates";
import { getThanksPage } from "~/giving/thanks.server";
import { describeGift } from "~/payments/apply-event.server";
import { giveGift, uniqueEmail } from "../factories";
import { useSeededDatabase } from "../support/database";

const { t, fixtures } = useSeededDatabase();

const PRINT_ADDRESS = { line1: "1 Printers Lane", city: "Fitzroy", state: "VIC", postalCode: "3065", country: "AU" };
const DAY = 24 * 60 * 60_000;

/** Any word said twice ("12 months — 12 months"). */
function repeatedWords(text: string): string[] {
  const words: string[] = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((word, i) => words.indexOf(word) !== i);
}

async function mailFor(email: string) {
  const [row] = await t.db.select().from(outbox).where(eq(outbox.toEmail, email));
  const rendered = await renderEmail(row.template as TemplateName, row.props as EmailTemplates[TemplateName]);
  return { template: row.template, props: row.props, text: rendered.text.replace(/\s+/g, " ") };
}

async function snapshotOf(paymentId: number) {
  const [row] = await t.db.select().from(receipts).where(eq(receipts.paymentId, paymentId));
  return row.snapshot as ReceiptSnapshot;
}

describe("plan descriptions", () => {
  it("no plan or gift description repeats a word, whatever the plan is called", async () => {
    const all = await t.db.select().from(plans);
    const descriptions = all.map(
      (plan) =>
        describeGift(plan.billing === "monthly" ? "tier_monthly" : "tier_one_time", fixtures.campaign.name, plan.name)
          .description,
    );
    descriptions.push(
      describeGift("one_off", fixtures.campaign.name, null).description,
      describeGift("monthly", fixtures.campaign.name, null).description,
    );
    expect(descriptions).toContain("Digital supporter — 12 months");
    expect(descriptions).toContain("Digital supporter — monthly");
    for (const description of descriptions) expect(repeatedWords(description), description).toEqual([]);
    // A plan whose name does not say its billing gets it added once.
    expect(describeGift("tier_one_time", "X", "Print supporter").description).toBe("Print supporter — 12 months");
  });
});

describe("receipts say what happens next", () => {
  it("a 12-month receipt reads without repetition and says when the year ends", async () => {
    const email = uniqueEmail("year");
    const { payment } = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      email,
      kind: "tier_one_time",
      planId: fixtures.plan("digital-year").id,
      amountMinor: 5500,
    });
    const snapshot = await snapshotOf(payment.id);
    expect(snapshot).toMatchObject({
      description: "Digital supporter — 12 months",
      purpose: "subscription",
      nextPaymentAt: null,
    });
    const mail = await mailFor(email);
    expect(mail.template).toBe("supporter-welcome");
    expect(mail.text).not.toMatch(/12 months — 12 months/);
    expect(mail.text).toMatch(/Your support runs until \d{1,2} \w+ \d{4}, and nothing more will be charged/);
    expect(mail.text).toMatch(/Type Supporter subscription \(buys an edition; not a donation\)/);
  });

  it("a monthly gift's receipt says every month, the next payment date and how to manage it", async () => {
    const email = uniqueEmail("monthly");
    const { payment } = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      email,
      kind: "monthly",
      amountMinor: 1500,
    });
    const snapshot = await snapshotOf(payment.id);
    expect(snapshot.purpose).toBe("gift");
    const next = new Date(snapshot.nextPaymentAt!);
    // About a month after the payment (the provider's period end, or a month on).
    expect(next.getTime() - payment.paidAt.getTime()).toBeGreaterThan(27 * DAY);
    expect(next.getTime() - payment.paidAt.getTime()).toBeLessThan(32 * DAY);
    const mail = await mailFor(email);
    expect(mail.template).toBe("donation-receipt");
    expect(mail.text).toMatch(/repeats every month until you change or cancel it/);
    expect(mail.text).toMatch(/The next one is on \d{1,2} \w+ \d{4}\./);
    expect(mail.text).toMatch(/manage your support/);
    expect(mail.text).toMatch(/Type Donation/);
  });

  it("a print supporter's welcome says when the first posted edition can be expected, from the organisation's setting", async () => {
    await t.db.update(settings).set({ firstPrintEditionDays: 10 });
    try {
      const email = uniqueEmail("print");
      const { payment } = await giveGift(t.db, {
        campaignId: fixtures.campaign.id,
        email,
        kind: "tier_monthly",
        planId: fixtures.plan("print-monthly").id,
        amountMinor: 1000,
        address: PRINT_ADDRESS,
      });
      const mail = await mailFor(email);
      expect(mail.template).toBe("supporter-welcome");
      const by = (mail.props as { firstEditionBy: string }).firstEditionBy;
      expect(new Date(by).getTime() - payment.paidAt.getTime()).toBe(10 * DAY);
      expect(mail.text).toMatch(/Expect your first print edition by \d{1,2} \w+ \d{4}\./);
      expect(mail.text).toMatch(/You pay \$10 AUD every month until you change or cancel it\. The next payment is on/);
    } finally {
      await t.db.update(settings).set({ firstPrintEditionDays: 7 });
    }
  });
});

describe("the thank-you page's facts", () => {
  it("monthly: every month, the next payment date from the subscription", async () => {
    const { checkout, payment } = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      email: uniqueEmail("thanks"),
      kind: "monthly",
      amountMinor: 1500,
    });
    const [sub] = await t.db.select().from(subscriptions).where(eq(subscriptions.id, payment.subscriptionId!));
    const page = await getThanksPage(t.db, { checkoutId: checkout.id });
    expect(page!.next).toMatchObject({ frequency: "monthly", tier: null, endsAt: null, firstEditionBy: null });
    expect(page!.next!.nextPaymentAt).toBe(
      (sub.currentPeriodEnd ?? new Date(payment.paidAt.getTime() + 30 * DAY)).toISOString(),
    );
  });

  it("print for 12 months: the end date and the first edition; nothing said when the setting is blank", async () => {
    const { checkout, payment } = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      email: uniqueEmail("thanks"),
      kind: "tier_one_time",
      planId: fixtures.plan("print-year").id,
      amountMinor: 11000,
      address: PRINT_ADDRESS,
    });
    const page = await getThanksPage(t.db, { checkoutId: checkout.id });
    expect(page!.next).toMatchObject({
      frequency: "year",
      tier: "print",
      nextPaymentAt: null,
      coversUntil: payment.coversUntil!.toISOString(),
    });
    expect(new Date(page!.next!.firstEditionBy!).getTime() - payment.paidAt.getTime()).toBe(7 * DAY);
    await t.db.update(settings).set({ firstPrintEditionDays: null });
    try {
      expect((await getThanksPage(t.db, { checkoutId: checkout.id }))!.next!.firstEditionBy).toBeNull();
    } finally {
      await t.db.update(settings).set({ firstPrintEditionDays: 7 });
    }
  });

  it("a monthly support already set to end promises no next payment", async () => {
    const { checkout, payment } = await giveGift(t.db, {
      campaignId: fixtures.campaign.id,
      email: uniqueEmail("thanks"),
      kind: "monthly",
      amountMinor: 1500,
    });
    await t.db
      .update(subscriptions)
      .set({ cancelAtPeriodEnd: true })
      .where(and(eq(subscriptions.id, payment.subscriptionId!)));
    const page = await getThanksPage(t.db, { checkoutId: checkout.id });
    expect(page!.next).toMatchObject({ nextPaymentAt: null, endsAt: expect.any(String) });
  });
});
