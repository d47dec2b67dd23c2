import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugs, occurrences } from '../db/schema.ts';
import { bugDetailSchema, bugSchema } from '../schemas/bug.ts';
import { batchResultSchema, reportResultSchema } from '../schemas/report.ts';
import { createHarness, type Harness } from '../../test/harness.ts';

let h: Harness;
let key: string;
let globalKey: string;

beforeAll(async () => {
  h = await createHarness();
  key = (await h.createProject('rtc_backend')).apiKey;
  globalKey = await h.createGlobalKey();
});
afterAll(() => h.close());

const runtime = (overrides: Record<string, unknown> = {}) => ({
  project_id: 'rtc_backend',
  error_type: 'TypeError',
  message: "Cannot read properties of undefined (reading 'id')",
  file_path: 'src/orders/service.ts',
  line_number: 42,
  ...overrides,
});

async function send(report: unknown, apiKey = key) {
  const res = await h.report(apiKey, report);
  return { status: res.status, body: reportResultSchema.parse(await res.json()) };
}

async function bugById(id: number) {
  const res = await h.admin('GET', `/api/v1/bugs/${id}`);
  expect(res.status).toBe(200);
  return bugDetailSchema.parse(await res.json());
}

describe('POST /api/v1/logs/report', () => {
  it('creates a bug (201), then deduplicates the same report (200)', async () => {
    const first = await send(runtime());
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ is_new: true, occurrence_count: 1 });
    const second = await send(runtime({ message: 'a different message, same line' }));
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ bug_id: first.body.bug_id, is_new: false, occurrence_count: 2 });

    const stored = await h.db.select().from(occurrences).where(eq(occurrences.bugId, first.body.bug_id));
    expect(stored).toHaveLength(2);
  });

  it('defaults source to runtime and level to ERROR, and accepts level aliases', async () => {
    const { body } = await send(runtime({ file_path: 'src/defaults.ts', project_id: undefined }));
    const { bug } = await bugById(body.bug_id);
    expect(bug.source).toBe('runtime');
    expect(bug.level).toBe('ERROR');
    expect(bug.environment).toBe('production');

    const warn = await send(runtime({ file_path: 'src/warn.ts', level: 'warn' }));
    expect((await bugById(warn.body.bug_id)).bug.level).toBe('WARNING');
    const fatal = await send(runtime({ file_path: 'src/fatal.ts', level: 'Fatal' }));
    expect((await bugById(fatal.body.bug_id)).bug.level).toBe('CRITICAL');
  });

  it('groups runtime reports by file and line', async () => {
    const a = await send(runtime({ file_path: 'src/a.ts', line_number: 1 }));
    expect((await send(runtime({ file_path: 'src/a.ts', line_number: 1 }))).body.bug_id).toBe(a.body.bug_id);
    expect((await send(runtime({ file_path: 'src/a.ts', line_number: 2 }))).body.bug_id).not.toBe(a.body.bug_id);
    expect((await send(runtime({ file_path: 'src/b.ts', line_number: 1 }))).body.bug_id).not.toBe(a.body.bug_id);
    expect((await send(runtime({ file_path: 'src/a.ts', line_number: 1, error_type: 'RangeError' }))).body.bug_id).not.toBe(
      a.body.bug_id,
    );
  });

  it('groups runtime reports without a file by their normalized message', async () => {
    const base = { file_path: undefined, line_number: undefined, error_type: 'TimeoutError' };
    const a = await send(runtime({ ...base, message: 'Request 4711 to 10.0.0.12 timed out after 3000 ms (id 7f3a9c2e4b1d)' }));
    const b = await send(runtime({ ...base, message: 'Request 99 to 10.0.0.7 timed out after 5000 ms (id 00aa11bb22cc)' }));
    expect(b.body.bug_id).toBe(a.body.bug_id);
    const c = await send(runtime({ ...base, message: 'Connection refused by upstream' }));
    expect(c.body.bug_id).not.toBe(a.body.bug_id);
  });

  it('groups cicd reports by error type, job and step', async () => {
    const cicd = (context: Record<string, unknown>, error_type = 'TestFailure') => ({
      project_id: 'rtc_backend',
      source: 'cicd',
      error_type,
      message: 'npm test failed',
      context: { workflow: 'CI', run_id: String(Math.random()), ...context },
    });
    const a = await send(cicd({ job_name: 'build', step_name: 'npm test' }));
    expect((await send(cicd({ job_name: 'build', step_name: 'npm test', run_number: 8 }))).body.bug_id).toBe(a.body.bug_id);
    expect((await send(cicd({ job_name: 'build', step_name: 'lint' }))).body.bug_id).not.toBe(a.body.bug_id);
    expect((await send(cicd({ job_name: 'release', step_name: 'npm test' }))).body.bug_id).not.toBe(a.body.bug_id);
    expect((await send(cicd({ job_name: 'build', step_name: 'npm test' }, 'CIError'))).body.bug_id).not.toBe(a.body.bug_id);
    expect((await bugById(a.body.bug_id)).bug.source).toBe('cicd');
  });

  it('groups deployment reports by error type, namespace and workload', async () => {
    const deployment = (context: Record<string, unknown>, error_type = 'CrashLoopBackOff') => ({
      project_id: 'rtc_backend',
      source: 'deployment',
      level: 'CRITICAL',
      error_type,
      message: 'container api is crash looping',
      context: { pod_name: `api-${Math.random()}`, ...context },
    });
    const a = await send(deployment({ namespace: 'prod', deployment_name: 'api' }));
    expect((await send(deployment({ namespace: 'prod', deployment_name: 'api' }))).body.bug_id).toBe(a.body.bug_id);
    expect((await send(deployment({ namespace: 'staging', deployment_name: 'api' }))).body.bug_id).not.toBe(a.body.bug_id);
    expect((await send(deployment({ namespace: 'prod', deployment_name: 'worker' }))).body.bug_id).not.toBe(a.body.bug_id);
    expect((await send(deployment({ namespace: 'prod', deployment_name: 'api' }, 'OOMKilled'))).body.bug_id).not.toBe(
      a.body.bug_id,
    );
  });

  it('honours a client fingerprint, with {{ default }} expanding to the default parts', async () => {
    const a = await send(runtime({ file_path: 'src/x.ts', fingerprint: ['checkout-timeout'] }));
    const b = await send(runtime({ file_path: 'src/y.ts', error_type: 'Other', fingerprint: ['checkout-timeout'] }));
    expect(b.body.bug_id).toBe(a.body.bug_id);

    const plain = await send(runtime({ file_path: 'src/z.ts' }));
    const withDefault = await send(runtime({ file_path: 'src/z.ts', fingerprint: ['{{ default }}'] }));
    expect(withDefault.body.bug_id).toBe(plain.body.bug_id);
    const split = await send(runtime({ file_path: 'src/z.ts', fingerprint: ['{{default}}', 'tenant-7'] }));
    expect(split.body.bug_id).not.toBe(plain.body.bug_id);
  });

  it('keeps the same fingerprint in different projects apart', async () => {
    await h.createProject('other');
    const a = await send(runtime({ file_path: 'src/shared.ts' }));
    const b = await send(runtime({ file_path: 'src/shared.ts', project_id: 'other' }), globalKey);
    expect(b.body.fingerprint).not.toBe(a.body.fingerprint);
    expect(b.body.bug_id).not.toBe(a.body.bug_id);
  });

  it('counts 200 concurrent reports of one fingerprint exactly', async () => {
    const report = runtime({ file_path: 'src/concurrent.ts', line_number: 7 });
    const results = await Promise.all(Array.from({ length: 200 }, () => send(report)));
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(results.filter((r) => r.body.is_new)).toHaveLength(1);
    const ids = new Set(results.map((r) => r.body.bug_id));
    expect(ids.size).toBe(1);
    const [row] = await h.db.select().from(bugs).where(eq(bugs.id, results[0].body.bug_id));
    expect(row.occurrenceCount).toBe(200);
    expect(new Set(results.map((r) => r.body.occurrence_count)).size).toBe(200);
    const stored = await h.db.select().from(occurrences).where(eq(occurrences.bugId, row.id));
    expect(stored).toHaveLength(200);
  });

  it('truncates over-long strings with a marker instead of rejecting them', async () => {
    const long = 'x'.repeat(50_000);
    const { status, body } = await send(runtime({ file_path: 'src/long.ts', message: long, stack_trace: long.repeat(3) }));
    expect(status).toBe(201);
    const { bug } = await bugById(body.bug_id);
    expect(bug.message.length).toBeLessThanOrEqual(8192);
    expect(bug.message).toMatch(/…\[truncated \d+ chars\]$/);
    expect(bug.stack_trace?.length).toBeLessThanOrEqual(65_536);
  });

  it('stores text PostgreSQL would refuse (NUL, lone surrogates) instead of failing', async () => {
    const { status, body } = await send(
      runtime({ file_path: 'src/nul.ts', message: 'a\u0000b \ud800', context: { weird: 'x\u0000y', ['k\ud83d']: 1 } }),
    );
    expect(status).toBe(201);
    const { bug } = await bugById(body.bug_id);
    expect(bug.message).toBe('a\uFFFDb \uFFFD');
  });

  it('marks a fixed bug that happens again as new and regressed; an ignored bug stays ignored', async () => {
    const first = await send(runtime({ file_path: 'src/regress.ts' }));
    expect((await h.admin('PATCH', `/api/v1/bugs/${first.body.bug_id}`, { status: 'fixed' })).status).toBe(200);
    const events: string[] = [];
    const unsubscribe = h.events.subscribe((event) => {
      if (event.bug_id === first.body.bug_id) events.push(event.type);
    });
    await send(runtime({ file_path: 'src/regress.ts' }));
    await send(runtime({ file_path: 'src/regress.ts' }));
    unsubscribe();
    expect(events).toEqual(['bug.regressed', 'bug.updated']);
    const { bug } = await bugById(first.body.bug_id);
    expect(bug).toMatchObject({ status: 'new', regressed: true, occurrence_count: 3 });
    expect(bug.regressed_at).not.toBeNull();

    const ignored = await send(runtime({ file_path: 'src/ignored.ts' }));
    await h.admin('PATCH', `/api/v1/bugs/${ignored.body.bug_id}`, { status: 'ignored' });
    await send(runtime({ file_path: 'src/ignored.ts' }));
    expect((await bugById(ignored.body.bug_id)).bug).toMatchObject({ status: 'ignored', regressed: false, occurrence_count: 2 });

    const resolved = await send(runtime({ file_path: 'src/resolved.ts' }));
    await h.admin('PATCH', `/api/v1/bugs/${resolved.body.bug_id}`, { status: 'resolved' });
    await send(runtime({ file_path: 'src/resolved.ts' }));
    expect((await bugById(resolved.body.bug_id)).bug).toMatchObject({ status: 'new', regressed: true });
  });

  it('returns the bug with its latest context and occurrences', async () => {
    const { body } = await send(runtime({ file_path: 'src/ctx.ts', context: { user_id: 1 }, tags: { region: 'eu', shard: 3 } }));
    await send(runtime({ file_path: 'src/ctx.ts', context: { user_id: 2 } }));
    const detail = await bugById(body.bug_id);
    expect(bugSchema.parse(detail.bug).context).toEqual({ user_id: 2 });
    expect(detail.occurrences).toHaveLength(2);
    expect(detail.occurrences[1].tags).toEqual({ region: 'eu', shard: '3' });
    expect(detail.hourly_counts).toHaveLength(24);
    expect(detail.hourly_counts.at(-1)?.count).toBe(2);
  });
});

