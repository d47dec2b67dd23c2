CREATE TABLE "api_keys" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"project_id" text,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "bug_hourly_counts" (
	"bug_id" bigint NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "bug_hourly_counts_bug_id_hour_pk" PRIMARY KEY("bug_id","hour")
);
--> statement-breakpoint
CREATE TABLE "bugs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"fingerprint" text NOT NULL,
	"source" text NOT NULL,
	"level" text NOT NULL,
	"error_type" text NOT NULL,
	"message" text NOT NULL,
	"file_path" text,
	"line_number" integer,
	"environment" text NOT NULL,
	"release" text,
	"status" text DEFAULT 'new' NOT NULL,
	"regressed" boolean DEFAULT false NOT NULL,
	"occurrence_count" bigint NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"stack_trace" text,
	"assignee" text,
	"note" text,
	"claimed_by" text,
	"lease_until" timestamp with time zone,
	"repair_attempts" integer DEFAULT 0 NOT NULL,
	"fix_summary" text,
	"fix_url" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "occurrences" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bug_id" bigint NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"level" text NOT NULL,
	"message" text NOT NULL,
	"stack_trace" text,
	"environment" text NOT NULL,
	"release" text,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"dsn_id" integer GENERATED ALWAYS AS IDENTITY (sequence name "projects_dsn_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_dsn_id_unique" UNIQUE("dsn_id")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bug_hourly_counts" ADD CONSTRAINT "bug_hourly_counts_bug_id_bugs_id_fk" FOREIGN KEY ("bug_id") REFERENCES "public"."bugs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bugs" ADD CONSTRAINT "bugs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "occurrences" ADD CONSTRAINT "occurrences_bug_id_bugs_id_fk" FOREIGN KEY ("bug_id") REFERENCES "public"."bugs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_project_idx" ON "api_keys" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "bug_hourly_counts_hour_idx" ON "bug_hourly_counts" USING btree ("hour");--> statement-breakpoint
CREATE UNIQUE INDEX "bugs_project_fingerprint_key" ON "bugs" USING btree ("project_id","fingerprint");--> statement-breakpoint
CREATE INDEX "bugs_last_seen_idx" ON "bugs" USING btree ("last_seen" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bugs_first_seen_idx" ON "bugs" USING btree ("first_seen" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bugs_count_idx" ON "bugs" USING btree ("occurrence_count" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bugs_project_last_seen_idx" ON "bugs" USING btree ("project_id","last_seen" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bugs_source_last_seen_idx" ON "bugs" USING btree ("source","last_seen" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bugs_status_last_seen_idx" ON "bugs" USING btree ("status","last_seen" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bugs_level_idx" ON "bugs" USING btree ("level");--> statement-breakpoint
CREATE INDEX "bugs_environment_idx" ON "bugs" USING btree ("environment");--> statement-breakpoint
CREATE INDEX "bugs_pending_idx" ON "bugs" USING btree ("source","occurrence_count" DESC NULLS LAST) WHERE "bugs"."status" in ('new', 'fixing');--> statement-breakpoint
CREATE INDEX "occurrences_bug_received_idx" ON "occurrences" USING btree ("bug_id","received_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "occurrences_received_idx" ON "occurrences" USING btree ("received_at");