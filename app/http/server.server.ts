import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
// The Express adapter's own request and response halves (its handler would read the body itself).
import { createRemixRequest, sendRemixResponse } from "@remix-run/express/dist/server.js";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import compression from "compression";
import express, { type NextFunction, type Request as ExpressRequest, type Response as ExpressResponse } from "express";
import { CROSS_SITE_POST_MESSAGE, ensureCsrfCookie, isCrossSitePost } from "~/auth/csrf.server";
import { bindAppUrlToPort, EnvError } from "~/env.server";
import { markDraining } from "~/health.server";
import { observeRequests } from "~/observability/observe-requests.server";
import { localeOfRequest, withRequestLocale, type RequestLocale } from "~/i18n/request-locale.server";
import { campaignLocaleOf } from "./campaign-locale.server";
import { startApp } from "~/startup.server";
import { builtAssets } from "./built-assets.server";
import { startPublicPageCache } from "./public-pages.server";
import {
  answerPayloadTooLarge,
  readBodyUpTo,
  refuseDeclaredOversize,
  refuseUnusedMethod,
} from "./request-limits.server";
import {
  beginResponse,
  CACHING,
  cspNonceOf,
  isCookieFreePath,
  shouldCompress,
  yieldToOwnHeaders,
} from "./response-rules.server";
import { stripeWebhookEndpoint } from "./stripe-webhook-endpoint.server";

/**
 * The production server (ADR 041): start-up (env, migrations, seed, outbox worker) before
 * listening; one HTTP listener whose every request goes through the same steps (request id,
 * latency and logging; the security headers of response-rules.server.ts; the method and body
 * limits), then to one of three ways in: Stripe's deliveries (ADR 026), the public pages from
 * memory (ADR 021), or Express and Remix. On SIGTERM, a graceful drain that lets requests in
 * flight finish before the database pool closes (ADR 028).
 *
 * It is compiled into the Remix build (build/index.js exports it from app/entry.server.tsx), and
 * server.mjs only loads the build and calls it: one file for `npm start`, the tests, the Docker
 * image and the fleet, with nothing but Node at run time.
 */

/** What every Remix loader and action gets as `context`. */
export type LoadContext = {
  /** The client's address as Express computes it under TRUST_PROXY (see clientAddress). */
  clientAddress: string;
  /** The nonce this response's Content-Security-Policy names (response-rules.server.ts). */
  cspNonce: string;
  /** A promise while the client's socket is full (see socketDrained). */
  responseDrained: () => Promise<void> | undefined;
  /** The request's language (ADR 049); t(), money and dates use it by themselves. */
  locale?: RequestLocale;
};

export type ServerOptions = {
  /** The directory holding build/ and public/ (server.mjs's own). */
  root: string;
};

