import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { bugHourlyCounts, bugs, occurrences, projects } from '../db/schema.ts';
import type { ReportResult } from '../schemas/report.ts';
import type { PreparedReport } from './prepare-report.ts';

/** `regressed`: this batch reopened a fixed or resolved bug. */
export type RecordedBug = { bugId: number; projectId: string; isNew: boolean; regressed: boolean; count: number };

export type RecordOutcome = { results: ReportResult[]; bugs: RecordedBug[] };

type Group = { key: string; indexes: number[]; latest: PreparedReport };

// Keeps every statement well below PostgreSQL's 65,535 bind parameters.
const chunkSize = 1000;

const chunks = <T>(items: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += chunkSize) out.push(items.slice(i, i + chunkSize));
  return out;
};

const hourOf = (time: Date) => new Date(Math.floor(time.getTime() / 3_600_000) * 3_600_000);

/**
 * Stores a batch of prepared reports in one transaction: one upsert row per distinct
 * (project, fingerprint), sorted so concurrent batches lock bugs in the same order and
 * never deadlock, then one occurrence per report and the hourly counts.
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
  const groups = [...groupsByKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const projectIds = [...new Set(reports.map((report) => report.projectId))].sort();

  return db.transaction(async (tx) => {
    await tx
      .insert(projects)
      .values(projectIds.map((id) => ({ id, name: id })))
      .onConflictDoNothing();

    const upserted: { id: number; occurrenceCount: number; regressedAt: Date | null }[] = [];
    for (const part of chunks(groups)) {
      const rows = await tx
        .insert(bugs)
        .values(
          part.map(({ latest, indexes }) => ({
            projectId: latest.projectId,
            fingerprint: latest.fingerprint,
            source: latest.source,
            level: latest.level,
            errorType: latest.errorType,
            message: latest.message,
            filePath: latest.filePath,
            lineNumber: latest.lineNumber,
            environment: latest.environment,
            release: latest.release,
            occurrenceCount: indexes.length,
            firstSeen: now,
            lastSeen: now,
            context: latest.context,
            stackTrace: latest.stackTrace,
            updatedAt: now,
          })),
        )
        .onConflictDoUpdate({
          target: [bugs.projectId, bugs.fingerprint],
          set: {
            occurrenceCount: sql`${bugs.occurrenceCount} + excluded.occurrence_count`,
            lastSeen: sql`greatest(${bugs.lastSeen}, excluded.last_seen)`,
            level: sql`excluded.level`,
            errorType: sql`excluded.error_type`,
            message: sql`excluded.message`,
            filePath: sql`excluded.file_path`,
            lineNumber: sql`excluded.line_number`,
            environment: sql`excluded.environment`,
            release: sql`excluded.release`,
            context: sql`excluded.context`,
            stackTrace: sql`excluded.stack_trace`,
            updatedAt: sql`excluded.updated_at`,
            // Regression: a fixed or resolved bug that happens again needs attention again.
            status: sql`case when ${bugs.status} in ('fixed', 'resolved') then 'new' else ${bugs.status} end`,
            regressed: sql`${bugs.regressed} or ${bugs.status} in ('fixed', 'resolved')`,
            regressedAt: sql`case when ${bugs.status} in ('fixed', 'resolved') then excluded.updated_at else ${bugs.regressedAt} end`,
            claimedBy: sql`case when ${bugs.status} in ('fixed', 'resolved') then null else ${bugs.claimedBy} end`,
            leaseUntil: sql`case when ${bugs.status} in ('fixed', 'resolved') then null else ${bugs.leaseUntil} end`,
          },
        })
        .returning({
          id: bugs.id,
          occurrenceCount: bugs.occurrenceCount,
          regressedAt: bugs.regressedAt,
        });
      upserted.push(...rows);
    }

    const bugIdByReport = new Array<number>(reports.length);
    groups.forEach((group, i) => {
      for (const index of group.indexes) bugIdByReport[index] = upserted[i].id;
    });

    const occurrenceIds: number[] = [];
    for (const part of chunks(reports.map((report, index) => ({ report, index })))) {
      const rows = await tx
        .insert(occurrences)
        .values(
          part.map(({ report, index }) => ({
            bugId: bugIdByReport[index],
            receivedAt: now,
            occurredAt: report.occurredAt,
            level: report.level,
            message: report.message,
            stackTrace: report.stackTrace,
            environment: report.environment,
            release: report.release,
            context: report.context,
            tags: report.tags,
          })),
        )
        .returning({ id: occurrences.id });
      occurrenceIds.push(...rows.map((row) => row.id));
    }

    const hour = hourOf(now);
    const hourly = groups
      .map((group, i) => ({ bugId: upserted[i].id, hour, count: group.indexes.length }))
      .sort((a, b) => a.bugId - b.bugId);
    for (const part of chunks(hourly)) {
      await tx
        .insert(bugHourlyCounts)
        .values(part)
        .onConflictDoUpdate({
          target: [bugHourlyCounts.bugId, bugHourlyCounts.hour],
          set: { count: sql`${bugHourlyCounts.count} + excluded.count` },
        });
    }

    const results: ReportResult[] = new Array(reports.length);
    const recordedBugs: RecordedBug[] = [];
    groups.forEach((group, i) => {
      const row = upserted[i];
      const n = group.indexes.length;
      const createdHere = row.occurrenceCount === n;
      group.indexes.forEach((index, position) => {
        results[index] = {
          bug_id: row.id,
          occurrence_id: occurrenceIds[index],
          fingerprint: group.latest.fingerprint,
          is_new: createdHere && position === 0,
          occurrence_count: row.occurrenceCount - (n - 1 - position),
        };
      });
      recordedBugs.push({
        bugId: row.id,
        projectId: group.latest.projectId,
        isNew: createdHere,
        regressed: row.regressedAt?.getTime() === now.getTime(),
        count: n,
      });
    });
    return { results, bugs: recordedBugs };
  });
}
