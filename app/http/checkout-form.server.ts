import { json, redirect } from "@remix-run/node";
import type { CheckoutFormOutcome, CheckoutRefusal, FormActionData } from "~/giving/donate-page.server";
import { WAIT_PATH } from "~/giving/wait-ticket.server";

/** Each refusal's status: the domain says why, the HTTP layer how. */
const REFUSAL_STATUS: Record<CheckoutRefusal, number> = {
  csrf: 403,
  bot: 400,
  invalid: 400,
  limited: 429,
  unavailable: 503,
};

/**
 * A checkout-starting form's outcome as a response: "See other" to the payment page or the
 * waiting page (a post is never sent again by a refresh), or the form again with its status.
 */
export function checkoutFormResponse(outcome: CheckoutFormOutcome) {
  switch (outcome.kind) {
    case "checkout":
      return redirect(
        outcome.url,
        outcome.setCookie ? { status: 303, headers: { "Set-Cookie": outcome.setCookie } } : 303,
      );
    case "wait":
      return redirect(WAIT_PATH, { status: 303, headers: { "Set-Cookie": outcome.setCookie } });
    case "refused":
      return json<FormActionData>(outcome.data, {
        status: REFUSAL_STATUS[outcome.reason],
        ...(outcome.retryAfterSeconds === undefined
          ? {}
          : { headers: { "Retry-After": String(outcome.retryAfterSeconds) } }),
      });
    default: {
      const never: never = outcome;
      throw new Error(`checkoutFormResponse: ${JSON.stringify(never)}`);
    }
  }
}
