CREATE TABLE "pledges" (
	"id" serial PRIMARY KEY NOT NULL,
	"supporter_id" integer NOT NULL,
	"campaign_id" integer NOT NULL,
	"plan_id" integer,
	"kind" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"pay_method" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"notes" text,
	"taken_by_staff_id" integer NOT NULL,
	"link_token_hash" text,
	"expires_at" timestamp with time zone,
	"reminder_sent_at" timestamp with time zone,
	"payment_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pledges_kind_known" CHECK (kind in ('one_off', 'monthly', 'tier_monthly', 'tier_one_time')),
	CONSTRAINT "pledges_currency_known" CHECK (currency in ('AUD', 'NZD', 'USD', 'CAD', 'GBP', 'EUR')),
	CONSTRAINT "pledges_amount_positive" CHECK ("pledges"."amount_minor" > 0),
	CONSTRAINT "pledges_status_known" CHECK ("pledges"."status" in ('pending', 'paid', 'cancelled', 'expired')),
	CONSTRAINT "pledges_pay_method_known" CHECK ("pledges"."pay_method" in ('link', 'cheque', 'bank_transfer', 'cash'))
);
--> statement-breakpoint
CREATE TABLE "staff_notes" (
	"id" serial PRIMARY KEY NOT NULL,
	"supporter_id" integer NOT NULL,
	"staff_user_id" integer NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "checkouts" ADD COLUMN "pledge_id" integer;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "recorded_by_staff_id" integer;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "last_failure_reason" text;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "next_retry_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "pledges" ADD CONSTRAINT "pledges_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pledges" ADD CONSTRAINT "pledges_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pledges" ADD CONSTRAINT "pledges_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pledges" ADD CONSTRAINT "pledges_taken_by_staff_id_staff_users_id_fk" FOREIGN KEY ("taken_by_staff_id") REFERENCES "public"."staff_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pledges" ADD CONSTRAINT "pledges_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_notes" ADD CONSTRAINT "staff_notes_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_notes" ADD CONSTRAINT "staff_notes_staff_user_id_staff_users_id_fk" FOREIGN KEY ("staff_user_id") REFERENCES "public"."staff_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pledges_link_token_unique" ON "pledges" USING btree ("link_token_hash");--> statement-breakpoint
CREATE INDEX "pledges_status_idx" ON "pledges" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "pledges_supporter_idx" ON "pledges" USING btree ("supporter_id");--> statement-breakpoint
CREATE INDEX "staff_notes_supporter_idx" ON "staff_notes" USING btree ("supporter_id");