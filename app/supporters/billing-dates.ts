/**
 * Monthly billing dates, as Stripe counts them: each renewal is the anchor plus whole months,
 * on the same day of the month or the month's last day when it is shorter (31 Jan → 28 Feb →
 * 31 Mar). Shared by the pause request, the subscription page and the confirmation email.
 */
export function addMonths(anchor: Date, months: number): Date {
  const result = new Date(anchor);
  const day = anchor.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}

const DAY_MS = 24 * 60 * 60_000;

export type PausePlan = {
  /** The payments not taken. */
  skipped: Date[];
  /** The first payment taken again. */
  resumesOn: Date;
  /** What the provider is told (Stripe's pause_collection.resumes_at): a day before resumesOn. */
  resumesAt: Date;
};

/**
 * A pause of N months skips exactly the next N payments. Stripe voids every invoice made before
 * resumes_at, so resumes_at falls between the last payment skipped and the first one taken: a
 * day before the first one taken, whole seconds (Stripe keeps no milliseconds).
 */
export function planPause(nextPaymentAt: Date, months: number): PausePlan {
  const skipped = Array.from({ length: months }, (_, k) => addMonths(nextPaymentAt, k));
  const resumesOn = addMonths(nextPaymentAt, months);
  const resumesAt = new Date(Math.floor((resumesOn.getTime() - DAY_MS) / 1000) * 1000);
  return { skipped, resumesOn, resumesAt };
}

/** While paused: the payments from the next one on that fall before the pause ends, and the first one after. */
export function pausedPayments(nextPaymentAt: Date, pausedUntil: Date): { skipped: Date[]; resumesOn: Date } {
  const skipped: Date[] = [];
  for (let k = 0; k < 24; k++) {
    const date = addMonths(nextPaymentAt, k);
    if (date.getTime() >= pausedUntil.getTime()) return { skipped, resumesOn: date };
    skipped.push(date);
  }
  return { skipped, resumesOn: addMonths(nextPaymentAt, 24) };
}
