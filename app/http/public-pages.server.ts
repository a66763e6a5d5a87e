import type { AppLoadContext } from "@remix-run/node";
import { listen } from "@db/client.server";
import { getEnv } from "~/env.server";
import { describeError, logger } from "~/log.server";
import { PUBLIC_PAGES_CHANNEL, PublicPageCache } from "./public-page-cache.server";

/**
 * For server.mjs, once the app has started: the public page cache (ADR 021), made stale by every
 * notification on the channel migration 0007's triggers send to, and by every (re)connection of
 * the listening connection (what was sent while it was down is lost).
 */
export async function startPublicPageCache(render: (request: Request, context: AppLoadContext) => Promise<Response>) {
  const cache = new PublicPageCache({ render, origin: getEnv().appUrl });
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
    serve: cache.serve.bind(cache),
    async stop() {
      await unlisten?.().catch(() => {});
    },
  };
}
