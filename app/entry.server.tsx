import { Transform } from "node:stream";
import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
// Installs the server's catalogues: t() in loaders, actions and rendering reads the request's language.
import "~/i18n/catalogue.server";
import { describeError, logger } from "~/log.server";
import { NonceProvider } from "~/ui/nonce";

// The production server (server.mjs loads the build and calls it): app/http/server.server.ts.
export { runServer } from "~/http/server.server";

const ABORT_DELAY = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const bot = isbot(request.headers.get("user-agent") || "");
  // The server made the nonce and put it in the Content-Security-Policy header of this response
  // (app/http/response-rules.server.ts).
  const nonce = typeof loadContext.cspNonce === "string" ? loadContext.cspNonce : undefined;
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const app = (
      <NonceProvider value={nonce ?? ""}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceProvider>
    );
    const { pipe, abort } = renderToPipeableStream(app, {
      nonce,
      [bot ? "onAllReady" : "onShellReady"]() {
        shellRendered = true;
        const body = withoutTrailingNuls();
        responseHeaders.set("Content-Type", "text/html; charset=utf-8");
        // A page's language comes from the cookie or Accept-Language (ADR 049).
        responseHeaders.append("Vary", "Accept-Language, Cookie");
        keepLoadersNoStore(remixContext, responseHeaders);
        resolve(
          new Response(createReadableStreamFromReadable(body), {
            headers: responseHeaders,
            status: responseStatusCode,
          }),
        );
        pipe(body);
      },
      onShellError(error: unknown) {
        reject(error);
      },
      onError(error: unknown) {
        responseStatusCode = 500;
        if (shellRendered) logger.error({ err: describeError(error) }, "render error");
      },
    });
    setTimeout(abort, ABORT_DELAY);
  });
}

/**
 * React 18's streaming renderer writes into a 2 KB buffer and, when a multi-byte character
 * (Cyrillic, «», —) does not fit at its end, still flushes the whole buffer: the bytes it did not
 * write go out as NULs in the middle of the page (facebook/react#26228, fixed in React 19 only).
 * No page of ours holds a NUL (every form refuses control characters), so NULs that end a chunk
 * are that, and are dropped.
 */
export function withoutTrailingNuls(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let end = chunk.length;
      while (end > 0 && chunk[end - 1] === 0) end -= 1;
      done(null, end === chunk.length ? chunk : chunk.subarray(0, end));
    },
  });
}

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  // A request Remix answers with 4xx (no such page, a method a route does not take) is the
  // client's mistake, not ours: the answer says so, the error log does not.
  if (isRouteErrorResponse(error) && error.status < 500) return;
  // The message of a failed query quotes its parameters (names, emails): log a description and
  // the stack without its first line, which repeats the message.
  logger.error(
    {
      err: describeError(error),
      stack: error instanceof Error ? error.stack?.split("\n").slice(1).join("\n") : undefined,
      path: new URL(request.url).pathname,
    },
    "unhandled error",
  );
}

/**
 * Remix builds a page's headers only from routes that export `headers`, so a loader's "no-store"
 * (/pay/<token>, say) would silently not reach the page: whatever a matched loader or action asked
 * for here, the page gets. (Referrer-Policy is not carried: the global same-origin already keeps
 * a page's address from other sites, and "no-referrer" would make its forms post Origin: null,
 * which Remix refuses.)
 */
function keepLoadersNoStore(remixContext: EntryContext, responseHeaders: Headers) {
  const { loaderHeaders, actionHeaders } = remixContext.staticHandlerContext;
  const asked = [...Object.values(loaderHeaders ?? {}), ...Object.values(actionHeaders ?? {})];
  if (
    asked.some((h) => /\bno-store\b/.test(h.get("Cache-Control") ?? "")) &&
    !/\bno-store\b/.test(responseHeaders.get("Cache-Control") ?? "")
  ) {
    responseHeaders.set("Cache-Control", "private, no-store");
  }
}
