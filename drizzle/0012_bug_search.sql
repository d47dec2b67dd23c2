CREATE TABLE "bug_search" (
	"bug_id" bigint PRIMARY KEY NOT NULL,
	"text" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bug_search" ADD CONSTRAINT "bug_search_bug_id_bugs_id_fk" FOREIGN KEY ("bug_id") REFERENCES "public"."bugs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Text search moves off the bugs row, which every report rewrites (see bug_search in schema.ts).
INSERT INTO "bug_search" ("bug_id", "text")
  SELECT id, error_type || ' ' || message || ' ' || coalesce(file_path, '') FROM bugs
  ON CONFLICT DO NOTHING;
--> statement-breakpoint
DROP INDEX IF EXISTS bugs_search_trgm_idx;
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX IF NOT EXISTS bug_search_text_trgm_idx ON bug_search
      USING gin ("text" gin_trgm_ops) WITH (gin_pending_list_limit = 512);
  END IF;
END $$;
