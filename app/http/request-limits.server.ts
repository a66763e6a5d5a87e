import type { IncomingMessage, ServerResponse } from "node:http";
import type { Env } from "~/env.server";
import { CACHING, sendBuffered } from "./response-rules.server";
import { STRIPE_WEBHOOK_PATH } from "./stripe-webhook-endpoint.server";

/**
 * What the server (app/http/server.server.ts) refuses before anything reads a request (ADR 028): methods no route takes, and
 * bodies over the form limit. Stripe's deliveries keep their own, larger cap (ADR 026).
 */

/** The only methods the app answers: pages (GET, HEAD) and forms (POST). */
const USED_METHODS = new Set(["GET", "HEAD", "POST"]);

/** TRACE, TRACK, CONNECT, PUT, OPTIONS…: 405 with the methods the address does take, on every path. */
export function refuseUnusedMethod(req: IncomingMessage, res: ServerResponse, _env: Env): boolean {
  if (USED_METHODS.has(req.method ?? "")) return false;
  // The webhook's own route answers a GET with its 405 (JSON); here it names the same method.
  const allow = (req.url ?? "").split("?")[0] === STRIPE_WEBHOOK_PATH ? "POST" : [...USED_METHODS].join(", ");
  answerPlainly(req, res, 405, "Method not allowed.", { Allow: allow });
  return true;
}

/** A declared Content-Length over the limit: 413 before a byte of the body is read. */
export function refuseDeclaredOversize(req: IncomingMessage, res: ServerResponse, env: Env): boolean {
  if (req.url?.split("?")[0] === STRIPE_WEBHOOK_PATH) return false;
  if (!(Number(req.headers["content-length"] ?? 0) > env.FORM_BODY_LIMIT_BYTES)) return false;
  answerPayloadTooLarge(req, res, env);
  return true;
}

/** 413, and the connection closes: the rest of the body is never read. */
export function answerPayloadTooLarge(req: IncomingMessage, res: ServerResponse, env: Env) {
  answerPlainly(
    req,
    res,
    413,
    `Too much was sent: a form may be at most ${Math.floor(env.FORM_BODY_LIMIT_BYTES / 1024)} KiB.`,
    { Connection: "close" },
  );
}

function answerPlainly(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string>,
) {
  sendBuffered(req, res, {
    status,
    headers: [
      ["Content-Type", "text/plain; charset=utf-8"],
      ["Cache-Control", CACHING.refusal],
      ...Object.entries(headers),
    ],
    body: `${message}\n`,
  });
}

/** The body, or null as soon as it is longer than `limit` bytes (the rest is never read). */
export function readBodyUpTo(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}
