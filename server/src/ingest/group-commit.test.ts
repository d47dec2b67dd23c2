import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugs, occurrences } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import { createHarness, type Harness } from '../../test/harness.ts';
import { createGroupCommitter } from './group-commit.ts';
import type { PreparedReport } from './prepare-report.ts';
import type { RecordOutcome } from './record-reports.ts';

const fakeReport = (errorType: string) => ({ errorType }) as PreparedReport;

/** A writer that answers each report with its position, and records the batch sizes it saw. */
function fakeWriter(fail?: (reports: PreparedReport[]) => unknown) {
  const batches: number[] = [];
  const write = async (reports: PreparedReport[]): Promise<RecordOutcome> => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const error = fail?.(reports);
    if (error) throw error;
    batches.push(reports.length);
    return {
      results: reports.map((report, i) => ({
        bug_id: i,
        occurrence_id: i,
        fingerprint: report.errorType,
        is_new: false,
        occurrence_count: 1,
      })),
      bugs: [],
    };
  };
  return { write, batches };
}

describe('group commit', () => {
  it('coalesces concurrent submissions into few transactions and answers each its own results', async () => {
    const writer = fakeWriter();
    const committer = createGroupCommitter(writer.write, { maxWaitMs: 2, maxInFlight: 1, maxBatch: 500 });
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => committer.submit([fakeReport(`a${i}`), fakeReport(`b${i}`)])),
    );
    expect(answers.every((results, i) => results.map((r) => r.fingerprint).join() === `a${i},b${i}`)).toBe(true);
    expect(writer.batches.reduce((a, b) => a + b, 0)).toBe(600);
    expect(writer.batches.length).toBeLessThanOrEqual(4);
    expect(Math.max(...writer.batches)).toBeLessThanOrEqual(500);
  });

  it('fails only the request whose report the database refuses', async () => {
    const poison = Object.assign(new Error('invalid input syntax'), { code: '22P02' });
    const writer = fakeWriter((reports) => (reports.some((r) => r.errorType === 'poison') ? poison : undefined));
    const committer = createGroupCommitter(writer.write, { maxWaitMs: 5, maxInFlight: 1 });
    const outcomes = await Promise.allSettled([
      committer.submit([fakeReport('ok1')]),
      committer.submit([fakeReport('poison')]),
      committer.submit([fakeReport('ok2'), fakeReport('ok3')]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (outcomes[1] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(ApiError);
    expect((reason as ApiError).status).toBe(503);
  });

  it('fails a whole batch when the database is unreachable, and recovers afterwards', async () => {
    let down = true;
    const writer = fakeWriter(() => (down ? Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) : undefined));
    const committer = createGroupCommitter(writer.write, { maxWaitMs: 5, maxInFlight: 1 });
    const failed = await Promise.allSettled([committer.submit([fakeReport('x')]), committer.submit([fakeReport('y')])]);
    expect(failed.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    down = false;
    await expect(committer.submit([fakeReport('z')])).resolves.toHaveLength(1);
  });

  it('answers 503 with Retry-After once too many reports wait, instead of queueing without bound', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const committer = createGroupCommitter(
      async (reports) => {
        await gate;
        return fakeWriter().write(reports);
      },
      { maxPending: 10, maxWaitMs: 0 },
    );
    const accepted = Array.from({ length: 5 }, () => committer.submit([fakeReport('a'), fakeReport('b')]));
    const refused = committer.submit([fakeReport('c')]);
    await expect(refused).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    expect(committer.pending).toBe(10);
    release();
    await Promise.all(accepted);
    await committer.drain();
    expect(committer.pending).toBe(0);
  });
});

describe('group commit on the real database', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await createHarness();
    key = await h.createGlobalKey();
  });
  afterAll(() => h.close());

  it('never deadlocks or loses a count when concurrent batches overlap in fingerprints', async () => {
    const fingerprints = Array.from({ length: 40 }, (_, i) => `f${i}.ts`);
    const shuffled = (seed: number) =>
      fingerprints
        .map((file, i) => ({ file, order: (i * 7919 + seed * 104_729) % 97 }))
        .sort((a, b) => a.order - b.order)
        .map(({ file }) => ({ project_id: 'overlap', error_type: 'E', message: 'm', file_path: file }));
    const responses = await Promise.all(Array.from({ length: 60 }, (_, seed) => h.reportBatch(key, shuffled(seed))));
    expect(responses.map((r) => r.status).every((s) => s === 200)).toBe(true);
    const rows = await h.db.select().from(bugs).where(eq(bugs.projectId, 'overlap'));
    expect(rows).toHaveLength(40);
    expect(rows.every((row) => row.occurrenceCount === 60)).toBe(true);
    const [{ count }] = await h.db
      .select({ count: sql<number>`count(*)::int` })
      .from(occurrences)
      .innerJoin(bugs, eq(bugs.id, occurrences.bugId))
      .where(eq(bugs.projectId, 'overlap'));
    expect(Number(count)).toBe(2400);
  });
});

describe('backpressure through HTTP', () => {
  it('answers 503 + Retry-After past the pending limit, and every 2xx is counted exactly', async () => {
    const h = await createHarness({ env: { LOG_CENTER_INGEST_MAX_PENDING: '3', LOG_CENTER_INGEST_WAIT_MS: '20' } });
    try {
      const key = await h.createGlobalKey();
      const report = { project_id: 'busy', error_type: 'E', message: 'm', file_path: 'busy.ts' };
      const responses = await Promise.all(Array.from({ length: 40 }, () => h.report(key, report)));
      const ok = responses.filter((r) => r.status === 200 || r.status === 201);
      const busy = responses.filter((r) => r.status === 503);
      expect(ok.length + busy.length).toBe(40);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0].headers.get('retry-after')).toBe('1');
      const [row] = await h.db.select().from(bugs).where(eq(bugs.projectId, 'busy'));
      expect(row.occurrenceCount).toBe(ok.length);
    } finally {
      await h.close();
    }
  });
});
