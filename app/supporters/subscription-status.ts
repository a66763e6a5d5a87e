/** Statuses in which a subscription is not running: ended, or never started (its first payment not made). */
export const NOT_RUNNING_STATUSES = ["canceled", "incomplete_expired", "incomplete"] as const;

/** Whether a subscription in this status is running: it charges, or will again (paused, payment failing). */
export function isRunning(status: string): boolean {
  return !(NOT_RUNNING_STATUSES as readonly string[]).includes(status);
}
