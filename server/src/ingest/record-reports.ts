import { sql } from 'drizzle-orm';
import { type Db, queryRowsPrepared } from '../db/client.ts';
import { projects } from '../db/schema.ts';
import type { ReportResult } from '../schemas/report.ts';
import { searchText } from '../search/queries.ts';
import type { PreparedReport } from './prepare-report.ts';

/** `regressed`: this batch reopened a fixed or resolved bug. */
export type RecordedBug = { bugId: number; projectId: string; isNew: boolean; regressed: boolean; count: number };

export type RecordOutcome = { results: ReportResult[]; bugs: RecordedBug[] };

type Group = { key: string; indexes: number[]; latest: PreparedReport };

const hourOf = (time: Date) => new Date(Math.floor(time.getTime() / 3_600_000) * 3_600_000);

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

const knownProjects = new WeakMap<Db, Set<string>>();

/** Creates projects an all-project key reports for before their first bug; cached per process. */
async function ensureProjects(db: Db, projectIds: string[]): Promise<void> {
  let known = knownProjects.get(db);
  if (!known) {
    known = new Set();
    knownProjects.set(db, known);
  }
  const missing = projectIds.filter((id) => !known.has(id));
  if (missing.length === 0) return;
  await db
    .insert(projects)
    .values(missing.sort().map((id) => ({ id, name: id })))
    .onConflictDoNothing();
  for (const id of missing) known.add(id);
}

const param = (values: unknown[]) => sql.param(values);

// A bug created by the batch (its count is the batch's own) is searchable once acknowledged;
// later message changes reach search through the refresher, off this statement.
const newBugSearchText = searchText(sql.raw('i.error_type'), sql.raw('i.message'), sql.raw('i.file_path'));

/**
 * Stores a batch of prepared reports as ONE statement (one round trip, one implicit
 * transaction): an upsert row per distinct (project, fingerprint), sorted so concurrent
 * batches lock bugs in the same order and never deadlock; an occurrence per report; the
 * per-bug and per-project hourly counts, each locked only after every bug row it follows;
 * a search row for each new bug.
 * Arrays travel as single text or int parameters (the types postgres.js serializes), so the
 * statement text never changes and stays prepared.
 */
