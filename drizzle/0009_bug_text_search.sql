-- Trigram index for the bug list's text search (q). Where pg_trgm cannot be installed
-- (a managed database without it), search still works, scanning instead of using the index.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available; bug text search runs without an index';
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX IF NOT EXISTS bugs_search_trgm_idx ON bugs
      USING gin ((error_type || ' ' || message || ' ' || coalesce(file_path, '')) gin_trgm_ops);
  END IF;
END $$;
