import { json, type ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "@db/client.server";
import { getEnv } from "~/env.server";
import { answerStripeWebhook, MAX_WEBHOOK_BYTES } from "~/http/stripe-webhook.server";

// In production server.mjs answers POST /webhooks/stripe itself, in front of Express and Remix
// (app/http/stripe-webhook-endpoint.server.ts), the same way: this route answers the rest
// (other methods) and wherever the Remix handler is used directly.
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST")
    return json({ error: "method not allowed" }, { status: 405, headers: { Allow: "POST" } });
  const result = await answerStripeWebhook(getDb(), {
    stripeConfigured: getEnv().paymentsMode === "stripe",
    readBody: () => readBodyUpTo(request, MAX_WEBHOOK_BYTES),
    signature: request.headers.get("stripe-signature"),
  });
  // Closing the connection stops the sender; the rest of an oversized body is never read.
  return json(result.body, {
    status: result.status,
    headers: result.closeConnection ? { Connection: "close" } : undefined,
  });
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
