import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * What every log line written while handling one request may say about it: its id, and the
 * bounded name of what answered it (for the latency histogram). Held in AsyncLocalStorage, so
 * a module deep in the call stack logs with the id without anyone passing it along.
 */
export type RequestContext = {
  requestId: string;
  route?: string;
  /** The allowed origin the request came to (APP_URL or ONION_ORIGIN, ADR 051): its links point there. */
  origin?: string;
};

const storage = new AsyncLocalStorage<RequestContext>();

export const REQUEST_ID_HEADER = "X-Request-Id";

/** What a proxy or a load balancer sends (nginx's $request_id, a UUID, a trace id): nothing to escape in a log. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The caller's id if it is a short safe token, otherwise a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

export function runWithRequestContext<T>(context: RequestContext, run: () => T): T {
  return storage.run(context, run);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * For the answers given in front of Express (cached pages, Stripe's deliveries): a fixed name
 * for the latency histogram, instead of the Remix route the path would match.
 */
export function nameRoute(route: string) {
  const context = storage.getStore();
  if (context) context.route = route;
}
