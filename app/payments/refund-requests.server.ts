import { eq } from "drizzle-orm";
import type { DB } from "@db/client.server";
import { paymentRefunds } from "@db/schema";

/**
 * Whether a deliberate refund's request (its id minted when the confirmation was shown) was
 * already accepted for this payment: the same confirmation sent again does nothing more (ADR 039).
 */
export async function refundRequestAccepted(
  db: DB,
  { requestId, paymentId }: { requestId: string; paymentId: number },
): Promise<boolean> {
  const [done] = await db
    .select({ acceptedAt: paymentRefunds.acceptedAt, paymentId: paymentRefunds.paymentId })
    .from(paymentRefunds)
    .where(eq(paymentRefunds.requestId, requestId));
  return Boolean(done?.acceptedAt && done.paymentId === paymentId);
}
