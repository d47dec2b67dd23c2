CREATE TABLE "project_hourly_counts" (
	"project_id" text NOT NULL,
	"source" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "project_hourly_counts_project_id_source_hour_pk" PRIMARY KEY("project_id","source","hour")
);
--> statement-breakpoint
ALTER TABLE "project_hourly_counts" ADD CONSTRAINT "project_hourly_counts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "project_hourly_counts_hour_idx" ON "project_hourly_counts" USING btree ("hour");