import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statsSchema } from '../../schemas/stats.ts';
import { createHarness, createTestClock, type Harness } from '../../../test/harness.ts';

const clock = createTestClock('2026-06-10T12:30:00Z');
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ clock });
  const key = await h.createGlobalKey();
  const send = (body: Record<string, unknown>, times: number) =>
    h.reportBatch(key, Array.from({ length: times }, () => ({ error_type: 'E', message: 'm', ...body })));
  // Three days ago: 4 occurrences of one old cicd bug.
  clock.set('2026-06-07T09:00:00Z');
  await send({ project_id: 'web', source: 'cicd', context: { job_name: 'build', step_name: 'test' } }, 4);
  // Today.
  clock.set('2026-06-10T10:15:00Z');
  await send({ project_id: 'web', file_path: 'a.ts', level: 'critical' }, 3);
  await send({ project_id: 'api', source: 'deployment', context: { namespace: 'prod', deployment_name: 'api' } }, 2);
  clock.set('2026-06-10T12:05:00Z');
  await send({ project_id: 'api', file_path: 'b.ts', level: 'warning' }, 1);
  await send({ project_id: 'web', file_path: 'a.ts', level: 'critical' }, 2);
  clock.set('2026-06-10T12:30:00Z');
});
afterAll(() => h.close());

async function stats(query = '') {
  const res = await h.admin('GET', `/api/v1/dashboard/stats${query}`);
  expect(res.status).toBe(200);
  return statsSchema.parse(await res.json());
}

describe('GET /api/v1/dashboard/stats', () => {
  it('counts exactly what was sent', async () => {
    const s = await stats();
    expect(s.total_bugs).toBe(4);
    expect(s.total_occurrences).toBe(12);
    expect(s.source_distribution).toEqual({ runtime: 2, cicd: 1, deployment: 1 });
    expect(s.occurrences_by_source).toEqual({ runtime: 6, cicd: 4, deployment: 2 });
    expect(s.by_level).toEqual({ DEBUG: 0, INFO: 0, WARNING: 1, ERROR: 2, CRITICAL: 1 });
    expect(s.by_status).toEqual({ new: 4, fixing: 0, fixed: 0, resolved: 0, ignored: 0 });
    expect(s.by_project).toEqual([
      { project_id: 'web', bugs: 2, occurrences: 9 },
      { project_id: 'api', bugs: 2, occurrences: 3 },
    ]);
    expect(s.top_bugs.map((b) => b.occurrence_count)).toEqual([5, 4, 2, 1]);
  });

  it('applies project and source filters to every figure', async () => {
    const s = await stats('?project_id=api&source=runtime');
    expect(s.total_bugs).toBe(1);
    expect(s.total_occurrences).toBe(1);
    expect(s.source_distribution).toEqual({ runtime: 1, cicd: 0, deployment: 0 });
    expect(s.by_project).toEqual([{ project_id: 'api', bugs: 1, occurrences: 1 }]);
    expect(s.trend.reduce((sum, b) => sum + b.count, 0)).toBe(1);
    expect(s.top_bugs).toHaveLength(1);
  });

  it('counts only the window with since, in hourly buckets for a day', async () => {
    const s = await stats('?since=24h');
    expect(s.total_bugs).toBe(3);
    expect(s.total_occurrences).toBe(8);
    expect(s.trend_bucket).toBe('hour');
    expect(s.trend).toHaveLength(25);
    const byBucket = Object.fromEntries(s.trend.filter((b) => b.count).map((b) => [b.bucket, b.count]));
    expect(byBucket).toEqual({ '2026-06-10T10:00:00.000Z': 5, '2026-06-10T12:00:00.000Z': 3 });
  });

  it('uses daily buckets for 14 days', async () => {
    const s = await stats('?since=14d');
    expect(s.trend_bucket).toBe('day');
    expect(s.trend).toHaveLength(15);
    const byBucket = Object.fromEntries(s.trend.filter((b) => b.count).map((b) => [b.bucket, b.count]));
    expect(byBucket).toEqual({ '2026-06-07T00:00:00.000Z': 4, '2026-06-10T00:00:00.000Z': 8 });
    expect(s.total_occurrences).toBe(12);
  });

  it('rejects a bad since', async () => {
    expect((await h.admin('GET', '/api/v1/dashboard/stats?since=yesterday')).status).toBe(400);
    expect((await h.admin('GET', '/api/v1/dashboard/stats?source=all')).status).toBe(400);
  });
});
