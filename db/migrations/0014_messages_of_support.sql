ALTER TABLE "payments" ADD COLUMN "message_status" text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "message_moderated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "message_moderated_by_staff_id" integer;--> statement-breakpoint
CREATE INDEX "payments_messages_idx" ON "payments" USING btree ("message_status","paid_at","id") WHERE "payments"."message" is not null;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_message_status_known" CHECK ("payments"."message_status" in ('pending', 'approved', 'hidden'));