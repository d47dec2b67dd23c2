import { type SQL, and, desc, eq, gte, sql } from 'drizzle-orm';
import { statuses } from '../../schemas/bug.ts';
import { levels, sources } from '../../schemas/report.ts';
import type { Stats, StatsQuery } from '../../schemas/stats.ts';
import { toBugJson } from '../serialize.ts';
import { type Db, queryRows } from '../client.ts';
import { bugs, projectHourlyCounts } from '../schema.ts';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

const zeroCounts = <T extends readonly string[]>(keys: T) =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<T[number], number>;

function windowStart(query: StatsQuery, now: Date): Date | undefined {
  if (!query.since) return undefined;
  return 'at' in query.since ? query.since.at : new Date(now.getTime() - query.since.lookBackMs);
}

export async function dashboardStats(db: Db, query: StatsQuery, now: Date): Promise<Stats> {
  const since = windowStart(query, now);
  const scope: SQL[] = [];
  if (query.project_id) scope.push(eq(bugs.projectId, query.project_id));
  if (query.source) scope.push(eq(bugs.source, query.source));
  const inWindow = since ? [...scope, gte(bugs.lastSeen, since)] : scope;

  const groupsQuery = db
    .select({
      projectId: bugs.projectId,
      source: bugs.source,
      status: bugs.status,
      level: bugs.level,
      bugs: sql<number>`count(*)::int`,
      occurrences: sql<number>`coalesce(sum(${bugs.occurrenceCount}), 0)::bigint`,
    })
    .from(bugs)
    .where(and(...inWindow))
    .groupBy(bugs.projectId, bugs.source, bugs.status, bugs.level);

  // Inside a window, occurrences are counted from the hourly table, not the lifetime totals.
  const windowQuery = since
    ? db
        .select({
          projectId: projectHourlyCounts.projectId,
          source: projectHourlyCounts.source,
          occurrences: sql<number>`coalesce(sum(${projectHourlyCounts.count}), 0)::bigint`,
        })
        .from(projectHourlyCounts)
        .where(and(...hourlyScope(query), gte(projectHourlyCounts.hour, new Date(Math.floor(since.getTime() / hourMs) * hourMs))))
        .groupBy(projectHourlyCounts.projectId, projectHourlyCounts.source)
    : undefined;

  const trendStart = since ?? new Date(now.getTime() - dayMs);
  const bucket = query.bucket ?? (now.getTime() - trendStart.getTime() <= 2 * dayMs ? 'hour' : 'day');
  const trendQuery = trendBuckets(db, hourlyScope(query), trendStart, now, bucket);

  const topBugsQuery = db
    .select()
    .from(bugs)
    .where(and(...inWindow))
    .orderBy(desc(bugs.occurrenceCount), desc(bugs.lastSeen))
    .limit(10);

  // Independent queries: one round trip of latency instead of four.
  const [groups, windowOccurrences, trend, topBugs] = await Promise.all([groupsQuery, windowQuery, trendQuery, topBugsQuery]);

  const byStatus = zeroCounts(statuses);
  const byLevel = zeroCounts(levels);
  const sourceDistribution = zeroCounts(sources);
  const occurrencesBySource = zeroCounts(sources);
  const byProject = new Map<string, { project_id: string; bugs: number; occurrences: number }>();
  const projectEntry = (projectId: string) => {
    let entry = byProject.get(projectId);
    if (!entry) {
      entry = { project_id: projectId, bugs: 0, occurrences: 0 };
      byProject.set(projectId, entry);
    }
    return entry;
  };
  let totalBugs = 0;
  for (const group of groups) {
    const count = Number(group.bugs);
    totalBugs += count;
    byStatus[group.status as keyof typeof byStatus] += count;
    byLevel[group.level as keyof typeof byLevel] += count;
    sourceDistribution[group.source as keyof typeof sourceDistribution] += count;
    projectEntry(group.projectId).bugs += count;
  }
  let totalOccurrences = 0;
  for (const group of windowOccurrences ?? groups) {
    const count = Number(group.occurrences);
    totalOccurrences += count;
    occurrencesBySource[group.source as keyof typeof occurrencesBySource] += count;
    projectEntry(group.projectId).occurrences += count;
  }

  return {
    total_bugs: totalBugs,
    total_occurrences: totalOccurrences,
    by_status: byStatus,
    by_level: byLevel,
    source_distribution: sourceDistribution,
    occurrences_by_source: occurrencesBySource,
    by_project: [...byProject.values()].sort((a, b) => b.occurrences - a.occurrences),
    trend,
    trend_bucket: bucket,
    top_bugs: topBugs.map(toBugJson),
  };
}

function hourlyScope(query: StatsQuery): SQL[] {
  const scope: SQL[] = [];
  if (query.project_id) scope.push(eq(projectHourlyCounts.projectId, query.project_id));
  if (query.source) scope.push(eq(projectHourlyCounts.source, query.source));
  return scope;
}

async function trendBuckets(db: Db, scope: SQL[], start: Date, now: Date, bucket: 'hour' | 'day') {
  const size = bucket === 'hour' ? hourMs : dayMs;
  const first = Math.floor(start.getTime() / size) * size;
  const last = Math.floor(now.getTime() / size) * size;
  const where = and(...scope, gte(projectHourlyCounts.hour, new Date(first)));
  const rows = await queryRows<{ bucket: Date | string; count: string | number }>(
    db,
    sql`select date_trunc(${bucket}, ${projectHourlyCounts.hour} at time zone 'UTC') as bucket,
               sum(${projectHourlyCounts.count})::bigint as count
        from ${projectHourlyCounts}
        where ${where}
        group by 1`,
  );
  const counts = new Map<number, number>();
  for (const row of rows) {
    const time = row.bucket instanceof Date ? row.bucket : new Date(`${String(row.bucket).replace(' ', 'T')}Z`);
    counts.set(time.getTime(), Number(row.count));
  }
  const out: { bucket: string; count: number }[] = [];
  for (let time = first; time <= last; time += size) {
    out.push({ bucket: new Date(time).toISOString(), count: counts.get(time) ?? 0 });
  }
  return out;
}