export async function runServer(build: ServerBuild, { root }: ServerOptions): Promise<void> {
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error("Fighting Fund cannot start: the environment is not valid.");
      for (const line of error.lines) console.error(`  ${line}`);
    } else {
      console.error("Fighting Fund cannot start:", error instanceof Error ? error.message : error);
    }
    process.exit(1);
  }

  const { env } = app;
  const handleRemix = inRequestLocale(createRequestHandler(build, env.NODE_ENV));

  const server = express();
  server.disable("x-powered-by");
  // Behind a reverse proxy, req.ip is the client, not the proxy: rate limits key on it. TRUST_PROXY
  // is false, a hop count or the proxies' addresses, never "every hop" (ADR 028), and req.ip is the
  // one place a client address is computed (see clientAddress).
  server.set("trust proxy", env.TRUST_PROXY);
  server.use(compression({ filter: shouldCompress }));
  server.use("/build", builtAssets(path.join(root, "public", "build")));
  server.use("/build", express.static(path.join(root, "public", "build"), CACHING.builtAssets));
  server.use(express.static(path.join(root, "public"), CACHING.publicFiles));
  server.use(csrfBeforeRemix);
  server.use(readFormBody);
  server.all("*", remix);

  /**
   * Remix with the body readFormBody read (Express's adapter, but for the body): Remix never reads
   * a request stream itself, so no form is larger than FORM_BODY_LIMIT_BYTES.
   */
  async function remix(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
    try {
      const streamed = createRemixRequest(req, res);
      const body = formBodies.get(req);
      // A Buffer is a Uint8Array, which Request takes; the DOM types only want it on an ArrayBuffer.
      const request =
        body === undefined
          ? streamed
          : new Request(streamed.url, {
              method: streamed.method,
              headers: streamed.headers,
              signal: streamed.signal,
              body: body as Uint8Array<ArrayBuffer>,
              duplex: "half",
            });
      const context: LoadContext = {
        clientAddress: clientAddress(req),
        cspNonce: cspNonceOf(res),
        responseDrained: () => socketDrained(res),
      };
      const response = await handleRemix(request, context);
      yieldToOwnHeaders(res, response.headers);
      await sendRemixResponse(res, response);
    } catch (error) {
      next(error);
    }
  }

  /**
   * Every body Express sees is read here first, up to FORM_BODY_LIMIT_BYTES whether it declared a
   * length or came chunked; past that the answer is 413 and nothing runs (ADR 028).
   */
  function readFormBody(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
    if (req.method === "GET" || req.method === "HEAD") return next();
    readBodyUpTo(req, env.FORM_BODY_LIMIT_BYTES).then((body) => {
      if (body === null) return void answerPayloadTooLarge(req, res, env);
      formBodies.set(req, body);
      next();
    }, next);
  }

  // The public pages from memory (ADR 021) and Stripe's deliveries (ADR 026), in front of Express;
  // everything else, and any page the cache declines, goes to Express and Remix.
  const publicPages = await startPublicPageCache(handleRemix);
  const stripeWebhook = stripeWebhookEndpoint();
  // Request ids, latency by route and /metrics around all three ways in (app/observability).
  const observed = observeRequests(handleRequest, { routes: build.routes, publicDir: path.join(root, "public") });
  const listener = http.createServer((req, res) => {
    // The security headers, on every response, /metrics included.
    beginResponse(res, env, req.url);
    observed(req, res);
  });

  /**
   * Every request: methods no route takes and bodies declared too large are refused, then Stripe's
   * deliveries, the public pages from memory, and Express.
   */
  function handleRequest(req: IncomingMessage, res: ServerResponse) {
    trackInFlight(res);
    if (refuseUnusedMethod(req, res, env)) return;
    if (stripeWebhook.wants(req)) return void stripeWebhook.serve(req, res);
    if (refuseDeclaredOversize(req, res, env)) return;
    if (!publicPages?.wants(req)) return void server(req, res);
    let served: boolean | Promise<boolean>;
    try {
      served = publicPages.serve(req, res);
    } catch {
      return void server(req, res);
    }
    if (served === false) return void server(req, res);
    if (served !== true)
      served.then(
        (served) => served || server(req, res),
        () => server(req, res),
      );
  }

  // CONNECT never reaches handleRequest: Node hands it over as a tunnel request.
  listener.on("connect", refuseTunnel);

  listener.listen(env.PORT, env.HOST, () => {
    const port = (listener.address() as AddressInfo).port;
    bindAppUrlToPort(port);
    const url = `http://localhost:${port}`;
    console.log(`Fighting Fund is running at ${url}`);
    console.log(
      `  database: ${app.databaseDriver === "pglite" ? `embedded PGlite (${env.PGLITE_DATA_DIR})` : "PostgreSQL (DATABASE_URL)"}${app.seeded ? ", demo campaign seeded" : ""}`,
    );
    console.log(
      `  payments: ${env.paymentsMode === "stripe" ? "Stripe" : `simulated — no money moves`}${env.DEMO_MODE ? " (DEMO_MODE: every page says so)" : ""}`,
    );
    console.log(
      `  email:    ${env.emailMode === "resend" ? "Resend" : env.NODE_ENV === "production" ? "not sent: kept in the database, shown on no page (DEMO_MODE)" : `dev mailbox at ${url}/dev/mailbox`}`,
    );
    if (app.demoAdmin)
      console.log(
        `  staff:    ${url}/admin — demo admin ${app.demoAdmin.email} / ${app.demoAdmin.password} (embedded database only)`,
      );
  });

  // Graceful drain (ADR 028): on SIGTERM the listener stops accepting connections, /readyz answers
  // 503, idle keep-alive connections close, and every response finished from then on says
  // "Connection: close". Requests in flight (a streamed CSV, a checkout) get up to
  // SHUTDOWN_GRACE_SECONDS to finish; then the outbox worker, the scheduled jobs and the page
  // cache stop, the database pool closes, and the process exits 0.
  const inFlight = new Set<ServerResponse>();
  let draining = false;

  function trackInFlight(res: ServerResponse) {
    inFlight.add(res);
    if (draining) res.shouldKeepAlive = false;
    // "close" comes once per response: on, not once (which wraps and removes the listener).
    res.on("close", () => {
      inFlight.delete(res);
      // The connection it leaves idle would otherwise stay open for its keep-alive timeout.
      if (draining) setImmediate(() => listener.closeIdleConnections());
    });
  }

  /** Resolves true once no request is in flight, or false when `ms` pass first. */
  function requestsFinished(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const deadline = setTimeout(() => resolve(false), ms);
      const check = () => {
        if (inFlight.size > 0) return void setTimeout(check, 50);
        clearTimeout(deadline);
        resolve(true);
      };
      check();
    });
  }

  async function shutdown(signal: NodeJS.Signals) {
    if (draining) return;
    draining = true;
    markDraining();
    const graceMs = env.SHUTDOWN_GRACE_SECONDS * 1000;
    console.log(
      `${signal} received: draining ${inFlight.size} request(s) in flight, for up to ${env.SHUTDOWN_GRACE_SECONDS} s`,
    );
    // Should closing the pool hang, the process still ends.
    setTimeout(() => process.exit(1), graceMs + 10_000).unref();
    // Connections already queued in the kernel's backlog would be reset by close(), and a proxy
    // cannot resend a POST it has written: let this turn of the event loop accept them first.
    await new Promise((resolve) => setImmediate(resolve));
    listener.close();
    for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    listener.closeIdleConnections();
    if (!(await requestsFinished(graceMs))) {
      console.warn(
        `${inFlight.size} request(s) still running after ${env.SHUTDOWN_GRACE_SECONDS} s: closing their connections`,
      );
      listener.closeAllConnections();
    }
    await publicPages?.stop();
    await app.stop().catch(() => {});
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/** The bodies readFormBody read, for remix() to hand on. */
const formBodies = new WeakMap<IncomingMessage, Buffer>();

/**
 * The client's address as Express computes it under TRUST_PROXY: the socket's peer, or the
 * nearest X-Forwarded-For entry the trusted proxies did not write themselves. Whatever a client
 * puts in its own X-Forwarded-For sits further left and is never read.
 */
function clientAddress(req: ExpressRequest): string {
  return req.ip ?? "unknown";
}

/**
 * Streamed downloads wait on this between batches: Remix's adapter writes without heeding
 * backpressure, so a slow client would otherwise make a large export pile up in memory. It
 * listens on the socket itself: compression() redirects the response's "drain" listeners to
 * its zlib stream (and CSV responses are not compressed: shouldCompress).
 */
function socketDrained(res: ServerResponse): Promise<void> | undefined {
  const socket = res.socket;
  if (!res.writableNeedDrain || !socket || socket.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

/**
 * Before Remix: a form posted from another site is refused with a 403 (see isCrossSitePost), and
 * a browser without a CSRF cookie gets one for all of the page's loaders (see ensureCsrfCookie), but
 * not on the cookie-free paths (the embed and the progress images: isCookieFreePath).
 */
function csrfBeforeRemix(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
  if (isCrossSitePost({ method: req.method, path: req.path, header: (name) => req.get(name) })) {
    res.status(403).type("text/plain; charset=utf-8").send(CROSS_SITE_POST_MESSAGE);
    return;
  }
  if (isCookieFreePath(req.path)) return next();
  Promise.resolve(ensureCsrfCookie({ path: req.path, cookieHeader: req.headers.cookie })).then((csrf) => {
    if (csrf?.issued) {
      req.headers.cookie = csrf.issued.cookieHeader;
      res.append("Set-Cookie", csrf.issued.setCookie);
    }
    next();
  }, next);
}

function refuseTunnel(_req: IncomingMessage, socket: Socket) {
  socket.end(
    "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\nConnection: close\r\n\r\nMethod not allowed.\n",
  );
}

type RemixHandler = ReturnType<typeof createRequestHandler>;

/**
 * Every request Remix answers, the page cache's renders included, runs in its language (ADR 049):
 * the switcher's choice, the saved cookie, Accept-Language, then the campaign's language.
 */
function inRequestLocale(handle: RemixHandler): RemixHandler {
  return async (request, context) => {
    const locale = await localeOfRequest(request, campaignLocaleOf);
    return withRequestLocale(locale, () => handle(request, { ...context, locale }));
  };
}
