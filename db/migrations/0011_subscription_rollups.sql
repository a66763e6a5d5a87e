CREATE TABLE "campaign_subscription_figures" (
	"campaign_id" integer NOT NULL,
	"currency" text,
	"recurring_minor" bigint DEFAULT 0 NOT NULL,
	"monthly_donors" integer DEFAULT 0 NOT NULL,
	"tier_people" integer DEFAULT 0 NOT NULL,
	"print_people" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_subscription_people" (
	"campaign_id" integer NOT NULL,
	"supporter_id" integer NOT NULL,
	"monthly_gifts" integer DEFAULT 0 NOT NULL,
	"monthly_paused_until" timestamp with time zone,
	"tier_subscriptions" integer DEFAULT 0 NOT NULL,
	"print_subscriptions" integer DEFAULT 0 NOT NULL,
	"tier_years_until" timestamp with time zone,
	"print_years_until" timestamp with time zone,
	CONSTRAINT "campaign_subscription_people_campaign_id_supporter_id_pk" PRIMARY KEY("campaign_id","supporter_id")
);
--> statement-breakpoint
DROP INDEX "subscriptions_entitling_idx";--> statement-breakpoint
CREATE INDEX "campaign_subscription_figures_campaign_idx" ON "campaign_subscription_figures" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "campaign_subscription_people_paused_idx" ON "campaign_subscription_people" USING btree ("campaign_id","monthly_paused_until") WHERE "campaign_subscription_people"."monthly_paused_until" is not null;--> statement-breakpoint
CREATE INDEX "campaign_subscription_people_years_idx" ON "campaign_subscription_people" USING btree ("campaign_id","tier_years_until") WHERE "campaign_subscription_people"."tier_subscriptions" = 0 and "campaign_subscription_people"."tier_years_until" is not null;--> statement-breakpoint
CREATE INDEX "campaign_subscription_people_print_years_idx" ON "campaign_subscription_people" USING btree ("campaign_id","print_years_until") WHERE "campaign_subscription_people"."print_subscriptions" = 0 and "campaign_subscription_people"."print_years_until" is not null;--> statement-breakpoint
CREATE INDEX "subscriptions_paused_idx" ON "subscriptions" USING btree ("campaign_id","paused_until","status","cancel_at_period_end","currency","amount_minor") WHERE "subscriptions"."paused_until" is not null;--> statement-breakpoint
-- Rollups of the live subscriptions and one-time tier years (ADR 024), which replace the scans of
-- subscriptions_entitling_idx (ADR 023). Written by hand: drizzle-kit
-- cannot express functions or triggers. "Entitling" is ENTITLING_STATUSES in
-- app/supporters/entitlements.server.ts, spelt out here (change one, change the other).
--
-- One person's row is recomputed from their own subscriptions and payments (a few rows, by the
-- supporter indexes) under a lock of that row, so concurrent changes for one person cannot
-- overwrite each other; the campaign's figures change by appending the difference.
CREATE FUNCTION "subscription_people_refresh"(c integer, s integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  was campaign_subscription_people;
  now_is campaign_subscription_people;
BEGIN
  -- The person's row, locked; made if missing. Another transaction may delete the row between
  -- our insert finding it there and our lock, so try until one of the two holds it.
  LOOP
    SELECT * INTO was FROM campaign_subscription_people WHERE campaign_id = c AND supporter_id = s FOR UPDATE;
    EXIT WHEN FOUND;
    INSERT INTO campaign_subscription_people (campaign_id, supporter_id) VALUES (c, s) ON CONFLICT DO NOTHING;
  END LOOP;
  now_is := was;
  SELECT
      count(*) FILTER (WHERE sub.kind = 'monthly' AND NOT sub.cancel_at_period_end),
      CASE WHEN bool_and(sub.paused_until IS NOT NULL) FILTER (WHERE sub.kind = 'monthly' AND NOT sub.cancel_at_period_end)
        THEN min(sub.paused_until) FILTER (WHERE sub.kind = 'monthly' AND NOT sub.cancel_at_period_end) END,
      count(*) FILTER (WHERE sub.kind = 'tier_monthly' AND sub.plan_id IS NOT NULL),
      count(*) FILTER (WHERE sub.kind = 'tier_monthly' AND plan.tier = 'print')
    INTO now_is.monthly_gifts, now_is.monthly_paused_until, now_is.tier_subscriptions, now_is.print_subscriptions
    FROM subscriptions sub LEFT JOIN plans plan ON plan.id = sub.plan_id
    WHERE sub.supporter_id = s AND sub.campaign_id = c AND sub.status IN ('active', 'trialing', 'past_due');
  SELECT max(p.covers_until), max(p.covers_until) FILTER (WHERE plan.tier = 'print')
    INTO now_is.tier_years_until, now_is.print_years_until
    FROM payments p JOIN plans plan ON plan.id = p.plan_id
    WHERE p.supporter_id = s AND p.kind = 'tier_one_time' AND p.campaign_id = c AND p.refunded_minor < p.amount_minor;
  IF now_is.monthly_gifts = 0 AND now_is.tier_subscriptions = 0 AND now_is.tier_years_until IS NULL THEN
    -- Nobody keeps a row for nothing (the row may be the one just inserted).
    DELETE FROM campaign_subscription_people WHERE campaign_id = c AND supporter_id = s;
  ELSIF now_is IS DISTINCT FROM was THEN
    UPDATE campaign_subscription_people SET
        monthly_gifts = now_is.monthly_gifts, monthly_paused_until = now_is.monthly_paused_until,
        tier_subscriptions = now_is.tier_subscriptions, print_subscriptions = now_is.print_subscriptions,
        tier_years_until = now_is.tier_years_until, print_years_until = now_is.print_years_until
      WHERE campaign_id = c AND supporter_id = s;
  END IF;
  -- A person counts once: only a change between "none" and "some" moves a count.
  IF (now_is.monthly_gifts > 0, now_is.tier_subscriptions > 0, now_is.print_subscriptions > 0)
      IS DISTINCT FROM (was.monthly_gifts > 0, was.tier_subscriptions > 0, was.print_subscriptions > 0) THEN
    INSERT INTO campaign_subscription_figures (campaign_id, currency, monthly_donors, tier_people, print_people)
      VALUES (c, NULL,
        (now_is.monthly_gifts > 0)::integer - (was.monthly_gifts > 0)::integer,
        (now_is.tier_subscriptions > 0)::integer - (was.tier_subscriptions > 0)::integer,
        (now_is.print_subscriptions > 0)::integer - (was.print_subscriptions > 0)::integer);
  END IF;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "subscriptions_rollup"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  -- Monthly revenue counts every entitling subscription not ending at its period's end; a pause
  -- is subtracted when read.
  old_counts boolean := TG_OP <> 'INSERT' AND OLD.status IN ('active', 'trialing', 'past_due') AND NOT OLD.cancel_at_period_end;
  new_counts boolean := TG_OP <> 'DELETE' AND NEW.status IN ('active', 'trialing', 'past_due') AND NOT NEW.cancel_at_period_end;
BEGIN
  IF old_counts AND new_counts AND OLD.campaign_id = NEW.campaign_id AND OLD.currency = NEW.currency THEN
    IF NEW.amount_minor <> OLD.amount_minor THEN
      INSERT INTO campaign_subscription_figures (campaign_id, currency, recurring_minor) VALUES (NEW.campaign_id, NEW.currency, NEW.amount_minor - OLD.amount_minor);
    END IF;
  ELSE
    IF old_counts THEN
      INSERT INTO campaign_subscription_figures (campaign_id, currency, recurring_minor) VALUES (OLD.campaign_id, OLD.currency, -OLD.amount_minor);
    END IF;
    IF new_counts THEN
      INSERT INTO campaign_subscription_figures (campaign_id, currency, recurring_minor) VALUES (NEW.campaign_id, NEW.currency, NEW.amount_minor);
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    PERFORM subscription_people_refresh(OLD.campaign_id, OLD.supporter_id);
  ELSE
    PERFORM subscription_people_refresh(NEW.campaign_id, NEW.supporter_id);
    IF TG_OP = 'UPDATE' AND (OLD.campaign_id, OLD.supporter_id) IS DISTINCT FROM (NEW.campaign_id, NEW.supporter_id) THEN
      PERFORM subscription_people_refresh(OLD.campaign_id, OLD.supporter_id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "subscriptions_rollup_insert" AFTER INSERT ON "subscriptions" FOR EACH ROW EXECUTE FUNCTION subscriptions_rollup();
--> statement-breakpoint
-- Only changes to what the figures read fire it (a new period end or a pending change does not).
CREATE TRIGGER "subscriptions_rollup_update" AFTER UPDATE ON "subscriptions" FOR EACH ROW
  WHEN ((OLD.campaign_id, OLD.supporter_id, OLD.kind, OLD.status, OLD.cancel_at_period_end, OLD.paused_until, OLD.plan_id, OLD.amount_minor, OLD.currency)
    IS DISTINCT FROM (NEW.campaign_id, NEW.supporter_id, NEW.kind, NEW.status, NEW.cancel_at_period_end, NEW.paused_until, NEW.plan_id, NEW.amount_minor, NEW.currency))
  EXECUTE FUNCTION subscriptions_rollup();
--> statement-breakpoint
CREATE TRIGGER "subscriptions_rollup_delete" AFTER DELETE ON "subscriptions" FOR EACH ROW EXECUTE FUNCTION subscriptions_rollup();
--> statement-breakpoint
CREATE FUNCTION "payments_tier_years_rollup"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' AND NEW.kind = 'tier_one_time' THEN
    PERFORM subscription_people_refresh(NEW.campaign_id, NEW.supporter_id);
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.kind = 'tier_one_time'
      AND (TG_OP = 'DELETE' OR NEW.kind <> 'tier_one_time' OR (OLD.campaign_id, OLD.supporter_id) IS DISTINCT FROM (NEW.campaign_id, NEW.supporter_id)) THEN
    PERFORM subscription_people_refresh(OLD.campaign_id, OLD.supporter_id);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "payments_tier_years_insert" AFTER INSERT ON "payments" FOR EACH ROW WHEN (NEW.kind = 'tier_one_time') EXECUTE FUNCTION payments_tier_years_rollup();
--> statement-breakpoint
CREATE TRIGGER "payments_tier_years_update" AFTER UPDATE ON "payments" FOR EACH ROW
  WHEN ((OLD.kind = 'tier_one_time' OR NEW.kind = 'tier_one_time')
    AND (OLD.campaign_id, OLD.supporter_id, OLD.kind, OLD.plan_id, OLD.covers_until, OLD.amount_minor, OLD.refunded_minor)
      IS DISTINCT FROM (NEW.campaign_id, NEW.supporter_id, NEW.kind, NEW.plan_id, NEW.covers_until, NEW.amount_minor, NEW.refunded_minor))
  EXECUTE FUNCTION payments_tier_years_rollup();
--> statement-breakpoint
CREATE TRIGGER "payments_tier_years_delete" AFTER DELETE ON "payments" FOR EACH ROW WHEN (OLD.kind = 'tier_one_time') EXECUTE FUNCTION payments_tier_years_rollup();
--> statement-breakpoint
-- Recomputes both tables from scratch, set-wise: used below, and after bulk loads that disable the triggers.
CREATE FUNCTION "rebuild_subscription_rollups"() RETURNS void LANGUAGE sql AS $$
  DELETE FROM campaign_subscription_figures;
  DELETE FROM campaign_subscription_people;
  INSERT INTO campaign_subscription_people (campaign_id, supporter_id, monthly_gifts, monthly_paused_until, tier_subscriptions, print_subscriptions, tier_years_until, print_years_until)
    SELECT coalesce(subs.campaign_id, years.campaign_id), coalesce(subs.supporter_id, years.supporter_id),
        coalesce(subs.monthly_gifts, 0), subs.monthly_paused_until, coalesce(subs.tier_subscriptions, 0), coalesce(subs.print_subscriptions, 0),
        years.tier_years_until, years.print_years_until
      FROM (
        SELECT sub.campaign_id, sub.supporter_id,
            count(*) FILTER (WHERE sub.kind = 'monthly' AND NOT sub.cancel_at_period_end) AS monthly_gifts,
            CASE WHEN bool_and(sub.paused_until IS NOT NULL) FILTER (WHERE sub.kind = 'monthly' AND NOT sub.cancel_at_period_end)
              THEN min(sub.paused_until) FILTER (WHERE sub.kind = 'monthly' AND NOT sub.cancel_at_period_end) END AS monthly_paused_until,
            count(*) FILTER (WHERE sub.kind = 'tier_monthly' AND sub.plan_id IS NOT NULL) AS tier_subscriptions,
            count(*) FILTER (WHERE sub.kind = 'tier_monthly' AND plan.tier = 'print') AS print_subscriptions
          FROM subscriptions sub LEFT JOIN plans plan ON plan.id = sub.plan_id
          WHERE sub.status IN ('active', 'trialing', 'past_due')
          GROUP BY 1, 2
      ) AS subs
      FULL JOIN (
        SELECT p.campaign_id, p.supporter_id, max(p.covers_until) AS tier_years_until, max(p.covers_until) FILTER (WHERE plan.tier = 'print') AS print_years_until
          FROM payments p JOIN plans plan ON plan.id = p.plan_id
          WHERE p.kind = 'tier_one_time' AND p.refunded_minor < p.amount_minor
          GROUP BY 1, 2
      ) AS years ON years.campaign_id = subs.campaign_id AND years.supporter_id = subs.supporter_id
      WHERE coalesce(subs.monthly_gifts, 0) > 0 OR coalesce(subs.tier_subscriptions, 0) > 0 OR years.tier_years_until IS NOT NULL;
  INSERT INTO campaign_subscription_figures (campaign_id, currency, recurring_minor)
    SELECT campaign_id, currency, sum(amount_minor) FROM subscriptions
      WHERE status IN ('active', 'trialing', 'past_due') AND NOT cancel_at_period_end
      GROUP BY 1, 2;
  INSERT INTO campaign_subscription_figures (campaign_id, currency, monthly_donors, tier_people, print_people)
    SELECT campaign_id, NULL, count(*) FILTER (WHERE monthly_gifts > 0), count(*) FILTER (WHERE tier_subscriptions > 0), count(*) FILTER (WHERE print_subscriptions > 0)
      FROM campaign_subscription_people GROUP BY 1;
$$;
--> statement-breakpoint
-- Folds the appended changes into one row per campaign and currency, in one statement: changes
-- committed meanwhile are not in its snapshot, so they stay as they are.
CREATE FUNCTION "fold_subscription_figures"() RETURNS integer LANGUAGE sql AS $$
  WITH gone AS (DELETE FROM campaign_subscription_figures RETURNING *),
  folded AS (
    INSERT INTO campaign_subscription_figures (campaign_id, currency, recurring_minor, monthly_donors, tier_people, print_people)
      SELECT campaign_id, currency, sum(recurring_minor), sum(monthly_donors), sum(tier_people), sum(print_people)
        FROM gone GROUP BY 1, 2
        HAVING (sum(recurring_minor), sum(monthly_donors), sum(tier_people), sum(print_people)) <> (0, 0, 0, 0)
      RETURNING 1
  )
  SELECT (SELECT count(*) FROM gone)::integer - (SELECT count(*) FROM folded)::integer;
$$;
--> statement-breakpoint
SELECT rebuild_subscription_rollups();
