import { getDb } from "@db/client.server";
import { campaignLocaleBySlug } from "~/campaigns/campaigns.server";
import { describeError, logger } from "~/log.server";

/** Slugs kept at most: a URL can name any slug, and a miss is kept too. */
const MAX_KEPT = 1000;

/**
 * The languages of campaigns by slug, for the language's last fallback before English (ADR 049).
 * A page of a campaign asks for every reader whose browser names none of our languages, so the
 * answers are kept, but only while the database can say when campaigns change (`keep`, called by
 * the public page cache once it listens for those notifications; `forget` when one arrives or the
 * subscription is made again). Without that, every look-up asks the database.
 */
export function campaignLocales(lookUp: (slug: string) => Promise<string | null>) {
  let kept: Map<string, Promise<string | null>> | null = null;
  return {
    async of(slug: string): Promise<string | null> {
      const known = kept?.get(slug);
      if (known) return known;
      const answer = lookUp(slug);
      if (kept) {
        if (kept.size >= MAX_KEPT) kept.clear();
        kept.set(slug, answer);
        // A failed look-up is not kept: the next reader asks again.
        answer.catch(() => kept?.delete(slug));
      }
      return answer;
    },
    keep() {
      kept = new Map();
    },
    forget() {
      if (kept) kept = new Map();
    },
  };
}

export const campaignLocaleCache = campaignLocales((slug) => campaignLocaleBySlug(getDb(), slug));

/**
 * The language of the campaign a page is for. A failed look-up leaves the page in English rather
 * than failing it.
 */
export async function campaignLocaleOf(slug: string): Promise<string | null> {
  try {
    return await campaignLocaleCache.of(slug);
  } catch (error) {
    logger.warn({ err: describeError(error) }, "campaign language not looked up");
    return null;
  }
}
