import { json } from "@remix-run/node";
import { pingDatabase } from "@db/client.server";
import { getEnv } from "~/env.server";
import { recentServiceFailure } from "~/health.server";

/** Never calls Stripe or Resend: reports only failures real calls met recently. */
export async function loader() {
  const env = getEnv();
  const dbOk = await pingDatabase();
  const stripeFailure = env.paymentsMode === "stripe" ? recentServiceFailure("stripe") : null;
  const resendFailure = env.emailMode === "resend" ? recentServiceFailure("resend") : null;
  return json(
    {
      db: dbOk ? "ok" : "unreachable",
      payments: env.paymentsMode,
      email: env.emailMode,
      ...(stripeFailure || resendFailure
        ? {
            recentFailures: {
              ...(stripeFailure ? { stripe: stripeFailure } : {}),
              ...(resendFailure ? { resend: resendFailure } : {}),
            },
          }
        : {}),
    },
    { status: dbOk ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
