import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { type AnalysisJobRow, type BugAnalysisRow, analysisJobs, bugAnalyses } from '../db/schema.ts';
import type { Analysis } from '../schemas/analysis.ts';

export type AnalysisReason = 'new' | 'regression' | 'manual';

/**
 * Queues bugs for analysis. A new bug is queued once; a regression or a manual request
 * puts a finished or failed job back in the queue with fresh attempt counters.
 */
export async function enqueueAnalyses(db: Db, bugIds: number[], reason: AnalysisReason, now: Date): Promise<void> {
  if (bugIds.length === 0) return;
  const rows = bugIds.map((bugId) => ({ bugId, reason, nextAttemptAt: now, createdAt: now, updatedAt: now }));
  const insert = db.insert(analysisJobs).values(rows);
  if (reason === 'new') {
    await insert.onConflictDoNothing();
    return;
  }
  await insert.onConflictDoUpdate({
    target: analysisJobs.bugId,
    set: {
      reason,
      status: 'pending',
      attempts: 0,
      retries: 0,
      lastError: null,
      nextAttemptAt: now,
      updatedAt: now,
    },
  });
}

/** Bugs sent to the model within the last hour, by every replica. */
export async function countSentSince(db: Db, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number | string>`count(*)` })
    .from(analysisJobs)
    .where(sql`${analysisJobs.sentAt} > ${since.toISOString()}::timestamptz`);
  return Number(row?.n ?? 0);
}

/**
 * Claims up to `limit` due jobs for this worker. `FOR UPDATE SKIP LOCKED` keeps two replicas
 * off the same bug; the lease in `next_attempt_at` returns a job to the queue if its worker dies.
 */
export async function claimDueJobs(db: Db, now: Date, limit: number, leaseMs: number): Promise<AnalysisJobRow[]> {
  const due = db
    .select({ bugId: analysisJobs.bugId })
    .from(analysisJobs)
    .where(
      and(
        inArray(analysisJobs.status, ['pending', 'running']),
        sql`${analysisJobs.nextAttemptAt} <= ${now.toISOString()}::timestamptz`,
      ),
    )
    .orderBy(analysisJobs.nextAttemptAt, analysisJobs.bugId)
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(analysisJobs)
    .set({ status: 'running', nextAttemptAt: new Date(now.getTime() + leaseMs), sentAt: now, updatedAt: now })
    .where(inArray(analysisJobs.bugId, due))
    .returning();
}

export type JobOutcome =
  | { status: 'done'; analysis: Omit<Analysis, 'analyzed_at'> }
  | { status: 'pending'; error: string; nextAttemptAt: Date; attempts: number; retries: number }
  | { status: 'failed'; error: string; attempts: number; retries: number };

/** Records the outcome of one claimed job; a no-op when the job was re-queued or taken over meanwhile. */
export async function finishJob(db: Db, claimed: AnalysisJobRow, outcome: JobOutcome, now: Date): Promise<boolean> {
  const stillOurs = and(
    eq(analysisJobs.bugId, claimed.bugId),
    eq(analysisJobs.status, 'running'),
    sql`${analysisJobs.nextAttemptAt} = ${claimed.nextAttemptAt.toISOString()}::timestamptz`,
  );
  if (outcome.status !== 'done') {
    const rows = await db
      .update(analysisJobs)
      .set({
        status: outcome.status,
        attempts: outcome.attempts,
        retries: outcome.retries,
        lastError: outcome.error,
        nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : now,
        updatedAt: now,
      })
      .where(stillOurs)
      .returning({ bugId: analysisJobs.bugId });
    return rows.length > 0;
  }
  const { analysis } = outcome;
  const values = {
    summary: analysis.summary,
    probableCause: analysis.probable_cause,
    suggestedFix: analysis.suggested_fix,
    severity: analysis.severity,
    confidence: analysis.confidence,
    category: analysis.category,
    model: analysis.model,
    analyzedAt: now,
  };
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(analysisJobs)
      .set({ status: 'done', lastError: null, nextAttemptAt: now, updatedAt: now })
      .where(stillOurs)
      .returning({ bugId: analysisJobs.bugId });
    if (rows.length === 0) return false;
    await tx
      .insert(bugAnalyses)
      .values({ bugId: claimed.bugId, ...values })
      .onConflictDoUpdate({ target: bugAnalyses.bugId, set: values });
    return true;
  });
}

export function toAnalysisJson(row: BugAnalysisRow): Analysis {
  return {
    summary: row.summary,
    probable_cause: row.probableCause,
    suggested_fix: row.suggestedFix,
    severity: row.severity as Analysis['severity'],
    confidence: row.confidence,
    category: row.category,
    model: row.model,
    analyzed_at: row.analyzedAt.toISOString(),
  };
}

export async function analysesFor(db: Db, bugIds: number[]): Promise<Map<number, Analysis>> {
  if (bugIds.length === 0) return new Map();
  const rows = await db.select().from(bugAnalyses).where(inArray(bugAnalyses.bugId, bugIds));
  return new Map(rows.map((row) => [row.bugId, toAnalysisJson(row)]));
}

export async function getJob(db: Db, bugId: number): Promise<AnalysisJobRow | undefined> {
  const [row] = await db.select().from(analysisJobs).where(eq(analysisJobs.bugId, bugId));
  return row;
}
