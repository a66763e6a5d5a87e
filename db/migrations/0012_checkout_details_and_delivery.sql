ALTER TABLE "checkouts" ADD COLUMN "supporter_id" integer;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "delivery_address" jsonb;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "delivery_address" jsonb;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "checkout_details" jsonb;--> statement-breakpoint
ALTER TABLE "checkouts" ADD CONSTRAINT "checkouts_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;