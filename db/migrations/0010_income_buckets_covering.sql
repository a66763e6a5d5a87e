-- The dashboard's income this month and its 12-month chart read a campaign's quarter-hour buckets
-- (ADR 012): about 35,000 rows a year, scattered over the table's pages among other campaigns'.
-- Covering the amounts lets PostgreSQL read them from the index alone (ADR 023).
CREATE INDEX "campaign_income_buckets_covering_idx" ON "campaign_income_buckets" USING btree ("campaign_id", "currency", "bucket_start") INCLUDE ("one_off_minor", "recurring_minor", "offline_minor");
