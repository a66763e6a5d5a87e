/**
 * The time the checkout gate judges limits and waiting tickets by (ADR 045): the system clock,
 * unless a test sets another, so that a wait can be waited out without sleeping.
 */
const systemClock = () => new Date();
let clock: () => Date = systemClock;

export const checkoutNow = (): Date => clock();

/** Tests only: the clock to use from now on; null puts the system clock back. */
export function setCheckoutClock(next: (() => Date) | null): void {
  clock = next ?? systemClock;
}
