import { type SQL, and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { CompleteTask } from '../../schemas/task.ts';
import type { Level, Source } from '../../schemas/report.ts';
import { levels } from '../../schemas/report.ts';
import type { Db } from '../client.ts';
import { type BugRow, bugs } from '../schema.ts';

const levelRank = sql`array_position(array[${sql.join(
  levels.map((level: Level) => sql`${level}`),
  sql`, `,
)}]::text[], ${bugs.level})`;

const leaseExpired = (now: Date) => and(eq(bugs.status, 'fixing'), lt(bugs.leaseUntil, now)) as SQL;

/** Returns bugs whose repair lease ran out to `new`, so another agent can take them. */
export async function releaseExpiredLeases(db: Db, now: Date): Promise<number> {
  const rows = await db
    .update(bugs)
    .set({ status: 'new', claimedBy: null, leaseUntil: null, updatedAt: now })
    .where(leaseExpired(now))
    .returning({ id: bugs.id });
  return rows.length;
}

export async function pendingTasks(
  db: Db,
  filters: { source?: Source; project_id?: string; limit: number },
  now: Date,
): Promise<BugRow[]> {
  await releaseExpiredLeases(db, now);
  const conditions: SQL[] = [eq(bugs.status, 'new')];
  if (filters.source) conditions.push(eq(bugs.source, filters.source));
  if (filters.project_id) conditions.push(eq(bugs.projectId, filters.project_id));
  return db
    .select()
    .from(bugs)
    .where(and(...conditions))
    .orderBy(desc(levelRank), desc(bugs.occurrenceCount), desc(bugs.lastSeen), desc(bugs.id))
    .limit(filters.limit);
}

/** Atomic: of two agents claiming the same bug, exactly one gets the row back. */
export async function claimTask(db: Db, id: number, agent: string, leaseSeconds: number, now: Date) {
  const [row] = await db
    .update(bugs)
    .set({
      status: 'fixing',
      claimedBy: agent,
      leaseUntil: new Date(now.getTime() + leaseSeconds * 1000),
      updatedAt: now,
    })
    .where(and(eq(bugs.id, id), or(eq(bugs.status, 'new'), leaseExpired(now))))
    .returning();
  return row;
}

export async function completeTask(db: Db, id: number, completion: CompleteTask, now: Date) {
  const set: Partial<typeof bugs.$inferInsert> =
    completion.outcome === 'fixed'
      ? {
          status: 'fixed',
          leaseUntil: null,
          fixSummary: completion.summary ?? null,
          fixUrl: completion.url ?? null,
          updatedAt: now,
        }
      : {
          status: 'new',
          claimedBy: null,
          leaseUntil: null,
          repairAttempts: sql`${bugs.repairAttempts} + 1` as unknown as number,
          fixSummary: completion.summary ?? null,
          updatedAt: now,
        };
  const [row] = await db
    .update(bugs)
    .set(set)
    .where(and(eq(bugs.id, id), eq(bugs.status, 'fixing'), eq(bugs.claimedBy, completion.agent)))
    .returning();
  return row;
}
