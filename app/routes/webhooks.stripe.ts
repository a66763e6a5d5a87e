import { json, type ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { getEnv } from "~/env.server";
import { handleStripeWebhook } from "~/payments/webhook.server";

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return json({ error: "method not allowed" }, { status: 405, headers: { Allow: "POST" } });
  if (getEnv().paymentsMode !== "stripe") return json({ error: "Stripe is not configured" }, { status: 404 });
  // The signature covers the exact bytes: read the raw body, never a parsed one.
  const rawBody = await request.text();
  const result = await handleStripeWebhook(getDb(), { rawBody, signature: request.headers.get("stripe-signature") });
  return json(result.body, { status: result.status });
}

export function loader() {
  return json({ error: "method not allowed" }, { status: 405, headers: { Allow: "POST" } });
}
