import type { DB } from "@db/client.server";
import { pushDueCustomers } from "~/supporters/customer-sync.server";

/**
 * Profile changes Stripe has not acknowledged yet (it was down, or the push right after the save
 * failed): tried again every period until it has them (ADR 036).
 */
export async function syncStripeCustomers(tx: DB): Promise<{ updated: number; failed: number; remaining: number }> {
  return pushDueCustomers(tx);
}
