-- Every report rewrites its bug row, and a non-HOT update adds entries to every index,
-- this trigram index included. With the default 4 MB pending list, the insert that finds
-- the list full merges all of it while its whole batch waits: p99 went from ~45 ms to
-- ~85 ms in `npm run bench`. A 512 kB list merges often and briefly instead.
ALTER INDEX IF EXISTS bugs_search_trgm_idx SET (gin_pending_list_limit = 512);
