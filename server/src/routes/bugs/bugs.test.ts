import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bug, bugDetailSchema, bugListSchema, bugSchema } from '../../schemas/bug.ts';
import { createHarness, createTestClock, type Harness } from '../../../test/harness.ts';

const clock = createTestClock('2026-03-01T10:00:00Z');
let h: Harness;
let key: string;

type Seed = { project: string; source: string; level: string; env: string; file: string; message: string; times: number };

const seeds: Seed[] = [
  { project: 'alpha', source: 'runtime', level: 'ERROR', env: 'production', file: 'src/a.ts', message: 'Payment failed for order', times: 5 },
  { project: 'alpha', source: 'runtime', level: 'WARNING', env: 'staging', file: 'src/b.ts', message: 'Slow query on users', times: 1 },
  { project: 'alpha', source: 'cicd', level: 'ERROR', env: 'ci', file: '', message: 'npm test failed', times: 3 },
  { project: 'beta', source: 'deployment', level: 'CRITICAL', env: 'production', file: '', message: 'OOMKilled api', times: 2 },
  { project: 'beta', source: 'runtime', level: 'CRITICAL', env: 'production', file: 'src/c.ts', message: 'Disk full 100% on /var', times: 4 },
];
const ids: number[] = [];

beforeAll(async () => {
  h = await createHarness({ clock });
  key = await h.createGlobalKey();
  for (const [i, seed] of seeds.entries()) {
    for (let n = 0; n < seed.times; n++) {
      const res = await h.report(key, {
        project_id: seed.project,
        source: seed.source,
        level: seed.level,
        environment: seed.env,
        error_type: `Error${i}`,
        message: seed.message,
        ...(seed.file ? { file_path: seed.file, line_number: 10 } : {}),
        context: { job_name: `job${i}`, step_name: 'step', namespace: 'prod', deployment_name: `app${i}` },
      });
      if (n === 0) ids.push(((await res.json()) as { bug_id: number }).bug_id);
      clock.advance(60_000);
    }
  }
});
afterAll(() => h.close());

async function list(query: string) {
  const res = await h.admin('GET', `/api/v1/bugs${query}`);
  expect(res.status).toBe(200);
  return bugListSchema.parse(await res.json());
}

const messages = (items: Bug[]) => items.map((bug) => bug.message);

