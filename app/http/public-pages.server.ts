import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppLoadContext } from "@remix-run/node";
import { listen } from "@db/client.server";
import { ensureCsrfCookie } from "~/auth/csrf.server";
import { getEnv } from "~/env.server";
import { resolveLocale } from "~/i18n/request-locale.server";
import { describeError, logger } from "~/log.server";
import { nameRoute } from "~/observability/request-context.server";
import { campaignLocaleCache, campaignLocaleOf } from "./campaign-locale.server";
import { cspNonceOf, sendBuffered } from "./response-rules.server";
import { isPublicPagePath, PUBLIC_PAGES_CHANNEL, PublicPageCache } from "./public-page-cache.server";

type Render = (request: Request, context: AppLoadContext) => Promise<Response>;

/**
 * For the server (app/http/server.server.ts), once the app has started: the public page cache
 * (ADR 021), made stale by every notification on the channel migration 0007's triggers send to,
 * and by every (re)connection of the listening connection (what was sent while it was down is lost).
 *
 * It answers in front of Express: Express's own routing and middleware cost more than the page
 * does once it is in memory. The rules every response follows come from the same functions as
 * Express's (app/http/response-rules.server.ts: the security headers and this response's nonce,
 * compression); the CSRF cookie is ensureCsrfCookie, as before Remix.
 */
export async function startPublicPageCache(render: Render) {
  const env = getEnv();
  const cache = new PublicPageCache({ render, origin: env.appUrl });
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await listen(
      PUBLIC_PAGES_CHANNEL,
      (table) => {
        cache.invalidate();
        // Campaigns' languages are kept while these notifications say when campaigns change.
        if (table !== "campaign_totals") campaignLocaleCache.forget();
      },
      () => {
        cache.invalidate();
        campaignLocaleCache.keep();
      },
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
    /**
     * Answers the request from the cache; false (nothing written) leaves it to Express. At once
     * when nothing needs waiting for (the page is in memory, the reader is new or their language
     * is known): a promise only for a render, a cookie to verify or a campaign's language (ADR 053).
     */
    serve(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> {
      const request = {
        url: req.url ?? "",
        cookieHeader: req.headers.cookie,
        acceptLanguage: req.headers["accept-language"],
      };
      return after(ensureCsrfCookie({ path: request.url, cookieHeader: request.cookieHeader }), (csrf) =>
        // The language the page is rendered in, the campaign's fallback included (ADR 049): the
        // cache keeps one page per resolved language, never one per Accept-Language.
        csrf
          ? after(resolveLocale(request, campaignLocaleOf), (locale) =>
              servePage(cache, req, res, request, csrf, locale),
            )
          : false,
      );
    },
    async stop() {
      await unlisten?.().catch(() => {});
    },
  };
}

/** The reader's page from the cache, with their token and this response's nonce; false if it has none for them. */
function servePage(
  cache: PublicPageCache,
  req: IncomingMessage,
  res: ServerResponse,
  request: { url: string; cookieHeader: string | undefined; acceptLanguage: string | undefined },
  csrf: NonNullable<Awaited<ReturnType<typeof ensureCsrfCookie>>>,
  locale: Awaited<ReturnType<typeof resolveLocale>>,
): boolean | Promise<boolean> {
  const page = cache.serve({
    method: "GET",
    url: request.url,
    cookieHeader: csrf.issued?.cookieHeader ?? request.cookieHeader,
    csrfToken: csrf.token,
    nonce: cspNonceOf(res),
    acceptLanguage: request.acceptLanguage,
    locale,
  });
  return after(page, (page) => {
    if (!page) return false;
    nameRoute("public-page-cache");
    if (csrf.issued) res.setHeader("Set-Cookie", csrf.issued.setCookie);
    sendBuffered(req, res, { status: page.status, headers: page.headers, body: page.body });
    return true;
  });
}

/** `next(value)`, at once for a value, once it is there for a promise. */
function after<T, U>(value: T | Promise<T>, next: (value: T) => U | Promise<U>): U | Promise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Where it always was, for its callers; the rule itself is the pipeline's (response-rules.server.ts). */
export { acceptsGzip } from "./response-rules.server";
