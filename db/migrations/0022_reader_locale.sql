ALTER TABLE "checkouts" ADD COLUMN "locale" text DEFAULT 'en' NOT NULL;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "locale" text DEFAULT 'en' NOT NULL;