describe('POST /api/v1/logs/report/batch', () => {
  it('stores valid items and reports per-item errors for the rest', async () => {
    const res = await h.reportBatch(key, {
      reports: [
        runtime({ file_path: 'src/batch.ts' }),
        { message: 'no error_type' },
        runtime({ file_path: 'src/batch.ts' }),
        runtime({ project_id: 'other', file_path: 'src/batch.ts' }),
      ],
    });
    expect(res.status).toBe(200);
    const body = batchResultSchema.parse(await res.json());
    expect(body).toMatchObject({ accepted: 2, rejected: 2 });
    expect(body.results.map((r) => r.status)).toEqual([201, 400, 200, 403]);
    const [first, , third] = body.results as { bug_id: number; occurrence_count: number }[];
    expect(third.bug_id).toBe(first.bug_id);
    expect(third.occurrence_count).toBe(2);
  });

  it('accepts a bare array and rejects more than 100 items', async () => {
    const ok = await h.reportBatch(key, [runtime({ file_path: 'src/bare.ts' })]);
    expect(ok.status).toBe(200);
    const tooMany = await h.reportBatch(key, Array.from({ length: 101 }, () => runtime()));
    expect(tooMany.status).toBe(400);
  });

  it('lets an all-project key report for several projects, creating unknown ones', async () => {
    const res = await h.reportBatch(globalKey, [
      { ...runtime({ project_id: 'payments' }), source: 'cicd', context: { job_name: 'build', step_name: 'test' } },
      { ...runtime({ project_id: 'rtc_backend', file_path: 'src/global.ts' }) },
    ]);
    const body = batchResultSchema.parse(await res.json());
    expect(body.accepted).toBe(2);
    const projects = (await (await h.admin('GET', '/api/v1/projects')).json()) as { items: { id: string }[] };
    expect(projects.items.map((p) => p.id)).toContain('payments');
  });
});
