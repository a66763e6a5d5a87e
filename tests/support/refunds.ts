import { action } from "~/routes/admin.payments.$id_.refund";
import { postForm } from "./remix";

/**
 * The deliberate refund's two steps (ADR 039), as a browser without JavaScript posts them:
 * "Continue" (the request) answers the confirmation with a fresh request id; "Refund" posts it.
 */
export type RefundBrowser = { cookie: string; csrf: string };
type Fields = { amount: string; reason?: string; note?: string; from?: "payment" | "supporter"; at?: string };

export const postRefund = (who: RefundBrowser, paymentId: number, fields: Record<string, string>) =>
  postForm(
    action,
    `/admin/payments/${paymentId}/refund`,
    { csrf: who.csrf, ...fields },
    { params: { id: String(paymentId) }, cookie: who.cookie },
  );

/** Step one: the request. Its answer is the confirmation (200) or the form with errors (400). */
export async function reviewRefund(
  who: RefundBrowser,
  paymentId: number,
  { amount, reason = "requested_by_customer", note = "", from = "payment", at = "" }: Fields,
) {
  const response = await postRefund(who, paymentId, { intent: "review", amount, reason, note, from, at });
  const json = response.headers.get("Content-Type")?.includes("json");
  return {
    response,
    body: (json ? await response.clone().json() : { step: "request", values: {} }) as {
      step: "request" | "confirm";
      requestId?: string;
      values: Record<string, string>;
      errors?: Record<string, string>;
      formError?: string;
      description?: Record<string, string>;
    },
  };
}

/** Step two: the confirmation's form, exactly as shown (hidden fields and request id). */
export function confirmRefundForm(
  who: RefundBrowser,
  paymentId: number,
  confirmation: { requestId?: string; values: Record<string, string> },
) {
  const { amount = "", reason = "", note = "", from = "payment", at = "" } = confirmation.values;
  return postRefund(who, paymentId, {
    intent: "confirm",
    requestId: confirmation.requestId ?? "",
    amount,
    reason,
    note,
    from,
    at,
  });
}

/** Both steps: the confirmation's response (a 303 when refunded). */
export async function refundThroughPages(who: RefundBrowser, paymentId: number, fields: Fields) {
  const { response, body } = await reviewRefund(who, paymentId, fields);
  if (body.step !== "confirm") return response;
  return confirmRefundForm(who, paymentId, body);
}
