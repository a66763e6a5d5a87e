import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outbox, payments, receipts, subscriptions, supporters } from "@db/schema";
import { getCampaignProgress } from "~/campaigns/campaigns.server";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { createCheckout } from "../factories";
import { useSeededDatabase } from "../support/database";

const { t, fixtures } = useSeededDatabase();

describe("simulated checkout", () => {
  it("records a one-off gift once, with a receipt and a receipt email, however often Pay is pressed", async () => {
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      provider: "simulated",
      amountMinor: 2500,
      feeCoverMinor: 74,
      message: "Solidarity from Footscray",
    });
    const before = await getCampaignProgress(t.db, fixtures.campaign);
    expect(await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay" })).toBe("ok");
    await completeSimulatedCheckout(t.db, { checkoutId: checkout.id, outcome: "pay" });
    const rows = await t.db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      amountMinor: 2574,
      feeCoverMinor: 74,
      currency: "AUD",
      kind: "one_off",
      method: "simulated",
      message: "Solidarity from Footscray",
    });
    const [receipt] = await t.db.select().from(receipts).where(eq(receipts.paymentId, rows[0].id));
    expect(receipt.receiptNumber).toBe(rows[0].receiptNumber);
    const mail = await t.db
      .select()
      .from(outbox)
      .where(eq(outbox.idempotencyKey, `receipt:${rows[0].id}`));
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ template: "donation-receipt", toEmail: checkout.email });
    const after = await getCampaignProgress(t.db, fixtures.campaign);
    expect(after.raisedMinor - before.raisedMinor).toBe(2500);
    expect(after.supporters - before.supporters).toBe(1);
  });

  it("starts a print subscription with the postal address and a welcome email", async () => {
    const plan = fixtures.plan("print-monthly");
    const checkout = await createCheckout(t.db, {
      campaignId: fixtures.campaign.id,
      provider: "simulated",
      kind: "tier_monthly",
      planId: plan.id,
      amountMinor: plan.amountMinor,
    });
    await completeSimulatedCheckout(t.db, {
      checkoutId: checkout.id,
      outcome: "pay",
      address: { line1: "1 Printers Lane", city: "Fitzroy", state: "VIC", postalCode: "3065", country: "AU" },
    });
    const [sub] = await t.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.providerSubscriptionId, `sim_sub_${checkout.id}`));
    expect(sub).toMatchObject({ status: "active", kind: "tier_monthly", planId: plan.id, amountMinor: 1000 });
    const [supporter] = await t.db.select().from(supporters).where(eq(supporters.id, sub.supporterId));
    expect(supporter.addressLine1).toBe("1 Printers Lane");
    const [mail] = await t.db.select().from(outbox).where(eq(outbox.toEmail, checkout.email));
    expect(mail.template).toBe("supporter-welcome");
    expect((mail.props as { postalAddress: string[] }).postalAddress).toContain("1 Printers Lane");
  });

  it("numbers receipts without gaps", async () => {
    const numbers = (await t.db.select({ n: payments.receiptNumber }).from(payments))
      .map((r) => r.n)
      .sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });
});
