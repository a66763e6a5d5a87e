CREATE TABLE "campaigns" (
	"id" serial PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"headline" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"currency" text NOT NULL,
	"target_minor" bigint NOT NULL,
	"min_gift_minor" bigint DEFAULT 200 NOT NULL,
	"max_gift_minor" bigint DEFAULT 1000000 NOT NULL,
	"phone" text DEFAULT '' NOT NULL,
	"preset_amounts_minor" jsonb DEFAULT '[2500,5000,10000,25000]'::jsonb NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_currency_known" CHECK (currency in ('AUD', 'NZD', 'USD', 'CAD', 'GBP', 'EUR')),
	CONSTRAINT "campaigns_target_non_negative" CHECK ("campaigns"."target_minor" >= 0),
	CONSTRAINT "campaigns_gift_bounds" CHECK ("campaigns"."min_gift_minor" > 0 and "campaigns"."max_gift_minor" >= "campaigns"."min_gift_minor"),
	CONSTRAINT "campaigns_slug_format" CHECK ("campaigns"."slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);
--> statement-breakpoint
CREATE TABLE "checkouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" integer NOT NULL,
	"plan_id" integer,
	"kind" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"fee_cover_minor" bigint DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"email" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"anonymous" boolean DEFAULT false NOT NULL,
	"message" text,
	"provider" text NOT NULL,
	"provider_session_id" text,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "checkouts_kind_known" CHECK (kind in ('one_off', 'monthly', 'tier_monthly', 'tier_one_time')),
	CONSTRAINT "checkouts_currency_known" CHECK (currency in ('AUD', 'NZD', 'USD', 'CAD', 'GBP', 'EUR')),
	CONSTRAINT "checkouts_amount_positive" CHECK ("checkouts"."amount_minor" > 0 and "checkouts"."fee_cover_minor" >= 0),
	CONSTRAINT "checkouts_status_known" CHECK ("checkouts"."status" in ('open', 'processing', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "counters" (
	"name" text PRIMARY KEY NOT NULL,
	"value" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dev_mailbox" (
	"id" serial PRIMARY KEY NOT NULL,
	"outbox_id" uuid NOT NULL,
	"to_email" text NOT NULL,
	"subject" text NOT NULL,
	"html" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"template" text NOT NULL,
	"to_email" text NOT NULL,
	"props" jsonb NOT NULL,
	"idempotency_key" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"last_error" text,
	"provider_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" serial PRIMARY KEY NOT NULL,
	"supporter_id" integer NOT NULL,
	"campaign_id" integer NOT NULL,
	"subscription_id" integer,
	"plan_id" integer,
	"checkout_id" uuid,
	"kind" text NOT NULL,
	"method" text NOT NULL,
	"provider" text NOT NULL,
	"provider_payment_id" text NOT NULL,
	"stripe_payment_intent_id" text,
	"amount_minor" bigint NOT NULL,
	"fee_cover_minor" bigint DEFAULT 0 NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"anonymous" boolean DEFAULT false NOT NULL,
	"message" text,
	"receipt_number" integer NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"covers_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_kind_known" CHECK (kind in ('one_off', 'monthly', 'tier_monthly', 'tier_one_time')),
	CONSTRAINT "payments_currency_known" CHECK (currency in ('AUD', 'NZD', 'USD', 'CAD', 'GBP', 'EUR')),
	CONSTRAINT "payments_amount_positive" CHECK ("payments"."amount_minor" > 0 and "payments"."fee_cover_minor" >= 0),
	CONSTRAINT "payments_refund_bounds" CHECK ("payments"."refunded_minor" >= 0 and "payments"."refunded_minor" <= "payments"."amount_minor")
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"tier" text NOT NULL,
	"billing" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"benefits" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"lookup_key" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "plans_currency_known" CHECK (currency in ('AUD', 'NZD', 'USD', 'CAD', 'GBP', 'EUR')),
	CONSTRAINT "plans_amount_positive" CHECK ("plans"."amount_minor" > 0),
	CONSTRAINT "plans_tier_known" CHECK ("plans"."tier" in ('digital', 'print')),
	CONSTRAINT "plans_billing_known" CHECK ("plans"."billing" in ('monthly', 'one_time_year'))
);
--> statement-breakpoint
CREATE TABLE "provider_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"provider_created_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"hits" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "receipts" (
	"id" serial PRIMARY KEY NOT NULL,
	"payment_id" integer NOT NULL,
	"receipt_number" integer NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"snapshot" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"org_name" text NOT NULL,
	"contact_email" text NOT NULL,
	"contact_address" text DEFAULT '' NOT NULL,
	"phone" text DEFAULT '' NOT NULL,
	"receipt_footer" text DEFAULT '' NOT NULL,
	"accent_color" text DEFAULT '#b3261e' NOT NULL,
	"fee_percent_bps" integer DEFAULT 175 NOT NULL,
	"fee_fixed_minor" integer DEFAULT 30 NOT NULL,
	"financial_year_start_month" smallint DEFAULT 7 NOT NULL,
	"time_zone" text DEFAULT 'Australia/Melbourne' NOT NULL,
	CONSTRAINT "settings_single_row" CHECK ("settings"."id" = 1),
	CONSTRAINT "settings_fee_non_negative" CHECK ("settings"."fee_percent_bps" >= 0 and "settings"."fee_fixed_minor" >= 0),
	CONSTRAINT "settings_fy_month" CHECK ("settings"."financial_year_start_month" between 1 and 12)
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" serial PRIMARY KEY NOT NULL,
	"supporter_id" integer NOT NULL,
	"campaign_id" integer NOT NULL,
	"plan_id" integer,
	"kind" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"interval" text DEFAULT 'month' NOT NULL,
	"status" text NOT NULL,
	"provider" text NOT NULL,
	"provider_subscription_id" text NOT NULL,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"provider_updated_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscriptions_kind_known" CHECK ("subscriptions"."kind" in ('monthly', 'tier_monthly')),
	CONSTRAINT "subscriptions_currency_known" CHECK (currency in ('AUD', 'NZD', 'USD', 'CAD', 'GBP', 'EUR')),
	CONSTRAINT "subscriptions_amount_positive" CHECK ("subscriptions"."amount_minor" > 0)
);
--> statement-breakpoint
CREATE TABLE "supporters" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"email_key" text GENERATED ALWAYS AS (lower(email)) STORED NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"stripe_customer_id" text,
	"anonymous" boolean DEFAULT false NOT NULL,
	"address_line1" text,
	"address_line2" text,
	"address_city" text,
	"address_state" text,
	"address_postal_code" text,
	"address_country" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"erased_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "checkouts" ADD CONSTRAINT "checkouts_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checkouts" ADD CONSTRAINT "checkouts_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_checkout_id_checkouts_id_fk" FOREIGN KEY ("checkout_id") REFERENCES "public"."checkouts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receipts" ADD CONSTRAINT "receipts_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "campaigns_slug_unique" ON "campaigns" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "campaigns_one_default" ON "campaigns" USING btree ("is_default") WHERE "campaigns"."is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "checkouts_provider_session_unique" ON "checkouts" USING btree ("provider_session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "dev_mailbox_outbox_unique" ON "dev_mailbox" USING btree ("outbox_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_idempotency_unique" ON "outbox" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."sent_at" is null and "outbox"."failed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_provider_payment_unique" ON "payments" USING btree ("provider","provider_payment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_stripe_payment_intent_unique" ON "payments" USING btree ("stripe_payment_intent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_receipt_number_unique" ON "payments" USING btree ("receipt_number");--> statement-breakpoint
CREATE INDEX "payments_campaign_idx" ON "payments" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "payments_supporter_idx" ON "payments" USING btree ("supporter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "plans_code_unique" ON "plans" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "plans_lookup_key_unique" ON "plans" USING btree ("lookup_key");--> statement-breakpoint
CREATE UNIQUE INDEX "receipts_payment_unique" ON "receipts" USING btree ("payment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "receipts_number_unique" ON "receipts" USING btree ("receipt_number");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_provider_unique" ON "subscriptions" USING btree ("provider_subscription_id");--> statement-breakpoint
CREATE INDEX "subscriptions_supporter_idx" ON "subscriptions" USING btree ("supporter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "supporters_email_unique" ON "supporters" USING btree ("email_key");--> statement-breakpoint
CREATE UNIQUE INDEX "supporters_stripe_customer_unique" ON "supporters" USING btree ("stripe_customer_id");