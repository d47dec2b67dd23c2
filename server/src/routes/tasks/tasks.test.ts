import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugListSchema, bugSchema } from '../../schemas/bug.ts';
import { createHarness, createTestClock, type Harness } from '../../../test/harness.ts';

const clock = createTestClock('2026-05-01T08:00:00Z');
let h: Harness;
let key: string;

beforeAll(async () => {
  h = await createHarness({ clock });
  key = await h.createGlobalKey();
});
afterAll(() => h.close());

async function newBug(fields: Record<string, unknown>, times = 1): Promise<number> {
  let id = 0;
  for (let i = 0; i < times; i++) {
    const res = await h.report(key, { project_id: 'shop', error_type: 'Error', message: 'm', ...fields });
    id = ((await res.json()) as { bug_id: number }).bug_id;
  }
  return id;
}

const claim = (id: number, agent: string, lease_seconds?: number) =>
  h.admin('POST', `/api/v1/tasks/${id}/claim`, { agent, ...(lease_seconds ? { lease_seconds } : {}) });
const complete = (id: number, body: Record<string, unknown>) => h.admin('POST', `/api/v1/tasks/${id}/complete`, body);

async function pending(query = '') {
  const res = await h.admin('GET', `/api/v1/tasks/pending${query}`);
  expect(res.status).toBe(200);
  return bugListSchema.parse(await res.json()).items;
}

describe('repair tasks', () => {
  it('lists new bugs of a source ordered by level, then count, then last seen', async () => {
    const warning = await newBug({ file_path: 'w.ts', level: 'warning' }, 9);
    const errorFew = await newBug({ file_path: 'e1.ts' }, 1);
    const errorMany = await newBug({ file_path: 'e2.ts' }, 3);
    const critical = await newBug({ file_path: 'c.ts', level: 'critical' });
    await newBug({ source: 'cicd', context: { job_name: 'j', step_name: 's' } });
    const items = await pending('?source=runtime&project_id=shop');
    expect(items.map((b) => b.id)).toEqual([critical, errorMany, errorFew, warning]);
    expect((await pending('?source=runtime&limit=2')).map((b) => b.id)).toEqual([critical, errorMany]);
    expect((await pending('?source=cicd')).every((b) => b.source === 'cicd')).toBe(true);
  });

  it('lets exactly one of two simultaneous claims win', async () => {
    const id = await newBug({ file_path: 'race.ts' });
    const [a, b] = await Promise.all([claim(id, 'agent-a'), claim(id, 'agent-b')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const winner = bugSchema.parse(await (a.status === 200 ? a : b).json());
    expect(winner.status).toBe('fixing');
    expect(winner.lease_until).not.toBeNull();
    const loser = (await (a.status === 200 ? b : a).json()) as { error: { code: string } };
    expect(loser.error.code).toBe('conflict');
    expect((await pending()).map((bug) => bug.id)).not.toContain(id);
  });

  it('makes a bug claimable again once its lease expires', async () => {
    const id = await newBug({ file_path: 'lease.ts' });
    expect((await claim(id, 'slow-agent', 60)).status).toBe(200);
    expect((await claim(id, 'other')).status).toBe(409);
    clock.advance(61_000);
    expect((await pending()).map((bug) => bug.id)).toContain(id);
    const res = await claim(id, 'other');
    expect(res.status).toBe(200);
    expect(bugSchema.parse(await res.json()).claimed_by).toBe('other');
    // The agent whose lease ran out can no longer complete it.
    expect((await complete(id, { agent: 'slow-agent', outcome: 'fixed' })).status).toBe(409);
  });

  it('completes as fixed with summary and url, only by the claimant', async () => {
    const id = await newBug({ file_path: 'fix.ts' });
    await claim(id, 'fixer');
    expect((await complete(id, { agent: 'intruder', outcome: 'fixed' })).status).toBe(409);
    const res = await complete(id, { agent: 'fixer', outcome: 'fixed', summary: 'null check', url: 'https://git.example/pr/1' });
    expect(res.status).toBe(200);
    expect(bugSchema.parse(await res.json())).toMatchObject({
      status: 'fixed',
      fix_summary: 'null check',
      fix_url: 'https://git.example/pr/1',
      lease_until: null,
    });
    expect((await complete(id, { agent: 'fixer', outcome: 'fixed' })).status).toBe(409);
  });

  it('puts a failed attempt back to new with one more attempt', async () => {
    const id = await newBug({ file_path: 'fail.ts' });
    await claim(id, 'fixer');
    const res = await complete(id, { agent: 'fixer', outcome: 'failed', summary: 'could not reproduce' });
    expect(bugSchema.parse(await res.json())).toMatchObject({ status: 'new', repair_attempts: 1, claimed_by: null });
    await claim(id, 'fixer');
    await complete(id, { agent: 'fixer', outcome: 'failed' });
    expect(bugSchema.parse(await (await h.admin('GET', `/api/v1/bugs/${id}`)).json().then((d) => (d as { bug: unknown }).bug)).repair_attempts).toBe(2);
  });

  it('answers 404 for unknown tasks and 400 for bad bodies', async () => {
    expect((await claim(987654, 'a')).status).toBe(404);
    expect((await complete(987654, { agent: 'a', outcome: 'fixed' })).status).toBe(404);
    const id = await newBug({ file_path: 'bad.ts' });
    expect((await h.admin('POST', `/api/v1/tasks/${id}/claim`, {})).status).toBe(400);
    expect((await h.admin('POST', `/api/v1/tasks/${id}/claim`, { agent: 'a', lease_seconds: -5 })).status).toBe(400);
    expect((await complete(id, { agent: 'a', outcome: 'maybe' })).status).toBe(400);
    expect((await h.admin('GET', '/api/v1/tasks/pending?source=mobile')).status).toBe(400);
  });

  it('refuses to claim a bug that is not new', async () => {
    const id = await newBug({ file_path: 'ignored.ts' });
    await h.admin('PATCH', `/api/v1/bugs/${id}`, { status: 'ignored' });
    expect((await claim(id, 'a')).status).toBe(409);
  });
});
