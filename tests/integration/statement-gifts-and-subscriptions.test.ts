import { and, eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { outbox, settings } from "@db/schema";
import { renderEmail } from "~/email/render.server";
import type { EmailTemplates } from "~/email/templates";
import { action as statementAction, loader as statementLoader } from "~/routes/account.statement";
import { getAnnualStatement } from "~/supporters/statement.server";
import { giveGift, uniqueEmail } from "../factories";
import { signInAs } from "../support/supporter-session";
import { useSeededDatabase } from "../support/database";
import { callLoader, postForm } from "../support/remix";

const { t, fixtures } = useSeededDatabase();

/** One person who gave twice and bought a print year and a digital month in FY2026. */
async function giverAndSubscriber() {
  const email = uniqueEmail("split");
  const pay = (paidAt: string, extra: Partial<Parameters<typeof giveGift>[1]>) =>
    giveGift(t.db, { campaignId: fixtures.campaign.id, email, name: "Gita Split", paidAt: new Date(paidAt), ...extra });
  const gift = await pay("2025-08-01T00:00:00Z", { amountMinor: 2500 });
  const monthlyGift = await pay("2025-09-01T00:00:00Z", { kind: "monthly", amountMinor: 1500 });
  const printYear = await pay("2025-10-01T00:00:00Z", {
    kind: "tier_one_time",
    planId: fixtures.plan("print-year").id,
    amountMinor: 11000,
    address: { line1: "1 Printers Lane", city: "Fitzroy", state: "VIC", postalCode: "3065", country: "AU" },
  });
  const digitalMonth = await pay("2025-11-01T00:00:00Z", {
    kind: "tier_monthly",
    planId: fixtures.plan("digital-monthly").id,
    amountMinor: 500,
  });
  return {
    email,
    supporterId: gift.supporterId,
    gift,
    monthlyGift,
    printYear,
    digitalMonth,
    ...(await signInAs(t.db, gift.supporterId)),
  };
}

describe("the annual statement keeps gifts and supporter subscriptions apart", () => {
  let gita: Awaited<ReturnType<typeof giverAndSubscriber>>;
  beforeAll(async () => {
    gita = await giverAndSubscriber();
  });
  afterEach(async () => {
    await t.db.update(settings).set({ giftsTaxDeductible: "not_stated" });
  });

  it("totals gifts and subscriptions separately: tier payments are never counted as giving", async () => {
    const statement = await getAnnualStatement(t.db, { supporterId: gita.supporterId, year: 2026 });
    expect(statement!.gifts.lines.map((l) => l.paymentId)).toEqual([gita.gift.payment.id, gita.monthlyGift.payment.id]);
    expect(statement!.gifts.totals).toEqual([{ currency: "AUD", totalMinor: 2500 + 1500 }]);
    expect(statement!.subscriptions.lines.map((l) => l.paymentId)).toEqual([
      gita.printYear.payment.id,
      gita.digitalMonth.payment.id,
    ]);
    expect(statement!.subscriptions.totals).toEqual([{ currency: "AUD", totalMinor: 11000 + 500 }]);
  });

  it("says nothing about tax by default, and the organisation's sentence when it has chosen one", async () => {
    expect((await getAnnualStatement(t.db, { supporterId: gita.supporterId, year: 2026 }))!.taxNote).toBeNull();
    const page = await (
      await callLoader(statementLoader, "/account/statement?year=2026", { cookie: gita.cookie })
    ).json();
    expect(JSON.stringify(page)).not.toMatch(/deductible/i);

    await t.db.update(settings).set({ giftsTaxDeductible: "deductible" });
    const deductible = await (
      await callLoader(statementLoader, "/account/statement?year=2026", { cookie: gita.cookie })
    ).json();
    expect(deductible.statement.taxNote).toMatch(/^Gifts \(donations\) to .+ are tax-deductible\./);

    await t.db.update(settings).set({ giftsTaxDeductible: "not_deductible" });
    expect((await getAnnualStatement(t.db, { supporterId: gita.supporterId, year: 2026 }))!.taxNote).toMatch(
      /are not tax-deductible\.$/,
    );
  });

  it("emails both totals, each under its own heading, with the tax sentence only when set", async () => {
    await t.db.update(settings).set({ giftsTaxDeductible: "deductible" });
    const response = await postForm(
      statementAction,
      "/account/statement",
      { csrf: gita.csrf, year: "2026" },
      { cookie: gita.cookie },
    );
    expect(response.status).toBe(303);
    const [mail] = await t.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toEmail, gita.email), eq(outbox.template, "annual-statement")));
    const props = mail.props as EmailTemplates["annual-statement"];
    expect(props).toMatchObject({ totalMinor: 4000, subscriptionsTotalMinor: 11500 });
    const { text } = await renderEmail("annual-statement", props);
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toMatch(/Gifts \(donations\).*gave \$40 AUD/);
    expect(flat).toMatch(/Supporter subscriptions.*\$115 AUD for supporter subscriptions.*not gifts/);
    expect(flat).toMatch(/are tax-deductible/);
    // The gifts paragraph counts gifts only.
    expect(flat).not.toMatch(/gave \$155/);

    const { text: silent } = await renderEmail("annual-statement", { ...props, taxNote: null });
    expect(silent).not.toMatch(/deductible/i);
  });

  it("renders a statement queued before the distinction as it was (one total, no headings)", async () => {
    const { text } = await renderEmail("annual-statement", {
      organisation: {
        name: "Org",
        contactEmail: "a@example.org",
        contactAddress: "",
        phone: "",
        receiptFooter: "",
        timeZone: "UTC",
      },
      donorName: null,
      periodLabel: "2026",
      totalMinor: 1000,
      currency: "AUD",
      payments: [
        {
          receiptNumber: 1,
          paidAt: "2026-01-01T00:00:00Z",
          description: "One-off gift to X",
          amountMinor: 1000,
          refundedMinor: 0,
          currency: "AUD",
        },
      ],
      manageUrl: null,
    });
    expect(text).toMatch(/gave \$10 AUD/);
    expect(text).not.toMatch(/Supporter subscriptions|Gifts \(donations\)/);
  });
});
