import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { AppLoadContext } from "@remix-run/node";
import { listen } from "@db/client.server";
import { ensureCsrfCookie } from "~/auth/csrf.server";
import { getEnv } from "~/env.server";
import { describeError, logger } from "~/log.server";
import { nameRoute } from "~/observability/request-context.server";
import { newCspNonce, securityHeaders } from "~/security-headers.server";
import { isPublicPagePath, PUBLIC_PAGES_CHANNEL, PublicPageCache } from "./public-page-cache.server";

type Render = (request: Request, context: AppLoadContext) => Promise<Response>;

/**
 * For server.mjs, once the app has started: the public page cache (ADR 021), made stale by every
 * notification on the channel migration 0007's triggers send to, and by every (re)connection of
 * the listening connection (what was sent while it was down is lost).
 *
 * It answers in front of Express: Express's own routing and middleware cost more than the page
 * does once it is in memory. So this does, for these pages only, what server.mjs's middleware does
 * for every response: the security headers with a fresh nonce, the CSRF cookie, gzip.
 */
export async function startPublicPageCache(render: Render) {
  const env = getEnv();
  const cache = new PublicPageCache({ render, origin: env.appUrl });
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await listen(
      PUBLIC_PAGES_CHANNEL,
      () => cache.invalidate(),
      () => cache.invalidate(),
    );
  } catch (error) {
    // Without notifications a page would only be as fresh as its ten-second expiry: no cache.
    logger.error({ err: describeError(error) }, "public page cache off: cannot listen for changes");
    return null;
  }

  return {
    /** Whether this request may be a cached page; everything else goes straight to Express. */
    wants(req: IncomingMessage): boolean {
      return req.method === "GET" && isPublicPagePath(req.url ?? "");
    },
    /** Answers the request from the cache; false (nothing written) leaves it to Express. */
    async serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
      const csrf = await ensureCsrfCookie({ path: req.url ?? "", cookieHeader: req.headers.cookie });
      if (!csrf) return false;
      const nonce = newCspNonce();
      const page = await cache.serve({ method: "GET", url: req.url ?? "", cookieHeader: csrf.issued?.cookieHeader ?? req.headers.cookie, csrfToken: csrf.token, nonce });
      if (!page) return false;
      nameRoute("public-page-cache");
      res.statusCode = page.status;
      for (const [name, value] of Object.entries(securityHeaders({ nonce, env }))) res.setHeader(name, value);
      for (const [name, value] of page.headers) res.setHeader(name, value);
      if (csrf.issued) res.setHeader("Set-Cookie", csrf.issued.setCookie);
      res.setHeader("Vary", "Accept-Encoding");
      let body = page.body;
      if (acceptsGzip(req.headers["accept-encoding"])) {
        body = gzipSync(body);
        res.setHeader("Content-Encoding", "gzip");
      }
      res.setHeader("Content-Length", body.length);
      res.end(body);
      return true;
    },
    async stop() {
      await unlisten?.().catch(() => {});
    },
  };
}

/** `gzip` listed and not refused with q=0 (every browser lists it). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").some((entry) => {
    const [coding, ...params] = entry.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
