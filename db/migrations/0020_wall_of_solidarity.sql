ALTER TABLE "checkouts" ADD COLUMN "show_amount" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "wall_name" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "wall_town" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "wall_shows_amount" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "pledges" ADD COLUMN "anonymous" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "pledges" ADD COLUMN "message" text;--> statement-breakpoint
CREATE INDEX "payments_wall_idx" ON "payments" USING btree ("campaign_id","paid_at","id") WHERE "payments"."message" is not null and "payments"."message_status" = 'approved';--> statement-breakpoint
-- The wall of solidarity is on the cached public pages (ADR 021, 043): approving, hiding or erasing
-- a message, and a supporter's later wish not to be named, make them stale like a payment does.
CREATE TRIGGER "payments_wall_public_pages" AFTER UPDATE OF "message", "message_status", "anonymous", "wall_name", "wall_town", "wall_shows_amount" ON "payments" FOR EACH STATEMENT EXECUTE FUNCTION notify_public_pages();
--> statement-breakpoint
CREATE TRIGGER "supporters_wall_public_pages" AFTER UPDATE OF "anonymous", "erased_at" ON "supporters" FOR EACH STATEMENT EXECUTE FUNCTION notify_public_pages();
--> statement-breakpoint
-- Messages approved before the wall existed: their names taken now, as approval would have.
UPDATE "payments" AS p SET "wall_name" = nullif(split_part(btrim(s."name"), ' ', 1), ''), "wall_town" = nullif(btrim(s."address_city"), '')
FROM "supporters" AS s
WHERE s."id" = p."supporter_id" AND p."message" IS NOT NULL AND p."message_status" = 'approved' AND s."erased_at" IS NULL;
