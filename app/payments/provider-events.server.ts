import type { DB } from "@db/client.server";
import { exactTime, keyset, newestFirstPage } from "@db/keyset.server";
import { providerEvents } from "@db/schema";

const EVENTS_PAGE = 50;
/** A position in the events list: when the event was received, then its id. */
const byReceivedAndId = keyset(["time", "text"]);

/**
 * Provider events as received, newest first, a keyset page at a time from `before` (a cursor
 * from an earlier page; anything else is the first page). Only events applied successfully are
 * stored here: a failed application rolls back its row (and is kept in webhook_failures instead).
 */
export async function listProviderEvents(
  db: DB,
  { before, limit = EVENTS_PAGE }: { before?: string | null; limit?: number },
) {
  const position = byReceivedAndId.parse(before);
  return newestFirstPage(
    db,
    {
      table: providerEvents,
      keyset: byReceivedAndId,
      scope: undefined,
      at: providerEvents.receivedAt,
      id: providerEvents.id,
      query: () =>
        db
          .select({
            id: providerEvents.id,
            type: providerEvents.type,
            providerCreatedAt: providerEvents.providerCreatedAt,
            receivedAt: providerEvents.receivedAt,
            processedAt: providerEvents.processedAt,
            cursorAt: exactTime(providerEvents.receivedAt),
          })
          .from(providerEvents)
          .$dynamic(),
    },
    position ? { before: position } : undefined,
    limit,
  );
}
