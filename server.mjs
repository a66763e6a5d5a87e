// The production server: Express in front of the Remix build, with start-up (env, migrations,
// seed, outbox worker) before listening and, on SIGTERM, a graceful drain that lets requests in
// flight finish before the database pool closes (ADR 028).
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
// The Express adapter's own request and response halves (its handler would read the body itself).
import remixExpress from "@remix-run/express/dist/server.js";
import { createRequestHandler as createFetchHandler } from "@remix-run/node";
import compression from "compression";
import express from "express";

const root = path.dirname(fileURLToPath(import.meta.url));
const build = await import(pathToFileURL(path.join(root, "build", "index.js")).href);

let app;
try {
  app = await build.entry.module.startApp();
} catch (error) {
  if (error instanceof build.entry.module.EnvError) {
    console.error("Fighting Fund cannot start: the environment is not valid.");
    for (const line of error.lines) console.error(`  ${line}`);
  } else {
    console.error("Fighting Fund cannot start:", error instanceof Error ? error.message : error);
  }
  process.exit(1);
}

const { env } = app;
const server = express();
server.disable("x-powered-by");
// Behind a reverse proxy, req.ip is the client, not the proxy: rate limits key on it. TRUST_PROXY
// is false, a hop count or the proxies' addresses, never "every hop" (ADR 028), and req.ip is the
// one place a client address is computed (see clientAddress).
server.set("trust proxy", env.TRUST_PROXY);
// CSV downloads go uncompressed: they stream in batches paced by the socket's drain (see
// socketDrained), which compression's own buffering would hide.
server.use(compression({ filter: (req, res) => !String(res.getHeader("Content-Type") ?? "").startsWith("text/csv") && compression.filter(req, res) }));
server.use(securityHeaders);
server.use("/build", express.static(path.join(root, "public", "build"), { immutable: true, maxAge: "1y" }));
server.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
server.use(csrfBeforeRemix);
server.use(readFormBody);
server.all("*", remix);

const handleRemix = createFetchHandler(build, env.NODE_ENV);
const { createRemixRequest, sendRemixResponse } = remixExpress;

/**
 * Remix with the body readFormBody read (Express's adapter, but for the body): Remix never reads
 * a request stream itself, so no form is larger than FORM_BODY_LIMIT_BYTES.
 */
async function remix(req, res, next) {
  try {
    const streamed = createRemixRequest(req, res);
    const body = res.locals.formBody;
    const request = body === undefined ? streamed : new Request(streamed.url, { method: streamed.method, headers: streamed.headers, signal: streamed.signal, body, duplex: "half" });
    const response = await handleRemix(request, { clientAddress: clientAddress(req), cspNonce: res.locals.cspNonce, responseDrained: () => socketDrained(res) });
    await sendRemixResponse(res, response);
  } catch (error) {
    next(error);
  }
}

/**
 * Every body Express sees is read here first, up to FORM_BODY_LIMIT_BYTES whether it declared a
 * length or came chunked; past that the answer is 413 and nothing runs (ADR 028).
 */
function readFormBody(req, res, next) {
  if (req.method === "GET" || req.method === "HEAD") return next();
  build.entry.module.readBodyUpTo(req, env.FORM_BODY_LIMIT_BYTES).then((body) => {
    if (body === null) return void build.entry.module.answerPayloadTooLarge(res, env);
    res.locals.formBody = body;
    next();
  }, next);
}

/**
 * The client's address as Express computes it under TRUST_PROXY: the socket's peer, or the
 * nearest X-Forwarded-For entry the trusted proxies did not write themselves. Whatever a client
 * puts in its own X-Forwarded-For sits further left and is never read.
 */
function clientAddress(req) {
  return req.ip ?? "unknown";
}

/**
 * Streamed downloads wait on this between batches: Remix's adapter writes without heeding
 * backpressure, so a slow client would otherwise make a large export pile up in memory. It
 * listens on the socket itself: compression() redirects the response's "drain" listeners to
 * its zlib stream (and CSV responses are not compressed, above).
 */
