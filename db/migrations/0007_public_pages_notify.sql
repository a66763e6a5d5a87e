-- The public pages (/, /support, /c/<slug>) are rendered once and served from memory until what
-- they show changes (ADR 021). What they show lives in these tables; a change to any of them tells
-- every app process, on commit, through one notification channel. PostgreSQL folds identical
-- notifications of one transaction into one, so a payment (whose rollup trigger writes
-- campaign_totals) sends one.
CREATE FUNCTION "notify_public_pages"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ff_public_pages', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "settings_public_pages" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "settings" FOR EACH STATEMENT EXECUTE FUNCTION notify_public_pages();
--> statement-breakpoint
CREATE TRIGGER "campaigns_public_pages" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "campaigns" FOR EACH STATEMENT EXECUTE FUNCTION notify_public_pages();
--> statement-breakpoint
CREATE TRIGGER "plans_public_pages" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "plans" FOR EACH STATEMENT EXECUTE FUNCTION notify_public_pages();
--> statement-breakpoint
CREATE TRIGGER "campaign_totals_public_pages" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "campaign_totals" FOR EACH STATEMENT EXECUTE FUNCTION notify_public_pages();
