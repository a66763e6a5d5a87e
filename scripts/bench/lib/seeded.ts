// Names the seed gives things, which the benchmarks use to address them.

/** The checkout a seeded subscription came from: derived from the subscription's id, so nothing is kept. */
export const seededCheckoutId = (subscriptionId: number) =>
  `00000000-0000-4000-8000-${subscriptionId.toString(16).padStart(12, "0")}`;
export const seededSubscriptionId = (subscriptionId: number) => `sub_seed${subscriptionId}`;
export const seededCustomerId = (supporterId: number) => `cus_seed${supporterId}`;
