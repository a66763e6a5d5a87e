/** Shared by the type-ahead's route (which validates) and its combobox (which waits for enough to type). */
export const CALLER_SEARCH = { minLength: 2, maxLength: 100, limit: 8 } as const;

/** What the phone pledge screen's type-ahead shows of each match: enough to tell two callers apart. */
export type CallerMatch = {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  postcode: string | null;
  entitlement: string | null;
};
