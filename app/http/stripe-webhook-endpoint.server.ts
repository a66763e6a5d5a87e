import type { IncomingMessage, ServerResponse } from "node:http";
import { getDb } from "@db/client.server";
import { getEnv } from "~/env.server";
import { describeError, logger } from "~/log.server";
import { nameRoute } from "~/observability/request-context.server";
import { answerStripeWebhook, MAX_WEBHOOK_BYTES } from "./stripe-webhook.server";
import { readBodyUpTo as readBodyBytesUpTo } from "./request-limits.server";
import { sendBuffered } from "./response-rules.server";

export const STRIPE_WEBHOOK_PATH = "/webhooks/stripe";

/**
 * For the server (app/http/server.server.ts): Stripe's deliveries answered in front of Express and Remix, as the public pages
 * are (ADR 021). A delivery is a signature check and one transaction; Remix's route matching, the
 * Request objects it and Express build, and compression of a one-line reply cost more of the
 * server's CPU than that (ADR 026). The answer is the Remix route's (answerStripeWebhook), with
 * the rules every response follows (app/http/response-rules.server.ts: the security headers are
 * already on `res`); anything but a POST to the exact path goes on to Express.
 */
export function stripeWebhookEndpoint() {
  const env = getEnv();
  return {
    wants(req: IncomingMessage): boolean {
      return req.method === "POST" && (req.url ?? "").split("?")[0] === STRIPE_WEBHOOK_PATH;
    },
    async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
      nameRoute("stripe-webhook");
      let result: Awaited<ReturnType<typeof answerStripeWebhook>>;
      try {
        const signature = req.headers["stripe-signature"];
        result = await answerStripeWebhook(getDb(), {
          stripeConfigured: env.paymentsMode === "stripe",
          readBody: () => readBodyUpTo(req, MAX_WEBHOOK_BYTES),
          signature: typeof signature === "string" ? signature : null,
        });
      } catch (error) {
        logger.error({ err: describeError(error) }, "stripe webhook failed");
        result = { status: 500, body: { error: "could not persist the event; please retry" } };
      }
      const headers: [string, string][] = [["Content-Type", "application/json; charset=utf-8"]];
      if (result.closeConnection) headers.push(["Connection", "close"]);
      sendBuffered(req, res, { status: result.status, headers, body: JSON.stringify(result.body) });
    },
  };
}

/** The body as text, or null as soon as it is longer than `limit` bytes (the rest is never read). */
export async function readBodyUpTo(req: IncomingMessage, limit: number): Promise<string | null> {
  return (await readBodyBytesUpTo(req, limit))?.toString("utf8") ?? null;
}
