// The production server: Express in front of the Remix build, with start-up (env, migrations,
// seed, outbox worker) before listening and a graceful shutdown that closes the database pool.
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
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
// Behind a reverse proxy, req.ip must be the client, not the proxy (rate limits key on it).
if (env.TRUST_PROXY) server.set("trust proxy", true);
// CSV downloads go uncompressed: they stream in batches paced by the socket's drain (see
// socketDrained), which compression's own buffering would hide.
server.use(compression({ filter: (req, res) => !String(res.getHeader("Content-Type") ?? "").startsWith("text/csv") && compression.filter(req, res) }));
server.use(securityHeaders);
server.use("/build", express.static(path.join(root, "public", "build"), { immutable: true, maxAge: "1y" }));
server.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
server.use(csrfBeforeRemix);
server.all(
  "*",
  createRequestHandler({ build, mode: env.NODE_ENV, getLoadContext: (req, res) => ({
      clientAddress: req.ip ?? "unknown",
      cspNonce: res.locals.cspNonce,
      responseDrained: () => socketDrained(res),
    }) }),
);

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
const publicPages = await build.entry.module.startPublicPageCache(createFetchHandler(build, env.NODE_ENV));
const stripeWebhook = build.entry.module.stripeWebhookEndpoint();
// Request ids, latency by route and /metrics around all three ways in (app/observability).
const observed = (handler) => build.entry.module.observeRequests(handler, { routes: build.routes, publicDir: path.join(root, "public") });
const listener = http.createServer(observed((req, res) => {
  if (stripeWebhook.wants(req)) return void stripeWebhook.serve(req, res);
  if (!publicPages?.wants(req)) return server(req, res);
  publicPages.serve(req, res).then(
    (served) => served || server(req, res),
    () => server(req, res),
  );
}));
listener.listen(env.PORT, env.HOST, () => {
  build.entry.module.bindAppUrlToPort(listener.address().port);
  const url = `http://localhost:${listener.address().port}`;
  console.log(`Fighting Fund is running at ${url}`);
  console.log(`  database: ${app.databaseDriver === "pglite" ? `embedded PGlite (${env.PGLITE_DATA_DIR})` : "PostgreSQL (DATABASE_URL)"}${app.seeded ? ", demo campaign seeded" : ""}`);
  console.log(`  payments: ${env.paymentsMode === "stripe" ? "Stripe" : `simulated — no money moves`}`);
  console.log(`  email:    ${env.emailMode === "resend" ? "Resend" : `dev mailbox at ${url}/dev/mailbox`}`);
  if (app.demoAdmin) console.log(`  staff:    ${url}/admin — demo admin ${app.demoAdmin.email} / ${app.demoAdmin.password} (embedded database only)`);
});

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, shutting down`);
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  listener.close();
  listener.closeAllConnections?.();
  await publicPages?.stop();
  await app.stop().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