describe('GET /api/v1/bugs', () => {
  it('lists every bug, most recently seen first', async () => {
    const { items, next_cursor } = await list('');
    expect(messages(items)).toEqual([...seeds].reverse().map((seed) => seed.message));
    expect(next_cursor).toBeNull();
  });

  it.each([
    ['?project_id=beta', ['Disk full 100% on /var', 'OOMKilled api']],
    ['?source=cicd', ['npm test failed']],
    ['?source=runtime,deployment&project_id=beta', ['Disk full 100% on /var', 'OOMKilled api']],
    ['?level=critical', ['Disk full 100% on /var', 'OOMKilled api']],
    ['?level=warn', ['Slow query on users']],
    ['?environment=staging', ['Slow query on users']],
    ['?q=PAYMENT', ['Payment failed for order']],
    ['?q=100%25', ['Disk full 100% on /var']],
    ['?q=src/b', ['Slow query on users']],
    ['?q=nothing-like-this', []],
  ])('filters %s', async (query, expected) => {
    expect(messages((await list(query)).items)).toEqual(expected);
  });

  it('filters by status', async () => {
    await h.admin('PATCH', `/api/v1/bugs/${ids[1]}`, { status: 'ignored' });
    expect(messages((await list('?status=ignored')).items)).toEqual(['Slow query on users']);
    expect((await list('?status=new')).items).toHaveLength(4);
    await h.admin('PATCH', `/api/v1/bugs/${ids[1]}`, { status: 'new' });
  });

  it('sorts by count and by first seen, both directions', async () => {
    expect((await list('?sort=count')).items.map((b) => b.occurrence_count)).toEqual([5, 4, 3, 2, 1]);
    expect((await list('?sort=count&order=asc')).items.map((b) => b.occurrence_count)).toEqual([1, 2, 3, 4, 5]);
    expect(messages((await list('?sort=first_seen&order=asc')).items)).toEqual(seeds.map((s) => s.message));
  });

  it.each(['last_seen', 'first_seen', 'count'])('pages with the cursor (sort=%s) without gaps or repeats', async (sort) => {
    for (const order of ['desc', 'asc']) {
      const all = (await list(`?sort=${sort}&order=${order}`)).items.map((b) => b.id);
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`?sort=${sort}&order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((b) => b.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all);
    }
  });

  it('pages through bugs that share a count', async () => {
    const res = await h.reportBatch(
      key,
      Array.from({ length: 7 }, (_, i) => ({ project_id: 'gamma', error_type: 'Tie', message: 'tie', file_path: `t${i}.ts` })),
    );
    expect(res.status).toBe(200);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`?project_id=gamma&sort=count&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((b) => b.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('rejects bad filters with the error envelope', async () => {
    for (const query of ['?source=nope', '?status=open', '?sort=random', '?limit=0', '?limit=1000', '?cursor=garbage', '?level=loud']) {
      const res = await h.admin('GET', `/api/v1/bugs${query}`);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; issues: { path: string }[] } };
      expect(body.error.code).toBe('validation_error');
      expect(body.error.issues.length).toBeGreaterThan(0);
    }
  });
});

describe('GET /api/v1/bugs/:id and PATCH', () => {
  it('returns the bug with recent occurrences and hourly counts', async () => {
    const res = await h.admin('GET', `/api/v1/bugs/${ids[0]}`);
    const detail = bugDetailSchema.parse(await res.json());
    expect(detail.bug.occurrence_count).toBe(5);
    expect(detail.occurrences).toHaveLength(5);
    expect(detail.hourly_counts.reduce((sum, b) => sum + b.count, 0)).toBe(5);
  });

  it('answers 404 for an unknown bug and 400 for a bad id', async () => {
    expect((await h.admin('GET', '/api/v1/bugs/999999')).status).toBe(404);
    expect((await h.admin('GET', '/api/v1/bugs/abc')).status).toBe(400);
    expect((await h.admin('PATCH', '/api/v1/bugs/999999', { status: 'resolved' })).status).toBe(404);
  });

  it('sets status, assignee and note', async () => {
    const res = await h.admin('PATCH', `/api/v1/bugs/${ids[2]}`, { status: 'resolved', assignee: 'ana', note: 'flaky runner' });
    expect(res.status).toBe(200);
    expect(bugSchema.parse(await res.json())).toMatchObject({ status: 'resolved', assignee: 'ana', note: 'flaky runner' });
  });

  it('refuses an unknown status, unknown fields and an empty patch', async () => {
    expect((await h.admin('PATCH', `/api/v1/bugs/${ids[2]}`, { status: 'fixing' })).status).toBe(400);
    expect((await h.admin('PATCH', `/api/v1/bugs/${ids[2]}`, { colour: 'red' })).status).toBe(400);
    expect((await h.admin('PATCH', `/api/v1/bugs/${ids[2]}`, {})).status).toBe(400);
  });
});

describe('GET /api/v1/bugs/export', () => {
  it('streams NDJSON with the list filters', async () => {
    const res = await h.admin('GET', '/api/v1/bugs/export?format=ndjson&project_id=beta');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n').map((line) => bugSchema.parse(JSON.parse(line)));
    expect(lines.map((b) => b.project_id)).toEqual(['beta', 'beta']);
  });

  it('streams CSV with a header and quoted cells', async () => {
    await h.report(key, { project_id: 'csv', error_type: 'E', message: 'has "quotes", commas\nand lines', file_path: 'x.ts' });
    await h.report(key, { project_id: 'csv', error_type: 'E', message: '=HYPERLINK("evil")', file_path: 'y.ts' });
    const res = await h.admin('GET', '/api/v1/bugs/export?format=csv&project_id=csv&sort=first_seen&order=asc');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const text = await res.text();
    expect(text.split('\r\n')[0]).toMatch(/^id,project_id,source,level,status/);
    expect(text).toContain('"has ""quotes"", commas\nand lines"');
    expect(text).toContain(`"'=HYPERLINK(""evil"")"`);
  });

  it('exports every row, past one page', async () => {
    const reports = Array.from({ length: 100 }, (_, i) => ({ project_id: 'bulk', error_type: 'E', message: 'm', file_path: `f${i}.ts` }));
    for (let i = 0; i < 12; i++) {
      await h.reportBatch(key, reports.map((r) => ({ ...r, file_path: `${i}/${r.file_path}` })));
    }
    const res = await h.admin('GET', '/api/v1/bugs/export?project_id=bulk');
    expect((await res.text()).trim().split('\n')).toHaveLength(1200);
  });
});
