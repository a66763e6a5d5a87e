import type { PaymentAttemptError } from "./stripe.server";

/**
 * A failed card payment in words staff can say to a caller: "Card declined — insufficient funds".
 * From Stripe's documented decline codes (docs.stripe.com/declines/codes) and error codes; an
 * unknown code is shown as Stripe's own message, never as a bare code.
 */
const DECLINES: Record<string, string> = {
  insufficient_funds: "insufficient funds",
  lost_card: "the card was reported lost",
  stolen_card: "the card was reported stolen",
  expired_card: "the card has expired",
  incorrect_cvc: "the security code (CVC) was wrong",
  incorrect_number: "the card number was wrong",
  incorrect_zip: "the postcode did not match",
  card_velocity_exceeded: "the card's spending limit was reached",
  withdrawal_count_limit_exceeded: "the card's spending limit was reached",
  do_not_honor: "the bank refused it without a reason (the supporter should call their bank)",
  generic_decline: "the bank refused it without a reason (the supporter should call their bank)",
  call_issuer: "the bank asks the supporter to call them",
  card_not_supported: "the card does not support this kind of payment",
  currency_not_supported: "the card does not support this currency",
  fraudulent: "the bank suspected fraud",
  pickup_card: "the bank has withdrawn the card",
  restricted_card: "the bank has restricted the card",
  revocation_of_authorization: "the supporter asked their bank to stop these payments",
  revocation_of_all_authorizations: "the supporter asked their bank to stop these payments",
  stop_payment_order: "the supporter asked their bank to stop these payments",
  transaction_not_allowed: "the bank does not allow this payment on the card",
  try_again_later: "a temporary problem at the bank",
  processing_error: "a processing error at the bank",
  authentication_required: "the bank asked the supporter to confirm the payment",
  approve_with_id: "the bank could not authorise it just then",
  issuer_not_available: "the bank could not be reached",
};

const CODES: Record<string, string> = {
  expired_card: "Card expired",
  incorrect_cvc: "Card declined — the security code (CVC) was wrong",
  incorrect_number: "Card declined — the card number was wrong",
  processing_error: "Card declined — a processing error at the bank",
  authentication_required: "Payment needs the supporter to confirm it with their bank",
};

export function describePaymentError(error: PaymentAttemptError): string {
  if (error.declineCode && DECLINES[error.declineCode]) return `Card declined — ${DECLINES[error.declineCode]}`;
  if (error.code && CODES[error.code]) return CODES[error.code]!;
  if (error.code === "card_declined")
    return error.declineCode ? `Card declined — ${error.declineCode.replace(/_/g, " ")}` : "Card declined";
  return error.message?.replace(/\.$/, "") || "The payment failed";
}
