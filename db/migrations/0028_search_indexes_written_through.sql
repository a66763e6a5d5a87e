-- Staff search's GIN indexes written through on every insert, without a pending list (ADR 058):
-- a search scans the whole pending list, and after a burst of new supporters (a busy evening of
-- gifts) it held thousands of entries and doubled the search's time until it was merged. drizzle-kit
-- generated a drop and a rebuild; the same definitions are reached by setting the parameter, and
-- the entries pending now are merged once, without rebuilding a large index at start-up.
ALTER INDEX "supporters_search_key_idx" SET (fastupdate = false);--> statement-breakpoint
ALTER INDEX "supporters_search_words_idx" SET (fastupdate = false);--> statement-breakpoint
SELECT gin_clean_pending_list('supporters_search_key_idx'), gin_clean_pending_list('supporters_search_words_idx');
