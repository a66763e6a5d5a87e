ALTER TABLE "settings" ADD COLUMN "first_print_edition_days" integer DEFAULT 7;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "gifts_tax_deductible" text DEFAULT 'not_stated' NOT NULL;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "stripe_customer_sync_due_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "stripe_customer_sync_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "supporters_stripe_sync_due_idx" ON "supporters" USING btree ("stripe_customer_sync_due_at") WHERE "supporters"."stripe_customer_sync_due_at" is not null;--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_first_print_edition_days" CHECK ("settings"."first_print_edition_days" between 0 and 90);--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_gifts_tax_deductible" CHECK ("settings"."gifts_tax_deductible" in ('not_stated', 'deductible', 'not_deductible'));