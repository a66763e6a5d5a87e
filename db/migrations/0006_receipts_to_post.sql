ALTER TABLE "receipts" ADD COLUMN "needs_posting" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "receipts_to_post_idx" ON "receipts" USING btree ("payment_id") WHERE "receipts"."needs_posting" and "receipts"."posted_at" is null;--> statement-breakpoint
-- Receipts issued before this migration to supporters without email, never emailed and not posted yet.
UPDATE "receipts" r SET "needs_posting" = true
FROM "payments" p JOIN "supporters" s ON s."id" = p."supporter_id"
WHERE p."id" = r."payment_id" AND s."email" IS NULL AND r."posted_at" IS NULL
  AND NOT EXISTS (SELECT 1 FROM "outbox" o WHERE o."idempotency_key" = 'receipt:' || p."id");
