import type { GiftKind, PaymentMethod } from "@db/schema";

/** How staff pages name a payment's kind and method (shared by the payment pages and lists). */
export const GIFT_KIND_LABELS: Record<GiftKind, string> = {
  one_off: "One-off gift",
  monthly: "Monthly gift",
  tier_monthly: "Tier, monthly",
  tier_one_time: "Tier, 12 months",
};

export const PAYMENT_METHOD_LABELS: Record<PaymentMethod, string> = {
  card: "Card",
  simulated: "Card (simulated)",
  cheque: "Cheque",
  bank_transfer: "Bank transfer",
  cash: "Cash",
  other: "Other",
};
