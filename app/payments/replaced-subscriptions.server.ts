import { and, asc, eq, sql } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { checkouts, payments, subscriptions } from "@db/schema";
import { logger } from "~/log.server";
import { checkSessionMatches, CheckoutMismatchError } from "./apply-event.server";
import type { NormalizedEvent, ProviderDelivery } from "./events";
import { getPaymentProvider } from "./provider.server";

/**
 * Before a delivery is applied (like the card look-ups): a 12-month payment that replaces a
 * monthly subscription has the provider end that subscription at the end of the period already
 * paid. Only a payment that succeeded does this, never the move's request (ADR 035). The call is
 * idempotent (`year-replaces:<checkout>`); if it fails, the delivery fails and the provider
 * delivers it again. A payment already in the ledger asks nothing: its subscription was ended
 * then, and the supporter may since have chosen to keep it.
 */
export async function endSubscriptionsReplacedBy(db: DB, delivery: Pick<ProviderDelivery, "events">) {
  for (const event of delivery.events) {
    // A 12-month payment is a one-time payment: a subscription's payment, or one whose checkout our
    // metadata names as another kind, replaces nothing (and asks the database nothing).
    if (event.type !== "payment.succeeded" || event.providerSubscriptionId) continue;
    if (event.checkoutKind && event.checkoutKind !== "tier_one_time") continue;
    const [row] = await db
      .select({ sub: subscriptions, checkout: checkouts })
      .from(checkouts)
      .innerJoin(subscriptions, eq(subscriptions.id, checkouts.replacesSubscriptionId))
      .where(and(eq(checkouts.id, event.checkoutId), eq(checkouts.kind, "tier_one_time")));
    if (!row || row.sub.cancelAtPeriodEnd || row.sub.status === "canceled" || row.sub.status === "incomplete_expired")
      continue;
    // A session that is not the one we made will not be applied (ADR 032): it ends nothing either.
    const completed = delivery.events.find((e) => e.type === "checkout.completed" && e.checkoutId === event.checkoutId);
    if (completed?.type === "checkout.completed" && !sessionMatches(row.checkout, completed)) continue;
    const [recorded] = await db
      .select({ id: payments.id })
      .from(payments)
      .where(
        and(eq(payments.provider, row.checkout.provider), eq(payments.providerPaymentId, event.providerPaymentId)),
      );
    if (recorded) continue;
    const [first] = await db
      .select({ checkoutId: payments.checkoutId })
      .from(payments)
      .where(and(eq(payments.subscriptionId, row.sub.id), sql`${payments.checkoutId} is not null`))
      .orderBy(asc(payments.id))
      .limit(1);
    await getPaymentProvider().cancelSubscription({
      providerSubscriptionId: row.sub.providerSubscriptionId,
      checkoutId: first?.checkoutId ?? null,
      atPeriodEnd: true,
      idempotencyKey: `year-replaces:${event.checkoutId}`,
    });
    logger.info(
      { subscriptionId: row.sub.id, checkoutId: event.checkoutId },
      "monthly subscription set to end: its 12-month replacement is paid",
    );
  }
}

function sessionMatches(
  checkout: typeof checkouts.$inferSelect,
  event: Extract<NormalizedEvent, { type: "checkout.completed" }>,
) {
  try {
    checkSessionMatches(checkout, event);
    return true;
  } catch (error) {
    if (error instanceof CheckoutMismatchError) return false;
    throw error;
  }
}
