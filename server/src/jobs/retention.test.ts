import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugHourlyCounts, bugs, occurrences, sentryEvents } from '../db/schema.ts';
import { createHarness, createTestClock, type Harness } from '../../test/harness.ts';
import { runRetention } from './retention.ts';
import { startJobs } from './scheduler.ts';

const day = 86_400_000;
const clock = createTestClock('2026-01-01T00:00:00Z');
let h: Harness;
let apiKey: string;

const report = (error_type: string) => ({ project_id: 'shop', error_type, message: `${error_type} happened` });

async function bugOf(res: Response): Promise<number> {
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { bug_id: number }).bug_id;
}

async function occurrencesOf(bugId: number) {
  return h.db
    .select({ id: occurrences.id, receivedAt: occurrences.receivedAt })
    .from(occurrences)
    .where(eq(occurrences.bugId, bugId))
    .orderBy(asc(occurrences.id));
}

beforeAll(async () => {
  h = await createHarness({ clock });
  apiKey = (await h.createProject('shop')).apiKey;
});
afterAll(() => h.close());

describe('retention', () => {
  it('deletes exactly the occurrences that are too old or beyond the per-bug cap, and keeps bugs and counts', async () => {
    // "old": 4 occurrences 40 days ago, 2 more 10 days ago.
    const old = await bugOf(await h.report(apiKey, report('OldError')));
    await h.reportBatch(apiKey, [report('OldError'), report('OldError'), report('OldError')]);
    // "busy": 8 occurrences spread over the last days, newest last.
    clock.advance(30 * day);
    await h.reportBatch(apiKey, [report('OldError'), report('OldError')]);
    const busy = await bugOf(await h.report(apiKey, report('BusyError')));
    for (let i = 0; i < 7; i++) {
      clock.advance(60_000);
      await h.report(apiKey, report('BusyError'));
    }
    // "quiet": 2 recent occurrences, under every limit.
    const quiet = await bugOf(await h.report(apiKey, report('QuietError')));
    await h.report(apiKey, report('QuietError'));
    clock.advance(10 * day);

    const before = {
      old: await occurrencesOf(old),
      busy: await occurrencesOf(busy),
      quiet: await occurrencesOf(quiet),
      bugs: await h.db.select().from(bugs).orderBy(asc(bugs.id)),
      hourly: await h.db.select().from(bugHourlyCounts).orderBy(asc(bugHourlyCounts.bugId), asc(bugHourlyCounts.hour)),
    };
    expect([before.old.length, before.busy.length, before.quiet.length]).toEqual([6, 8, 2]);

    const result = await runRetention(h.db, { retentionDays: 30, maxOccurrencesPerBug: 5, batchSize: 2, pauseMs: 0 }, clock.now());

    expect(result.occurrencesExpired).toBe(4);
    expect(result.occurrencesOverCap).toBe(3);
    const after = {
      old: await occurrencesOf(old),
      busy: await occurrencesOf(busy),
      quiet: await occurrencesOf(quiet),
    };
    // Too old: the four from 40 days ago; the two from 10 days ago stay.
    expect(after.old).toEqual(before.old.slice(4));
    // Over the cap of 5: the three oldest of the eight go.
    expect(after.busy).toEqual(before.busy.slice(3));
    expect(after.quiet).toEqual(before.quiet);

    expect(await h.db.select().from(bugs).orderBy(asc(bugs.id))).toEqual(before.bugs);
    expect(before.bugs.map((bug) => bug.occurrenceCount)).toEqual([6, 8, 2]);
    expect(
      await h.db.select().from(bugHourlyCounts).orderBy(asc(bugHourlyCounts.bugId), asc(bugHourlyCounts.hour)),
    ).toEqual(before.hourly);

    // The bug detail still shows the full count.
    const detail = (await (await h.admin('GET', `/api/v1/bugs/${busy}`)).json()) as { bug: { occurrence_count: number } };
    expect(detail.bug.occurrence_count).toBe(8);

    // Running again finds nothing more to do.
    const again = await runRetention(h.db, { retentionDays: 30, maxOccurrencesPerBug: 5, batchSize: 2, pauseMs: 0 }, clock.now());
    expect(again).toMatchObject({ occurrencesExpired: 0, occurrencesOverCap: 0 });
  });

  it('expires Sentry event ids past the retention period', async () => {
    const now = clock.now();
    await h.db.insert(sentryEvents).values([
      { projectId: 'shop', eventId: 'a'.repeat(32), receivedAt: new Date(now.getTime() - 31 * day) },
      { projectId: 'shop', eventId: 'b'.repeat(32), receivedAt: new Date(now.getTime() - 29 * day) },
    ]);
    const result = await runRetention(h.db, { retentionDays: 30, maxOccurrencesPerBug: 1000, pauseMs: 0 }, now);
    expect(result.sentryEventsExpired).toBe(1);
    const left = await h.db.select({ eventId: sentryEvents.eventId }).from(sentryEvents);
    expect(left).toEqual([{ eventId: 'b'.repeat(32) }]);
  });
});

describe('jobs', () => {
  it('runs retention once at start and sweeps expired repair leases back to new', async () => {
    const bugId = await bugOf(await h.report(apiKey, report('LeasedError')));
    const claim = await h.admin('POST', `/api/v1/tasks/${bugId}/claim`, { agent: 'fixer', lease_seconds: 60 });
    expect(claim.status).toBe(200);
    // One occurrence far in the past, which the start-up run must remove.
    const [stale] = await h.db
      .insert(occurrences)
      .values({
        bugId,
        receivedAt: new Date(clock.now().getTime() - 90 * day),
        occurredAt: new Date(clock.now().getTime() - 90 * day),
        level: 'ERROR',
        message: 'stale',
        environment: 'production',
      })
      .returning({ id: occurrences.id });

    const logs: string[] = [];
    const jobs = startJobs({
      db: h.db,
      config: { retentionDays: 30, maxOccurrencesPerBug: 1000 },
      clock: clock.now,
      metrics: h.deps.metrics,
      log: (line) => logs.push(line),
    });
    try {
      await expect
        .poll(async () => (await h.db.select().from(occurrences).where(eq(occurrences.id, stale.id))).length)
        .toBe(0);
      await expect.poll(() => logs.some((line) => line.startsWith('retention: deleted 1 occurrences'))).toBe(true);

      // The lease has not run out yet: the sweep leaves the claim alone.
      expect(await jobs.sweepLeases()).toBe(0);
      clock.advance(61_000);
      expect(await jobs.sweepLeases()).toBe(1);
      const [row] = await h.db.select({ status: bugs.status, claimedBy: bugs.claimedBy }).from(bugs).where(eq(bugs.id, bugId));
      expect(row).toEqual({ status: 'new', claimedBy: null });
    } finally {
      await jobs.stop();
    }
    const metrics = (await h.deps.metrics.render()).body;
    expect(metrics).toMatch(/^log_center_retention_deleted_total\{table="occurrences",reason="age"\} 1$/m);
  });
});
