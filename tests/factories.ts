import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { campaigns, checkouts, plans } from "@db/schema";
import { seedDemoData } from "@db/seed";

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
  const [row] = await db
    .insert(checkouts)
    .values({
      id: randomUUID(),
      kind: "one_off",
      amountMinor: 2500,
      currency: "AUD",
      email: uniqueEmail(),
      name: "Rosa Reader",
      provider: "stripe",
      ...overrides,
    })
    .returning();
  return row;
}