function socketDrained(res) {
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
 * Every response (pages, redirects, JSON, CSV, static files, errors) gets the headers of
 * app/security-headers.server.ts, with a fresh CSP nonce that the page's scripts carry. They are
 * filled in as the response starts, so a route that sets one of them itself (a download's own
 * X-Content-Type-Options, say) keeps its value instead of getting two.
 */
function securityHeaders(req, res, next) {
  const nonce = build.entry.module.newCspNonce();
  res.locals.cspNonce = nonce;
  const headers = build.entry.module.securityHeaders({ nonce, env });
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadWithSecurityHeaders(...args) {
    for (const [name, value] of Object.entries(headers)) if (!res.hasHeader(name)) res.setHeader(name, value);
    return writeHead.apply(this, args);
  };
  next();
}

/**
 * Before Remix: a form posted from another site is refused with a 403 (see isCrossSitePost), and
 * a browser without a CSRF cookie gets one for all of the page's loaders (see ensureCsrfCookie).
 */
function csrfBeforeRemix(req, res, next) {
  if (build.entry.module.isCrossSitePost({ method: req.method, path: req.path, header: (name) => req.get(name) })) {
    res.status(403).type("text/plain; charset=utf-8").send(build.entry.module.CROSS_SITE_POST_MESSAGE);
    return;
  }
  build.entry.module
    .ensureCsrfCookie({ path: req.path, cookieHeader: req.headers.cookie })
    .then((csrf) => {
      if (csrf?.issued) {
        req.headers.cookie = csrf.issued.cookieHeader;
        res.append("Set-Cookie", csrf.issued.setCookie);
      }
      next();
    }, next);
}

// The public pages from memory (ADR 021) and Stripe's deliveries (ADR 026), in front of Express;
// everything else, and any page the cache declines, goes to Express and Remix.
const publicPages = await build.entry.module.startPublicPageCache(handleRemix);
const stripeWebhook = build.entry.module.stripeWebhookEndpoint();
// Request ids, latency by route and /metrics around all three ways in (app/observability).
const observed = (handler) => build.entry.module.observeRequests(handler, { routes: build.routes, publicDir: path.join(root, "public") });
const listener = http.createServer(observed(handleRequest));

/**
 * Every request: methods no route takes and bodies declared too large are refused, then Stripe's
 * deliveries, the public pages from memory, and Express.
 */
function handleRequest(req, res) {
  trackInFlight(res);
  if (build.entry.module.refuseUnusedMethod(req, res, env)) return;
  if (stripeWebhook.wants(req)) return void stripeWebhook.serve(req, res);
  if (build.entry.module.refuseDeclaredOversize(req, res, env)) return;
  if (!publicPages?.wants(req)) return server(req, res);
  publicPages.serve(req, res).then(
    (served) => served || server(req, res),
    () => server(req, res),
  );
}

// CONNECT never reaches handleRequest: Node hands it over as a tunnel request.
listener.on("connect", refuseTunnel);

function refuseTunnel(req, socket) {
  socket.end("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\nConnection: close\r\n\r\nMethod not allowed.\n");
}

listener.listen(env.PORT, env.HOST, () => {
  build.entry.module.bindAppUrlToPort(listener.address().port);
  const url = `http://localhost:${listener.address().port}`;
  console.log(`Fighting Fund is running at ${url}`);
  console.log(`  database: ${app.databaseDriver === "pglite" ? `embedded PGlite (${env.PGLITE_DATA_DIR})` : "PostgreSQL (DATABASE_URL)"}${app.seeded ? ", demo campaign seeded" : ""}`);
  console.log(`  payments: ${env.paymentsMode === "stripe" ? "Stripe" : `simulated — no money moves`}${env.DEMO_MODE ? " (DEMO_MODE: every page says so)" : ""}`);
  console.log(`  email:    ${env.emailMode === "resend" ? "Resend" : env.NODE_ENV === "production" ? "not sent: kept in the database, shown on no page (DEMO_MODE)" : `dev mailbox at ${url}/dev/mailbox`}`);
  if (app.demoAdmin) console.log(`  staff:    ${url}/admin — demo admin ${app.demoAdmin.email} / ${app.demoAdmin.password} (embedded database only)`);
});

// Graceful drain (ADR 028): on SIGTERM the listener stops accepting connections, /readyz answers
// 503, idle keep-alive connections close, and every response finished from then on says
// "Connection: close". Requests in flight (a streamed CSV, a checkout) get up to
// SHUTDOWN_GRACE_SECONDS to finish; then the outbox worker, the scheduled jobs and the page
// cache stop, the database pool closes, and the process exits 0.
const inFlight = new Set();
let draining = false;

function trackInFlight(res) {
  inFlight.add(res);
  if (draining) res.shouldKeepAlive = false;
  res.once("close", () => {
    inFlight.delete(res);
    // The connection it leaves idle would otherwise stay open for its keep-alive timeout.
    if (draining) setImmediate(() => listener.closeIdleConnections());
  });
}

/** Resolves true once no request is in flight, or false when `ms` pass first. */
function requestsFinished(ms) {
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

async function shutdown(signal) {
  if (draining) return;
  draining = true;
  build.entry.module.markDraining();
  const graceMs = env.SHUTDOWN_GRACE_SECONDS * 1000;
  console.log(`${signal} received: draining ${inFlight.size} request(s) in flight, for up to ${env.SHUTDOWN_GRACE_SECONDS} s`);
  // Should closing the pool hang, the process still ends.
  setTimeout(() => process.exit(1), graceMs + 10_000).unref();
  // Connections already queued in the kernel's backlog would be reset by close(), and a proxy
  // cannot resend a POST it has written: let this turn of the event loop accept them first.
  await new Promise((resolve) => setImmediate(resolve));
  listener.close();
  for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
  listener.closeIdleConnections();
  if (!(await requestsFinished(graceMs))) {
    console.warn(`${inFlight.size} request(s) still running after ${env.SHUTDOWN_GRACE_SECONDS} s: closing their connections`);
    listener.closeAllConnections();
  }
  await publicPages?.stop();
  await app.stop().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
