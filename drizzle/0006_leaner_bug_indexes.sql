ALTER TABLE "occurrences" DROP CONSTRAINT "occurrences_bug_id_bugs_id_fk";
--> statement-breakpoint
DROP INDEX "bugs_source_last_seen_idx";--> statement-breakpoint
DROP INDEX "bugs_status_last_seen_idx";--> statement-breakpoint
DROP INDEX "bugs_level_idx";--> statement-breakpoint
DROP INDEX "bugs_environment_idx";--> statement-breakpoint
DROP INDEX "bugs_pending_idx";