import { and, eq, isNull } from "drizzle-orm";
import { commitWithNextStatement, type DB } from "@db/client.server";
import { supporters } from "@db/schema";
import type { NormalizedEvent } from "~/payments/events";

/**
 * Records the card that pays, for expiry reminders: brand, last 4 and expiry, nothing else.
 * Stripe events name the customer; the simulated card page names the supporter. `last`: the
 * caller writes nothing after it in this transaction, so COMMIT goes with it (ADR 056).
 */
export async function applyCardChanged(
  tx: DB,
  event: Extract<NormalizedEvent, { type: "card.changed" }>,
  { last = false }: { last?: boolean } = {},
) {
  if (!event.card) return;
  if (last) commitWithNextStatement(tx);
  const owner =
    "supporterId" in event.owner
      ? eq(supporters.id, event.owner.supporterId)
      : eq(supporters.stripeCustomerId, event.owner.providerCustomerId);
  await tx
    .update(supporters)
    .set({
      cardBrand: event.card.brand,
      cardLast4: event.card.last4,
      cardExpMonth: event.card.expMonth,
      cardExpYear: event.card.expYear,
      updatedAt: new Date(),
    })
    .where(and(owner, isNull(supporters.erasedAt)));
}

/** The card on file, as the account pages show it. */
export async function getCardOnFile(db: DB, { supporterId }: { supporterId: number }) {
  const [row] = await db
    .select({
      brand: supporters.cardBrand,
      last4: supporters.cardLast4,
      expMonth: supporters.cardExpMonth,
      expYear: supporters.cardExpYear,
    })
    .from(supporters)
    .where(and(eq(supporters.id, supporterId), isNull(supporters.erasedAt)));
  if (!row?.last4) return null;
  return row;
}
