ALTER TABLE "checkouts" ADD COLUMN "replaces_subscription_id" integer;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "supersede_key" text;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "superseded_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbox_supersede_idx" ON "outbox" USING btree ("supersede_key","created_at") WHERE "outbox"."supersede_key" is not null;