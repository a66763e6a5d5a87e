DROP INDEX "outbox_to_email_idx";--> statement-breakpoint
DROP INDEX "pledges_supporter_idx";--> statement-breakpoint
DROP INDEX "staff_notes_supporter_idx";--> statement-breakpoint
DROP INDEX "subscriptions_supporter_idx";--> statement-breakpoint
CREATE INDEX "payments_supporter_tier_years_idx" ON "payments" USING btree ("supporter_id","covers_until") WHERE "payments"."kind" = 'tier_one_time';--> statement-breakpoint
CREATE INDEX "outbox_to_email_idx" ON "outbox" USING btree (lower("to_email"),"created_at","id");--> statement-breakpoint
CREATE INDEX "pledges_supporter_idx" ON "pledges" USING btree ("supporter_id","created_at","id");--> statement-breakpoint
CREATE INDEX "staff_notes_supporter_idx" ON "staff_notes" USING btree ("supporter_id","created_at","id");--> statement-breakpoint
CREATE INDEX "subscriptions_supporter_idx" ON "subscriptions" USING btree ("supporter_id","created_at","id");