DROP INDEX "bugs_last_seen_idx";--> statement-breakpoint
DROP INDEX "bugs_first_seen_idx";--> statement-breakpoint
DROP INDEX "bugs_count_idx";--> statement-breakpoint
DROP INDEX "bugs_project_last_seen_idx";--> statement-breakpoint
DROP INDEX "occurrences_bug_received_idx";--> statement-breakpoint
CREATE INDEX "bugs_last_seen_idx" ON "bugs" USING btree ("last_seen" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "bugs_first_seen_idx" ON "bugs" USING btree ("first_seen" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "bugs_count_idx" ON "bugs" USING btree ("occurrence_count" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "bugs_project_last_seen_idx" ON "bugs" USING btree ("project_id","last_seen" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "occurrences_bug_received_idx" ON "occurrences" USING btree ("bug_id","received_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);