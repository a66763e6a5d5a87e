CREATE TABLE "campaign_currencies" (
	"campaign_id" integer NOT NULL,
	"currency" text NOT NULL,
	"preset_amounts_minor" jsonb NOT NULL,
	CONSTRAINT "campaign_currencies_campaign_id_currency_pk" PRIMARY KEY("campaign_id","currency"),
	CONSTRAINT "campaign_currencies_currency_known" CHECK (currency in ('AUD', 'NZD', 'USD', 'CAD', 'GBP', 'EUR'))
);
--> statement-breakpoint
CREATE TABLE "plan_prices" (
	"plan_id" integer NOT NULL,
	"currency" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	CONSTRAINT "plan_prices_plan_id_currency_pk" PRIMARY KEY("plan_id","currency"),
	CONSTRAINT "plan_prices_currency_known" CHECK (currency in ('AUD', 'NZD', 'USD', 'CAD', 'GBP', 'EUR')),
	CONSTRAINT "plan_prices_amount_positive" CHECK ("plan_prices"."amount_minor" > 0)
);
--> statement-breakpoint
ALTER TABLE "campaign_totals" ADD COLUMN "home_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_totals" ADD COLUMN "unconverted_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_totals" ADD COLUMN "unconverted_payments" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "settled_amount_minor" bigint;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "settled_currency" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "settled_exchange_rate" numeric;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "stripe_balance_transaction_id" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "settled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaign_currencies" ADD CONSTRAINT "campaign_currencies_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_prices" ADD CONSTRAINT "plan_prices_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_stripe_balance_transaction_unique" ON "payments" USING btree ("stripe_balance_transaction_id");--> statement-breakpoint
CREATE INDEX "payments_settled_rate_idx" ON "payments" USING btree ("currency","settled_currency","settled_at") WHERE "payments"."settled_exchange_rate" is not null;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_settlement_whole" CHECK (("payments"."settled_amount_minor" is null) = ("payments"."settled_currency" is null) and ("payments"."settled_amount_minor" is null) = ("payments"."settled_at" is null));--> statement-breakpoint
-- Written by hand (ADR 050): the ledger rollup learns each payment's worth in its campaign's home
-- currency. A payment in the home currency counts as it is; one in another currency counts at what
-- Stripe settled it for in the home currency (net of refunds and fee cover in proportion, rounded
-- half away from zero), and until then as "unconverted" (the page estimates it, labelled). A
-- campaign's currency is fixed once anything is paid toward it, so the home currency read here
-- cannot change under a payment.
CREATE OR REPLACE FUNCTION "payments_rollup_add"(p "payments", sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  net bigint := sign * greatest(p.amount_minor - p.refunded_minor - p.fee_cover_minor, 0);
  live integer := sign * (p.amount_minor > p.refunded_minor)::integer;
  offline boolean := p.method IN ('cheque', 'bank_transfer', 'cash', 'other');
  recurring boolean := p.kind IN ('monthly', 'tier_monthly');
  home_currency text := (SELECT currency FROM campaigns WHERE id = p.campaign_id);
  in_home boolean := p.currency = home_currency OR p.settled_currency = home_currency;
  home bigint := CASE
    WHEN p.currency = home_currency THEN net
    WHEN p.settled_currency = home_currency THEN round(p.settled_amount_minor::numeric * net / p.amount_minor)::bigint
    ELSE 0 END;
  live_now integer;
BEGIN
  INSERT INTO campaign_supporter_totals AS t (campaign_id, currency, supporter_id, net_minor, live_payments)
    VALUES (p.campaign_id, p.currency, p.supporter_id, net, live)
    ON CONFLICT (campaign_id, currency, supporter_id) DO UPDATE
      SET net_minor = t.net_minor + excluded.net_minor, live_payments = t.live_payments + excluded.live_payments
    RETURNING t.live_payments INTO live_now;
  -- A person counts once: only a change between "no live payment" and "some" moves the count.
  INSERT INTO campaign_totals AS t (campaign_id, currency, raised_minor, supporters, home_minor, unconverted_minor, unconverted_payments)
    VALUES (p.campaign_id, p.currency, net, (live_now > 0)::integer - (live_now - live > 0)::integer, home,
      CASE WHEN in_home THEN 0 ELSE net END, CASE WHEN in_home OR net = 0 THEN 0 ELSE sign END)
    ON CONFLICT (campaign_id, currency) DO UPDATE
      SET raised_minor = t.raised_minor + excluded.raised_minor, supporters = t.supporters + excluded.supporters,
          home_minor = t.home_minor + excluded.home_minor,
          unconverted_minor = t.unconverted_minor + excluded.unconverted_minor,
          unconverted_payments = t.unconverted_payments + excluded.unconverted_payments;
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
DROP TRIGGER "payments_rollup_update" ON "payments";
--> statement-breakpoint
-- A settlement arriving moves the home-currency figures: its columns join those that touch the rollups.
CREATE TRIGGER "payments_rollup_update" AFTER UPDATE ON "payments" FOR EACH ROW
  WHEN ((OLD.campaign_id, OLD.currency, OLD.supporter_id, OLD.amount_minor, OLD.refunded_minor, OLD.fee_cover_minor, OLD.paid_at, OLD.kind, OLD.method, OLD.settled_amount_minor, OLD.settled_currency)
    IS DISTINCT FROM (NEW.campaign_id, NEW.currency, NEW.supporter_id, NEW.amount_minor, NEW.refunded_minor, NEW.fee_cover_minor, NEW.paid_at, NEW.kind, NEW.method, NEW.settled_amount_minor, NEW.settled_currency))
  EXECUTE FUNCTION payments_rollup();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "rebuild_campaign_rollups"() RETURNS void LANGUAGE sql AS $$
  DELETE FROM campaign_totals;
  DELETE FROM campaign_supporter_totals;
  DELETE FROM campaign_income_buckets;
  INSERT INTO campaign_supporter_totals (campaign_id, currency, supporter_id, net_minor, live_payments)
    SELECT campaign_id, currency, supporter_id, sum(greatest(amount_minor - refunded_minor - fee_cover_minor, 0)), count(*) FILTER (WHERE amount_minor > refunded_minor)
    FROM payments GROUP BY campaign_id, currency, supporter_id;
  INSERT INTO campaign_totals (campaign_id, currency, raised_minor, supporters)
    SELECT campaign_id, currency, sum(net_minor), count(*) FILTER (WHERE live_payments > 0)
    FROM campaign_supporter_totals GROUP BY campaign_id, currency;
  UPDATE campaign_totals AS t SET home_minor = s.home, unconverted_minor = s.unconverted, unconverted_payments = s.unconverted_payments
    FROM (
      SELECT l.campaign_id, l.currency,
        coalesce(sum(CASE WHEN l.in_home_currency THEN l.net WHEN l.settled_home THEN round(l.settled_amount_minor::numeric * l.net / l.amount_minor) ELSE 0 END), 0)::bigint AS home,
        coalesce(sum(l.net) FILTER (WHERE NOT (l.in_home_currency OR l.settled_home)), 0)::bigint AS unconverted,
        count(*) FILTER (WHERE NOT (l.in_home_currency OR l.settled_home) AND l.net > 0)::integer AS unconverted_payments
      FROM (SELECT p.campaign_id, p.currency, p.amount_minor, p.settled_amount_minor,
              greatest(p.amount_minor - p.refunded_minor - p.fee_cover_minor, 0) AS net,
              p.currency = c.currency AS in_home_currency, coalesce(p.settled_currency = c.currency, false) AS settled_home
            FROM payments p JOIN campaigns c ON c.id = p.campaign_id) AS l
      GROUP BY l.campaign_id, l.currency
    ) AS s
    WHERE t.campaign_id = s.campaign_id AND t.currency = s.currency;
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
