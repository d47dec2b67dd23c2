CREATE TABLE "analysis_jobs" (
	"bug_id" bigint PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bug_analyses" (
	"bug_id" bigint PRIMARY KEY NOT NULL,
	"summary" text NOT NULL,
	"probable_cause" text NOT NULL,
	"suggested_fix" text NOT NULL,
	"severity" text NOT NULL,
	"confidence" double precision NOT NULL,
	"category" text NOT NULL,
	"model" text NOT NULL,
	"analyzed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "analysis_jobs" ADD CONSTRAINT "analysis_jobs_bug_id_bugs_id_fk" FOREIGN KEY ("bug_id") REFERENCES "public"."bugs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bug_analyses" ADD CONSTRAINT "bug_analyses_bug_id_bugs_id_fk" FOREIGN KEY ("bug_id") REFERENCES "public"."bugs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "analysis_jobs_due_idx" ON "analysis_jobs" USING btree ("next_attempt_at") WHERE "analysis_jobs"."status" in ('pending', 'running');--> statement-breakpoint
CREATE INDEX "analysis_jobs_sent_idx" ON "analysis_jobs" USING btree ("sent_at");--> statement-breakpoint
CREATE INDEX "bug_analyses_severity_idx" ON "bug_analyses" USING btree ("severity");