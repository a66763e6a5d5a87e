import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, checkouts, payments, plans } from "@db/schema";
import { seedDemoData } from "@db/seed";
import { completeSimulatedCheckout } from "~/payments/simulated.server";
import { createPledge } from "~/pledges/pledges.server";
import { sessionIdFor } from "./mocks/stripe";
import type { PostalAddress } from "~/payments/events";

export async function seeded(db: DB) {
  await seedDemoData(db);
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.isDefault, true));
  const allPlans = await db.select().from(plans);
  const plan = (code: string) => {
    const found = allPlans.find((p) => p.code === code);
    if (!found) throw new Error(`no plan ${code}`);
    return found;
  };
  return { campaign, plan };
}

let emailCounter = 0;
export function uniqueEmail(prefix = "reader") {
  emailCounter += 1;
  return `${prefix}.${emailCounter}.${randomUUID().slice(0, 6)}@example.net`;
}

/** A checkout as the donate form would have written it. */
export async function createCheckout(
  db: DB,
  overrides: Partial<typeof checkouts.$inferInsert> & { campaignId: number },
): Promise<typeof checkouts.$inferSelect> {
  const values = {
    id: randomUUID(),
    kind: "one_off" as const,
    amountMinor: 2500,
    currency: "AUD" as const,
    email: uniqueEmail(),
    name: "Rosa Reader",
    provider: "stripe" as const,
    ...overrides,
  };
  // A Stripe checkout holds the session startCheckout made for it (checkoutSessionObject builds that one).
  const providerSessionId =
    overrides.providerSessionId !== undefined
      ? overrides.providerSessionId
      : values.provider === "stripe"
        ? sessionIdFor(values.id)
        : null;
  const [row] = await db
    .insert(checkouts)
    .values({ ...values, providerSessionId })
    .returning();
  return row;
}

/**
 * A gift paid through the simulated checkout, so the supporter, payment, receipt, emails and
 * (for monthly kinds) subscription are made as in real life. `paidAt` backdates the payment.
 */
export async function giveGift(
  db: DB,
  input: Partial<typeof checkouts.$inferInsert> & { campaignId: number; paidAt?: Date; address?: PostalAddress },
): Promise<{ checkout: typeof checkouts.$inferSelect; payment: typeof payments.$inferSelect; supporterId: number }> {
  const { paidAt, address, ...overrides } = input;
  const checkout = await createCheckout(db, { provider: "simulated", email: uniqueEmail("donor"), ...overrides });
  await completeSimulatedCheckout(db, { checkoutId: checkout.id, outcome: "pay", address });
  let [payment] = await db.select().from(payments).where(eq(payments.checkoutId, checkout.id));
  if (paidAt) {
    const coversUntil = payment.coversUntil ? new Date(paidAt) : null;
    coversUntil?.setUTCMonth(coversUntil.getUTCMonth() + 12);
    [payment] = await db.update(payments).set({ paidAt, coversUntil }).where(eq(payments.id, payment.id)).returning();
  }
  return { checkout, payment, supporterId: payment.supporterId };
}

let phoneCounter = 0;

/**
 * A caller of the phone line without an email address who paid by cheque, taken as staff would
 * (createPledge): a supporter with phone and postal address, a paid pledge, a payment and its
 * receipt, and no email.
 */
export async function givePhoneOnlyCheque(
  db: DB,
  input: { campaignId: number; staffUserId: number; amountMinor?: number; name?: string; reference?: string },
): Promise<{ supporterId: number; paymentId: number; pledgeId: number; phone: string }> {
  phoneCounter += 1;
  const phone = `03 9${String(phoneCounter).padStart(3, "0")} ${randomUUID().replace(/\D/g, "").padEnd(4, "7").slice(0, 4)}`;
  const result = await createPledge(db, {
    staff: { staffUserId: input.staffUserId },
    supporter: {
      name: input.name ?? "Pat Postal",
      phone,
      address: { line1: "12 Letterbox Road", city: "Castlemaine", state: "VIC", postalCode: "3450", country: "AU" },
    },
    campaignId: input.campaignId,
    kind: "one_off",
    amountMinor: input.amountMinor ?? 4000,
    payMethod: "cheque",
    reference: input.reference ?? "CHQ 100200",
  });
  if (!result.ok) throw new Error(`phone pledge refused: ${JSON.stringify(result.errors)}`);
  const [payment] = await db.select().from(payments).where(eq(payments.id, result.paymentId!));
  return { supporterId: payment.supporterId, paymentId: payment.id, pledgeId: result.pledgeId, phone };
}
