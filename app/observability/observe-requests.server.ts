import { createHash, timingSafeEqual } from "node:crypto";
import { readdirSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import { matchRoutes } from "@remix-run/react";
import { getEnv } from "~/env.server";
import { originForHost } from "~/origins.server";
import { describeError, logger } from "~/log.server";
import { httpRequestDuration, renderMetrics } from "./metrics.server";
import { REQUEST_ID_HEADER, requestIdFrom, runWithRequestContext, type RequestContext } from "./request-context.server";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export const METRICS_PATH = "/metrics";

/**
 * For server.mjs, around its one HTTP listener, so all three ways in (Stripe's deliveries, the
 * cached public pages, Express and Remix) are treated alike: each request gets an id (the
 * caller's X-Request-Id if it is a short safe token, else a new one), sent back on the response
 * and carried by every log line written while it is handled; its latency is recorded under a
 * bounded route name; and GET /metrics is answered here, before anything else, when
 * METRICS_TOKEN is set (unset, the path goes on to the app, which has no such page: 404).
 */
export function observeRequests(
  listener: Listener,
  { routes, publicDir }: { routes: ServerBuild["routes"]; publicDir?: string },
): Listener {
  const token = getEnv().METRICS_TOKEN;
  const routeName = routeNamer(routes, publicDir);
  return (req, res) => {
    const started = process.hrtime.bigint();
    const context: RequestContext = {
      requestId: requestIdFrom(req.headers["x-request-id"]),
      // Links made for this request point to the allowed address it came to (ADR 051).
      origin: originForHost(req.headers.host),
    };
    res.setHeader(REQUEST_ID_HEADER, context.requestId);
    // "close" comes once per response: on, not once (which wraps and removes the listener).
    res.on("close", () => {
      const route = context.route ?? routeName(req.url ?? "/");
      const statusClass = res.writableFinished ? `${Math.floor(res.statusCode / 100)}xx` : "aborted";
      httpRequestDuration.observe(
        { route, method: methodLabel(req.method), status_class: statusClass },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    runWithRequestContext(context, () => {
      if (token && pathOf(req.url) === METRICS_PATH) {
        context.route = "metrics";
        void serveMetrics(req, res, token);
        return;
      }
      listener(req, res);
    });
  };
}

async function serveMetrics(req: IncomingMessage, res: ServerResponse, token: string) {
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  if (req.method !== "GET" && req.method !== "HEAD")
    return void plain(res, 405, "Method not allowed\n", { Allow: "GET, HEAD" });
  if (!bearerMatches(req.headers.authorization, token))
    return void plain(res, 401, "Unauthorized\n", { "WWW-Authenticate": 'Bearer realm="metrics"' });
  try {
    const { contentType, body } = await renderMetrics();
    res.statusCode = 200;
    res.setHeader("Content-Type", contentType);
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(req.method === "HEAD" ? undefined : body);
  } catch (error) {
    logger.error({ err: describeError(error) }, "metrics not rendered");
    plain(res, 500, "Metrics could not be rendered\n");
  }
}

function plain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(body);
}

/** `Authorization: Bearer <token>`, compared in constant time (digests, so the length leaks nothing either). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
  if (!given) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const end = raw.indexOf("?");
  return end === -1 ? raw : raw.slice(0, end);
}

function methodLabel(method: string | undefined): string {
  return method === "GET" || method === "HEAD" || method === "POST" ? method : "other";
}

type RouteNode = { id: string; path?: string; index?: boolean; caseSensitive?: boolean; children?: RouteNode[] };

/**
 * A request's route name, never its URL: the id of the deepest Remix route its path matches
 * (or of the route a `?_data=` request asks), "static" for the built assets and the files in
 * public/, "unmatched" for anything else (the app's 404s).
 */
export function routeNamer(routes: ServerBuild["routes"], publicDir?: string): (url: string) => string {
  const all = Object.values(routes).filter((route) => route !== undefined);
  const tree = (parentId: string | undefined): RouteNode[] =>
    all
      .filter((route) => route.parentId === parentId)
      .map((route) => ({
        id: route.id,
        path: route.path,
        index: route.index,
        caseSensitive: route.caseSensitive,
        children: route.index ? undefined : tree(route.id),
      }));
  const roots = tree(undefined);
  const publicFiles = new Set(listPublicFiles(publicDir));
  // matchRoutes compiles every route's path on each call (ADR 026): remember each path's name,
  // forgetting them all whenever the memo is full, so unique paths (/pay/<token>) cannot grow it.
  const named = new Map<string, string>();
  return (url) => {
    const known = named.get(url);
    if (known) return known;
    if (named.size >= 5_000) named.clear();
    const name = nameOf(url);
    named.set(url, name);
    return name;
  };

  function nameOf(url: string): string {
    const parsed = new URL(url, "http://localhost");
    const path = parsed.pathname;
    if (path.startsWith("/build/") || publicFiles.has(path.slice(1))) return "static";
    const data = parsed.searchParams.get("_data");
    if (data && Object.hasOwn(routes, data)) return data;
    // An index route has no children: the shape matchRoutes wants, which its types cannot see here.
    const matches = matchRoutes(roots as Parameters<typeof matchRoutes>[0], path);
    return matches?.at(-1)?.route.id ?? "unmatched";
  }
}

function listPublicFiles(dir: string | undefined): string[] {
  if (!dir) return [];
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}
