import { json, type ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { getEnv } from "~/env.server";
import { handleStripeWebhook, MAX_WEBHOOK_BYTES } from "~/payments/webhook.server";

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return json({ error: "method not allowed" }, { status: 405, headers: { Allow: "POST" } });
  if (getEnv().paymentsMode !== "stripe") return json({ error: "Stripe is not configured" }, { status: 404 });
  // The signature covers the exact bytes: read the raw body, never a parsed one.
  const rawBody = await readBodyUpTo(request, MAX_WEBHOOK_BYTES);
  // Closing the connection stops the sender; the rest of an oversized body is never read.
  if (rawBody === null) return json({ error: "payload too large" }, { status: 413, headers: { Connection: "close" } });
  const result = await handleStripeWebhook(getDb(), { rawBody, signature: request.headers.get("stripe-signature") });
  return json(result.body, { status: result.status });
}

/**
 * The body as text, or null as soon as it is longer than `limit` bytes. Nothing in front of this
 * route (Express has no body parser here; Remix hands over a stream) bounds a body, and
 * request.text() would buffer any size: count the bytes as they arrive instead.
 */
async function readBodyUpTo(request: Request, limit: number): Promise<string | null> {
  if (Number(request.headers.get("Content-Length") ?? 0) > limit) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function loader() {
  return json({ error: "method not allowed" }, { status: 405, headers: { Allow: "POST" } });
}
