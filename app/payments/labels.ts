import type { GiftKind, PaymentMethod, RefundReason } from "@db/schema";
import { t } from "~/i18n/t";

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

/**
 * A gift (one-off or monthly) is a donation; a tier payment buys an edition, so it is a supporter
 * subscription and never counted or described as giving (ADR 036). Receipts, the account and the
 * annual statement all ask here.
 */
import type { PaymentPurpose } from "@db/types";
import { assertNever } from "~/never";

export type { PaymentPurpose };
export function paymentPurpose(kind: GiftKind): PaymentPurpose {
  switch (kind) {
    case "one_off":
    case "monthly":
      return "gift";
    case "tier_monthly":
    case "tier_one_time":
      return "subscription";
    default:
      return assertNever(kind, "payment kind");
  }
}

/** How a supporter sees that difference on a receipt, in the language of the page (ADR 049). */
export const PAYMENT_PURPOSE_LABELS: Record<PaymentPurpose, string> = {
  get gift() {
    return t("account.type.gift");
  },
  get subscription() {
    return t("receipt.type.subscription");
  },
};

/** Why staff refunded (ADR 039): Stripe's three reasons, or Other with a note. */
export const REFUND_REASON_LABELS: Record<RefundReason, string> = {
  requested_by_customer: t("admin.refund.reason.requested_by_customer"),
  duplicate: t("admin.refund.reason.duplicate"),
  fraudulent: t("admin.refund.reason.fraudulent"),
  other: t("admin.refund.reason.other"),
};
