import { getDb } from "@db/client.server";
import { campaignLocaleBySlug } from "~/campaigns/campaigns.server";
import { describeError, logger } from "~/log.server";

/**
 * The language of the campaign a page is for, for the language's last fallback before English
 * (ADR 049). A failed look-up leaves the page in English rather than failing it.
 */
export async function campaignLocaleOf(slug: string): Promise<string | null> {
  try {
    return await campaignLocaleBySlug(getDb(), slug);
  } catch (error) {
    logger.warn({ err: describeError(error) }, "campaign language not looked up");
    return null;
  }
}