export async function recordReports(db: Db, reports: PreparedReport[], now: Date): Promise<RecordOutcome> {
  if (reports.length === 0) return { results: [], bugs: [] };

  const groupsByKey = new Map<string, Group>();
  reports.forEach((report, index) => {
    const key = `${report.projectId}\u0000${report.fingerprint}`;
    const group = groupsByKey.get(key);
    if (group) {
      group.indexes.push(index);
      group.latest = report;
    } else {
      groupsByKey.set(key, { key, indexes: [index], latest: report });
    }
  });
  const groups = [...groupsByKey.values()].sort(byKey);
  await ensureProjects(db, [...new Set(reports.map((report) => report.projectId))]);

  const latest = groups.map((group) => group.latest);
  const nowIso = now.toISOString();
  const [row] = await queryRowsPrepared<{ bugs: BugReturn[]; occurrence_ids: number[] }>(
    db,
    sql`
    with input as (
      select * from unnest(
        ${param(latest.map((r) => r.projectId))}::text[],
        ${param(latest.map((r) => r.fingerprint))}::text[],
        ${param(latest.map((r) => r.source))}::text[],
        ${param(latest.map((r) => r.level))}::text[],
        ${param(latest.map((r) => r.errorType))}::text[],
        ${param(latest.map((r) => r.message))}::text[],
        ${param(latest.map((r) => r.filePath))}::text[],
        ${param(latest.map((r) => r.lineNumber))}::int[],
        ${param(latest.map((r) => r.environment))}::text[],
        ${param(latest.map((r) => r.release))}::text[],
        ${param(groups.map((g) => g.indexes.length))}::int[],
        ${param(latest.map((r) => JSON.stringify(r.context)))}::text[],
        ${param(latest.map((r) => r.stackTrace))}::text[]
      ) as t(project_id, fingerprint, source, level, error_type, message, file_path, line_number,
             environment, release, n, context, stack_trace)
    ),
    upserted as (
      insert into bugs as b (project_id, fingerprint, source, level, error_type, message, file_path, line_number,
                             environment, release, occurrence_count, first_seen, last_seen, context, stack_trace, updated_at)
      select project_id, fingerprint, source, level, error_type, message, file_path, line_number,
             environment, release, n, ${nowIso}::timestamptz, ${nowIso}::timestamptz, context::jsonb, stack_trace,
             ${nowIso}::timestamptz
      from input
      order by project_id, fingerprint
      on conflict (project_id, fingerprint) do update set
        occurrence_count = b.occurrence_count + excluded.occurrence_count,
        last_seen = greatest(b.last_seen, excluded.last_seen),
        level = excluded.level,
        error_type = excluded.error_type,
        message = excluded.message,
        file_path = excluded.file_path,
        line_number = excluded.line_number,
        environment = excluded.environment,
        release = excluded.release,
        context = excluded.context,
        stack_trace = excluded.stack_trace,
        updated_at = excluded.updated_at,
        status = case when b.status in ('fixed', 'resolved') then 'new' else b.status end,
        regressed = b.regressed or b.status in ('fixed', 'resolved'),
        regressed_at = case when b.status in ('fixed', 'resolved') then excluded.updated_at else b.regressed_at end,
        claimed_by = case when b.status in ('fixed', 'resolved') then null else b.claimed_by end,
        lease_until = case when b.status in ('fixed', 'resolved') then null else b.lease_until end
      returning b.id, b.project_id, b.fingerprint, b.source, b.occurrence_count, b.regressed_at
    ),
    occurrence_input as (
      select * from unnest(
        ${param(reports.map((r) => r.projectId))}::text[],
        ${param(reports.map((r) => r.fingerprint))}::text[],
        ${param(reports.map((r) => r.occurredAt.toISOString()))}::text[],
        ${param(reports.map((r) => r.level))}::text[],
        ${param(reports.map((r) => r.message))}::text[],
        ${param(reports.map((r) => r.stackTrace))}::text[],
        ${param(reports.map((r) => r.environment))}::text[],
        ${param(reports.map((r) => r.release))}::text[],
        ${param(reports.map((r) => JSON.stringify(r.context)))}::text[],
        ${param(reports.map((r) => JSON.stringify(r.tags)))}::text[]
      ) with ordinality as t(project_id, fingerprint, occurred_at, level, message, stack_trace, environment,
                             release, context, tags, position)
    ),
    inserted as (
      insert into occurrences (bug_id, received_at, occurred_at, level, message, stack_trace, environment,
                               release, context, tags)
      select u.id, ${nowIso}::timestamptz, o.occurred_at::timestamptz, o.level, o.message, o.stack_trace, o.environment,
             o.release, o.context::jsonb, o.tags::jsonb
      from occurrence_input o join upserted u using (project_id, fingerprint)
      order by o.position
      returning id
    ),
    searchable as (
      insert into bug_search (bug_id, text)
      select u.id, ${newBugSearchText}
      from upserted u join input i using (project_id, fingerprint)
      where u.occurrence_count = i.n
      order by u.id
      on conflict (bug_id) do nothing
    ),
    bug_hours as (
      insert into bug_hourly_counts as h (bug_id, hour, count)
      select u.id, ${hourOf(now).toISOString()}::timestamptz, i.n
      from upserted u join input i using (project_id, fingerprint)
      order by u.id
      on conflict (bug_id, hour) do update set count = h.count + excluded.count
    ),
    project_hours as (
      insert into project_hourly_counts as p (project_id, source, hour, count)
      select u.project_id, u.source, ${hourOf(now).toISOString()}::timestamptz, sum(i.n)::bigint
      from upserted u join input i using (project_id, fingerprint)
      group by u.project_id, u.source
      order by u.project_id, u.source
      on conflict (project_id, source, hour) do update set count = p.count + excluded.count
    )
    select
      (select json_agg(json_build_object(
         'id', id, 'project_id', project_id, 'fingerprint', fingerprint,
         'occurrence_count', occurrence_count, 'regressed', regressed_at = ${nowIso}::timestamptz))
       from upserted) as bugs,
      (select json_agg(id order by id) from inserted) as occurrence_ids`,
  );

  const returned = new Map(row.bugs.map((bug) => [`${bug.project_id}\u0000${bug.fingerprint}`, bug]));
  // Ids come from one sequence in insertion order, and rows were inserted in report order.
  const occurrenceIds = row.occurrence_ids.map(Number);
  const results: ReportResult[] = new Array(reports.length);
  const recordedBugs: RecordedBug[] = [];
  for (const group of groups) {
    const bug = returned.get(group.key) as BugReturn;
    const id = Number(bug.id);
    const total = Number(bug.occurrence_count);
    const n = group.indexes.length;
    const createdHere = total === n;
    group.indexes.forEach((index, position) => {
      results[index] = {
        bug_id: id,
        occurrence_id: occurrenceIds[index],
        fingerprint: group.latest.fingerprint,
        is_new: createdHere && position === 0,
        occurrence_count: total - (n - 1 - position),
      };
    });
    recordedBugs.push({ bugId: id, projectId: bug.project_id, isNew: createdHere, regressed: bug.regressed === true, count: n });
  }
  return { results, bugs: recordedBugs };
}

type BugReturn = {
  id: number | string;
  project_id: string;
  fingerprint: string;
  occurrence_count: number | string;
  regressed: boolean | null;
};
