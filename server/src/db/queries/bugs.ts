import { type SQL, and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { BugFilters, BugPatch, BugSort, CountBucket } from '../../schemas/bug.ts';
import { badRequest } from '../../http/errors.ts';
import type { Db } from '../client.ts';
import { matchesSearch } from '../../search/queries.ts';
import { type BugRow, type OccurrenceRow, bugAnalyses, bugHourlyCounts, bugs, occurrences } from '../schema.ts';

export function bugFilterConditions(filters: BugFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.project_id) conditions.push(inArray(bugs.projectId, filters.project_id));
  if (filters.source) conditions.push(inArray(bugs.source, filters.source));
  if (filters.status) conditions.push(inArray(bugs.status, filters.status));
  if (filters.level) conditions.push(inArray(bugs.level, filters.level));
  if (filters.environment) conditions.push(inArray(bugs.environment, filters.environment));
  if (filters.q) conditions.push(matchesSearch(filters.q));
  if (filters.severity) {
    conditions.push(
      sql`exists (select 1 from ${bugAnalyses} where ${bugAnalyses.bugId} = ${bugs.id} and ${inArray(bugAnalyses.severity, filters.severity)})`,
    );
  }
  return conditions;
}

const sortColumns = { last_seen: bugs.lastSeen, first_seen: bugs.firstSeen, count: bugs.occurrenceCount } as const;

type Cursor = { value: string | number; id: number };

export function encodeCursor(row: BugRow, sort: BugSort): string {
  const value = sort === 'count' ? row.occurrenceCount : (sort === 'first_seen' ? row.firstSeen : row.lastSeen).toISOString();
  return Buffer.from(JSON.stringify([value, row.id])).toString('base64url');
}

function decodeCursor(cursor: string, sort: BugSort): Cursor {
  try {
    const [value, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const validValue =
      sort === 'count' ? Number.isSafeInteger(value) : typeof value === 'string' && !Number.isNaN(Date.parse(value));
    if (validValue && Number.isSafeInteger(id)) return { value: value as string | number, id: id as number };
  } catch {}
  throw badRequest('invalid cursor', [{ path: 'cursor', message: 'use next_cursor from a previous page with the same sort' }]);
}

export type ListBugsOptions = {
  filters: BugFilters;
  sort: BugSort;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
};

export async function listBugs(db: Db, options: ListBugsOptions): Promise<{ rows: BugRow[]; nextCursor: string | null }> {
  const column = sortColumns[options.sort];
  const conditions = bugFilterConditions(options.filters);
  if (options.cursor) {
    const cursor = decodeCursor(options.cursor, options.sort);
    const value = options.sort === 'count' ? sql`${Number(cursor.value)}::bigint` : sql`${cursor.value}::timestamptz`;
    const beyond = options.order === 'desc' ? sql`<` : sql`>`;
    conditions.push(sql`(${column}, ${bugs.id}) ${beyond} (${value}, ${cursor.id}::bigint)`);
  }
  const direction = options.order === 'desc' ? desc : asc;
  const rows = await db
    .select()
    .from(bugs)
    .where(and(...conditions))
    .orderBy(direction(column), direction(bugs.id))
    .limit(options.limit + 1);
  const hasMore = rows.length > options.limit;
  const page = hasMore ? rows.slice(0, options.limit) : rows;
  return { rows: page, nextCursor: hasMore ? encodeCursor(page[page.length - 1], options.sort) : null };
}

export async function getBug(db: Db, id: number): Promise<BugRow | undefined> {
  const [row] = await db.select().from(bugs).where(eq(bugs.id, id)).limit(1);
  return row;
}

export async function recentOccurrences(db: Db, bugId: number, limit: number): Promise<OccurrenceRow[]> {
  return db
    .select()
    .from(occurrences)
    .where(eq(occurrences.bugId, bugId))
    .orderBy(desc(occurrences.receivedAt), desc(occurrences.id))
    .limit(limit);
}

/** Counts per hour for the last `hours` hours, zero-filled, oldest first. */
export async function hourlyCounts(db: Db, bugId: number, now: Date, hours = 24): Promise<CountBucket[]> {
  const end = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
  const start = new Date(end - (hours - 1) * 3_600_000);
  const rows = await db
    .select({ hour: bugHourlyCounts.hour, count: bugHourlyCounts.count })
    .from(bugHourlyCounts)
    .where(and(eq(bugHourlyCounts.bugId, bugId), gte(bugHourlyCounts.hour, start)));
  const byHour = new Map(rows.map((row) => [row.hour.getTime(), row.count]));
  return Array.from({ length: hours }, (_, i) => {
    const hour = start.getTime() + i * 3_600_000;
    return { bucket: new Date(hour).toISOString(), count: byHour.get(hour) ?? 0 };
  });
}

export async function patchBug(db: Db, id: number, patch: BugPatch, now: Date): Promise<BugRow | undefined> {
  const set: Partial<typeof bugs.$inferInsert> = { updatedAt: now };
  if (patch.status !== undefined) {
    set.status = patch.status;
    if (patch.status === 'new') {
      set.claimedBy = null;
      set.leaseUntil = null;
    }
  }
  if (patch.assignee !== undefined) set.assignee = patch.assignee || null;
  if (patch.note !== undefined) set.note = patch.note;
  const [row] = await db.update(bugs).set(set).where(eq(bugs.id, id)).returning();
  return row;
}

