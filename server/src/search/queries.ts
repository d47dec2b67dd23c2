import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.ts';
import { bugSearch, bugs } from '../db/schema.ts';

/** The text `q` matches for a bug; the trigram index covers `bug_search.text`, which holds exactly this. */
export const searchText = (errorType: SQLWrapper, message: SQLWrapper, filePath: SQLWrapper): SQL =>
  sql`${errorType} || ' ' || ${message} || ' ' || coalesce(${filePath}, '')`;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

/** The bug list's `q`: a case-insensitive substring of the bug's search text. */
export function matchesSearch(q: string): SQL {
  return sql`${bugs.id} in (select ${bugSearch.bugId} from ${bugSearch} where ${bugSearch.text} ilike ${`%${escapeLike(q)}%`})`;
}

export type SearchRefresh = { changed: number; added: number };

/** Which bugs a refresh looks at: those seen since a time, or the next `limit` bugs by id (a full pass in slices). */
type RefreshScope = { since: Date } | { afterId: number; limit: number };

/**
 * Brings `bug_search` up to date for the bugs seen since `since`: rewrites a row only when its text
 * differs, and adds rows for bugs written without one. Stale rows are locked in `bug_id`
 * order, so replicas refreshing at once never deadlock.
 */
export async function refreshBugSearch(db: Db, scope: { since: Date }): Promise<SearchRefresh> {
  const { changed, added } = await refreshScope(db, scope);
  return { changed, added };
}

/** `refreshBugSearch` over any scope; `lastId` is the highest bug id it looked at. */
async function refreshScope(db: Db, scope: RefreshScope): Promise<SearchRefresh & { lastId: number | null }> {
  const where =
    'since' in scope
      ? sql`where ${bugs.lastSeen} >= ${scope.since.toISOString()}::timestamptz`
      : sql`where ${bugs.id} > ${scope.afterId} order by ${bugs.id} limit ${scope.limit}`;
  const [row] = await queryRows<{ changed: number | string; added: number | string; last_id: number | string | null }>(
    db,
    sql`
    with current_text as materialized (
      select ${bugs.id} as bug_id, ${searchText(bugs.errorType, bugs.message, bugs.filePath)} as text
      from ${bugs} ${where}
    ),
    stale as (
      select s.bug_id, c.text from bug_search s join current_text c using (bug_id)
      where s.text <> c.text
      order by s.bug_id
      for update of s
    ),
    changed as (
      update bug_search s set text = stale.text from stale where s.bug_id = stale.bug_id returning 1
    ),
    added as (
      insert into bug_search (bug_id, text)
      select c.bug_id, c.text from current_text c
      where not exists (select 1 from bug_search s where s.bug_id = c.bug_id)
      order by c.bug_id
      on conflict (bug_id) do nothing
      returning 1
    )
    select (select count(*) from changed) as changed, (select count(*) from added) as added,
           (select max(bug_id) from current_text) as last_id`,
  );
  const lastId = row?.last_id == null ? null : Number(row.last_id);
  return { changed: Number(row?.changed ?? 0), added: Number(row?.added ?? 0), lastId };
}

/**
 * Refreshes every bug, `sliceSize` bugs per statement so a large instance stays well inside
 * the statement timeout. Slices follow the ids that exist: every upsert draws a sequence
 * value, so bug ids are sparse and ranges of them would mostly be empty.
 */
export async function refreshAllBugSearch(db: Db, sliceSize = 5_000): Promise<SearchRefresh> {
  const total: SearchRefresh = { changed: 0, added: 0 };
  let afterId = 0;
  for (;;) {
    const slice = await refreshScope(db, { afterId, limit: sliceSize });
    total.changed += slice.changed;
    total.added += slice.added;
    if (slice.lastId === null) return total;
    afterId = slice.lastId;
  }
}
