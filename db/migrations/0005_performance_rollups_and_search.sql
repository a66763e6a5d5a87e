CREATE TABLE "campaign_income_buckets" (
	"campaign_id" integer NOT NULL,
	"currency" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"one_off_minor" bigint DEFAULT 0 NOT NULL,
	"recurring_minor" bigint DEFAULT 0 NOT NULL,
	"offline_minor" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_income_buckets_campaign_id_currency_bucket_start_pk" PRIMARY KEY("campaign_id","currency","bucket_start")
);
--> statement-breakpoint
CREATE TABLE "campaign_supporter_totals" (
	"campaign_id" integer NOT NULL,
	"currency" text NOT NULL,
	"supporter_id" integer NOT NULL,
	"net_minor" bigint DEFAULT 0 NOT NULL,
	"live_payments" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_supporter_totals_campaign_id_currency_supporter_id_pk" PRIMARY KEY("campaign_id","currency","supporter_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_totals" (
	"campaign_id" integer NOT NULL,
	"currency" text NOT NULL,
	"raised_minor" bigint DEFAULT 0 NOT NULL,
	"supporters" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_totals_campaign_id_currency_pk" PRIMARY KEY("campaign_id","currency")
);
--> statement-breakpoint
DROP INDEX "payments_supporter_idx";--> statement-breakpoint
CREATE INDEX "outbox_to_email_idx" ON "outbox" USING btree (lower("to_email"));--> statement-breakpoint
CREATE INDEX "payments_paid_at_idx" ON "payments" USING btree ("paid_at","id");--> statement-breakpoint
CREATE INDEX "payments_tier_years_idx" ON "payments" USING btree ("covers_until","campaign_id","supporter_id","plan_id","paid_at","refunded_minor","amount_minor") WHERE "payments"."kind" = 'tier_one_time';--> statement-breakpoint
CREATE INDEX "subscriptions_campaign_status_idx" ON "subscriptions" USING btree ("campaign_id","status","provider_updated_at");--> statement-breakpoint
CREATE INDEX "subscriptions_campaign_live_idx" ON "subscriptions" USING btree ("campaign_id","kind","status","cancel_at_period_end","currency","amount_minor","supporter_id","plan_id","paused_until");--> statement-breakpoint
CREATE INDEX "subscriptions_campaign_created_idx" ON "subscriptions" USING btree ("campaign_id","created_at","status");--> statement-breakpoint
CREATE INDEX "subscriptions_tiers_idx" ON "subscriptions" USING btree ("kind","status","plan_id","supporter_id");--> statement-breakpoint
CREATE INDEX "supporters_names_idx" ON "supporters" USING btree ("id","name");--> statement-breakpoint
CREATE INDEX "supporters_search_name_idx" ON "supporters" USING btree (lower("name") text_pattern_ops,"id","name") WHERE "supporters"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "supporters_search_second_name_idx" ON "supporters" USING btree (substr(lower("name"), strpos(lower("name"), ' ') + 1) text_pattern_ops,"id","name") WHERE "supporters"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "supporters_search_last_name_idx" ON "supporters" USING btree (reverse(split_part(reverse(lower("name")), ' ', 1)) text_pattern_ops,"id","name") WHERE "supporters"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "supporters_search_email_idx" ON "supporters" USING btree ("email_key" text_pattern_ops,"id") WHERE "supporters"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "supporters_search_postcode_idx" ON "supporters" USING btree (lower("address_postal_code") text_pattern_ops,"id","address_postal_code") WHERE "supporters"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "supporters_search_phone_idx" ON "supporters" USING btree (regexp_replace("phone", '[^0-9]', '', 'g') text_pattern_ops,"id","phone") WHERE "supporters"."phone" is not null and "supporters"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "supporters_search_phone_end_idx" ON "supporters" USING btree (reverse(regexp_replace("phone", '[^0-9]', '', 'g')) text_pattern_ops,"id","phone") WHERE "supporters"."phone" is not null and "supporters"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "payments_supporter_idx" ON "payments" USING btree ("supporter_id","paid_at");--> statement-breakpoint
-- Statistics on the search expressions: the planner ignores those of partial indexes, and without
-- them it guesses how many supporters a prefix matches (ADR 012).
CREATE STATISTICS "supporters_search_name_stats" ON (lower("name")) FROM "supporters";
--> statement-breakpoint
CREATE STATISTICS "supporters_search_second_name_stats" ON (substr(lower("name"), strpos(lower("name"), ' ') + 1)) FROM "supporters";
--> statement-breakpoint
CREATE STATISTICS "supporters_search_last_name_stats" ON (reverse(split_part(reverse(lower("name")), ' ', 1))) FROM "supporters";
--> statement-breakpoint
CREATE STATISTICS "supporters_search_postcode_stats" ON (lower("address_postal_code")) FROM "supporters";
--> statement-breakpoint
CREATE STATISTICS "supporters_search_phone_stats" ON (regexp_replace("phone", '[^0-9]', '', 'g')) FROM "supporters";
--> statement-breakpoint
CREATE STATISTICS "supporters_search_phone_end_stats" ON (reverse(regexp_replace("phone", '[^0-9]', '', 'g'))) FROM "supporters";
--> statement-breakpoint
ANALYZE "supporters";
--> statement-breakpoint
-- Rollups of the ledger (ADR 012). Written by hand: drizzle-kit cannot express functions or triggers.
-- One payment's contribution, added (sign 1) or taken away (sign -1). Locks are always taken in
-- the same order (supporter row, campaign row, quarter-hour row), so concurrent payments cannot deadlock here.
CREATE FUNCTION "payments_rollup_add"(p "payments", sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  net bigint := sign * greatest(p.amount_minor - p.refunded_minor - p.fee_cover_minor, 0);
  live integer := sign * (p.amount_minor > p.refunded_minor)::integer;
  offline boolean := p.method IN ('cheque', 'bank_transfer', 'cash', 'other');
  recurring boolean := p.kind IN ('monthly', 'tier_monthly');
  live_now integer;
BEGIN
  INSERT INTO campaign_supporter_totals AS t (campaign_id, currency, supporter_id, net_minor, live_payments)
    VALUES (p.campaign_id, p.currency, p.supporter_id, net, live)
    ON CONFLICT (campaign_id, currency, supporter_id) DO UPDATE
      SET net_minor = t.net_minor + excluded.net_minor, live_payments = t.live_payments + excluded.live_payments
    RETURNING t.live_payments INTO live_now;
  -- A person counts once: only a change between "no live payment" and "some" moves the count.
  INSERT INTO campaign_totals AS t (campaign_id, currency, raised_minor, supporters)
    VALUES (p.campaign_id, p.currency, net, (live_now > 0)::integer - (live_now - live > 0)::integer)
    ON CONFLICT (campaign_id, currency) DO UPDATE
      SET raised_minor = t.raised_minor + excluded.raised_minor, supporters = t.supporters + excluded.supporters;
  INSERT INTO campaign_income_buckets AS t (campaign_id, currency, bucket_start, one_off_minor, recurring_minor, offline_minor)
    VALUES (
      p.campaign_id, p.currency, date_bin('15 minutes', p.paid_at, timestamptz '2000-01-01 00:00:00+00'),
      CASE WHEN NOT offline AND NOT recurring THEN net ELSE 0 END,
      CASE WHEN NOT offline AND recurring THEN net ELSE 0 END,
      CASE WHEN offline THEN net ELSE 0 END)
    ON CONFLICT (campaign_id, currency, bucket_start) DO UPDATE
      SET one_off_minor = t.one_off_minor + excluded.one_off_minor,
          recurring_minor = t.recurring_minor + excluded.recurring_minor,
          offline_minor = t.offline_minor + excluded.offline_minor;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "payments_rollup"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM payments_rollup_add(OLD, -1); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM payments_rollup_add(NEW, 1); END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "payments_rollup_insert" AFTER INSERT ON "payments" FOR EACH ROW EXECUTE FUNCTION payments_rollup();
--> statement-breakpoint
-- Only changes that move money, dates or ownership touch the rollups (an erasure scrubbing messages does not).
CREATE TRIGGER "payments_rollup_update" AFTER UPDATE ON "payments" FOR EACH ROW
  WHEN ((OLD.campaign_id, OLD.currency, OLD.supporter_id, OLD.amount_minor, OLD.refunded_minor, OLD.fee_cover_minor, OLD.paid_at, OLD.kind, OLD.method)
    IS DISTINCT FROM (NEW.campaign_id, NEW.currency, NEW.supporter_id, NEW.amount_minor, NEW.refunded_minor, NEW.fee_cover_minor, NEW.paid_at, NEW.kind, NEW.method))
  EXECUTE FUNCTION payments_rollup();
--> statement-breakpoint
CREATE TRIGGER "payments_rollup_delete" AFTER DELETE ON "payments" FOR EACH ROW EXECUTE FUNCTION payments_rollup();
--> statement-breakpoint
-- Recomputes every rollup from the ledger: used below, and after bulk loads that disable the triggers.
CREATE FUNCTION "rebuild_campaign_rollups"() RETURNS void LANGUAGE sql AS $$
  DELETE FROM campaign_totals;
  DELETE FROM campaign_supporter_totals;
  DELETE FROM campaign_income_buckets;
  INSERT INTO campaign_supporter_totals (campaign_id, currency, supporter_id, net_minor, live_payments)
    SELECT campaign_id, currency, supporter_id, sum(greatest(amount_minor - refunded_minor - fee_cover_minor, 0)), count(*) FILTER (WHERE amount_minor > refunded_minor)
    FROM payments GROUP BY campaign_id, currency, supporter_id;
  INSERT INTO campaign_totals (campaign_id, currency, raised_minor, supporters)
    SELECT campaign_id, currency, sum(net_minor), count(*) FILTER (WHERE live_payments > 0)
    FROM campaign_supporter_totals GROUP BY campaign_id, currency;
  INSERT INTO campaign_income_buckets (campaign_id, currency, bucket_start, one_off_minor, recurring_minor, offline_minor)
    SELECT campaign_id, currency, date_bin('15 minutes', paid_at, timestamptz '2000-01-01 00:00:00+00'),
      coalesce(sum(net) FILTER (WHERE NOT offline AND NOT recurring), 0),
      coalesce(sum(net) FILTER (WHERE NOT offline AND recurring), 0),
      coalesce(sum(net) FILTER (WHERE offline), 0)
    FROM (SELECT campaign_id, currency, paid_at, greatest(amount_minor - refunded_minor - fee_cover_minor, 0) AS net,
            method IN ('cheque', 'bank_transfer', 'cash', 'other') AS offline, kind IN ('monthly', 'tier_monthly') AS recurring
          FROM payments) AS ledger
    GROUP BY 1, 2, 3;
$$;
--> statement-breakpoint
SELECT rebuild_campaign_rollups();
