CREATE TABLE "refund_observations" (
	"id" serial PRIMARY KEY NOT NULL,
	"payment_id" integer NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	"refunded_total_minor" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refund_observations_total_positive" CHECK ("refund_observations"."refunded_total_minor" > 0)
);
--> statement-breakpoint
ALTER TABLE "refund_observations" ADD CONSTRAINT "refund_observations_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "refund_observations_unique" ON "refund_observations" USING btree ("payment_id","observed_at","refunded_total_minor");--> statement-breakpoint
CREATE INDEX "refund_observations_observed_idx" ON "refund_observations" USING btree ("observed_at");--> statement-breakpoint
-- Refunds recorded before this table: one observation of the whole refunded total, dated by the
-- last refund staff made of the payment, or (refunded in the Stripe Dashboard, date unknown) by
-- the payment itself (ADR 046).
INSERT INTO "refund_observations" ("payment_id", "observed_at", "refunded_total_minor")
SELECT p."id",
       coalesce((SELECT max(r."accepted_at") FROM "payment_refunds" r WHERE r."payment_id" = p."id"), p."paid_at"),
       least(p."refunded_minor", p."amount_minor")
FROM "payments" p
WHERE p."refunded_minor" > 0;
