import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { queryRows } from '../db/client.ts';
import { errorBodySchema } from '../schemas/error.ts';
import { batchResultSchema } from '../schemas/report.ts';
import { projectSchema } from '../schemas/project.ts';
import { createHarness, createTestClock, type Harness, startTestServer } from '../../test/harness.ts';
import { projectRateLimits } from './project-limits.ts';
import { createTokenBuckets } from './token-bucket.ts';

const report = (message = 'boom') => ({ error_type: 'Error', message });

async function expect429(res: Response, retryAfter: string) {
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe(retryAfter);
  expect(res.headers.get('x-sentry-rate-limits')).toMatch(new RegExp(`^${retryAfter}:`));
  expect(errorBodySchema.parse(await res.json()).error.code).toBe('rate_limited');
}

async function occurrences(h: Harness, projectId: string): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(
    h.db,
    sql`select count(*) as n from occurrences o join bugs b on b.id = o.bug_id where b.project_id = ${projectId}`,
  );
  return Number(row.n);
}

describe('token bucket', () => {
  it('bursts up to the limit, then refills continuously', () => {
    let time = 0;
    const buckets = createTokenBuckets(() => time);
    for (let i = 0; i < 60; i++) {
      expect(buckets.wait('p', 60)).toBe(0);
      buckets.take('p', 60);
    }
    expect(buckets.wait('p', 60)).toBe(1);
    time += 1000;
    expect(buckets.wait('p', 60)).toBe(0);
    expect(buckets.wait('p', 60, 10)).toBe(9);
    expect(buckets.wait('other', 60)).toBe(0);
  });

  it('lets a request larger than the limit through only with a full bucket, then charges it all', () => {
    let time = 0;
    const buckets = createTokenBuckets(() => time);
    expect(buckets.wait('p', 10, 25)).toBe(0);
    buckets.take('p', 10, 25);
    expect(buckets.wait('p', 10)).toBe(96);
    time += 96_000;
    expect(buckets.wait('p', 10)).toBe(0);
  });

  it('stays bounded in memory', () => {
    let time = 0;
    const buckets = createTokenBuckets(() => time);
    for (let i = 0; i < 25_000; i++) {
      buckets.take(`address-${i}`, 20);
      time += 10;
    }
    expect(buckets.size).toBeLessThanOrEqual(10_000);
  });
});

describe('per-project rate limit', () => {
  const clock = createTestClock('2026-03-01T10:00:00Z');
  let h: Harness;
  let keyA: string;
  let keyB: string;
  let globalKey: string;

  beforeAll(async () => {
    h = await createHarness({ clock, env: { LOG_CENTER_RATE_LIMIT_PER_MINUTE: '5' } });
    keyA = (await h.createProject('limited_a')).apiKey;
    keyB = (await h.createProject('limited_b')).apiKey;
    globalKey = await h.createGlobalKey();
  });
  afterAll(() => h.close());

  it('answers 429 with Retry-After past the limit, counts nothing refused, and refills', async () => {
    for (let i = 0; i < 5; i++) expect((await h.report(keyA, report(`m${i}`))).status).toBeLessThan(300);
    await expect429(await h.report(keyA, report()), '12');
    expect(await occurrences(h, 'limited_a')).toBe(5);

    // One project's flood does not touch another's budget.
    expect((await h.report(keyB, report())).status).toBe(201);

    clock.advance(12_000);
    expect((await h.report(keyA, report())).status).toBeLessThan(300);
    await expect429(await h.report(keyA, report()), '12');
    expect(await occurrences(h, 'limited_a')).toBe(6);
  });

  it('refuses a whole batch that does not fit, with every report of it unstored', async () => {
    clock.advance(60_000);
    expect((await h.reportBatch(keyB, [report('1'), report('2'), report('3')])).status).toBe(200);
    const before = await occurrences(h, 'limited_b');
    await expect429(await h.reportBatch(keyB, { reports: [report('4'), report('5'), report('6')] }), '12');
    expect(await occurrences(h, 'limited_b')).toBe(before);
    const fits = batchResultSchema.parse(await (await h.reportBatch(keyB, [report('4'), report('5')])).json());
    expect(fits.accepted).toBe(2);
  });

  it('charges an all-project key to each project it reports for', async () => {
    clock.advance(60_000);
    const mixed = [...Array.from({ length: 5 }, () => ({ ...report(), project_id: 'limited_a' })), { ...report(), project_id: 'fresh_project' }];
    expect(batchResultSchema.parse(await (await h.reportBatch(globalKey, mixed)).json()).accepted).toBe(6);
    await expect429(await h.report(globalKey, { ...report(), project_id: 'limited_a' }), '12');
    expect((await h.report(globalKey, { ...report(), project_id: 'fresh_project' })).status).toBe(200);
  });

  it('takes a per-project limit set with PATCH /projects/:id, and null restores the default', async () => {
    clock.advance(60_000);
    const patched = await h.admin('PATCH', '/api/v1/projects/limited_a', { rate_limit_per_minute: 2 });
    expect(patched.status).toBe(200);
    expect(projectSchema.parse(await patched.json()).rate_limit_per_minute).toBe(2);
    expect(projectSchema.parse(await (await h.admin('GET', '/api/v1/projects/limited_a')).json()).rate_limit_per_minute).toBe(2);

    expect((await h.report(keyA, report())).status).toBe(200);
    expect((await h.report(keyA, report())).status).toBe(200);
    await expect429(await h.report(keyA, report()), '30');

    expect((await h.admin('PATCH', '/api/v1/projects/limited_a', { rate_limit_per_minute: 0 })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await h.report(keyA, report())).status).toBe(200);

    const reset = await h.admin('PATCH', '/api/v1/projects/limited_a', { rate_limit_per_minute: null, name: 'Limited A' });
    expect(projectSchema.parse(await reset.json())).toMatchObject({ name: 'Limited A', rate_limit_per_minute: null });
  });

  it('keeps the override in the database for every server process', async () => {
    expect((await h.admin('PATCH', '/api/v1/projects/limited_b', { rate_limit_per_minute: 1 })).status).toBe(200);
    const { deps } = createApp({ db: h.db, config: h.deps.config, adminToken: 'another-process-admin-token', clock: clock.now });
    await projectRateLimits(deps).refresh();
    expect(projectRateLimits(deps).limitFor('limited_b')).toBe(1);
    expect(projectRateLimits(deps).limitFor('limited_a')).toBe(5);

    // A load that read the database before a PATCH must not undo it.
    const loading = projectRateLimits(deps).refresh();
    projectRateLimits(deps).setOverride('limited_a', 7);
    await loading;
    expect(projectRateLimits(deps).limitFor('limited_a')).toBe(7);
  });

  it('validates PATCH /projects/:id', async () => {
    for (const body of [{}, { rate_limit_per_minute: -1 }, { rate_limit_per_minute: 1.5 }, { rate_limit_per_minute: '5' }, { other: 1 }]) {
      const res = await h.admin('PATCH', '/api/v1/projects/limited_a', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorBodySchema.parse(await res.json()).error.code).toBe('validation_error');
    }
    expect((await h.admin('PATCH', '/api/v1/projects/nope', { rate_limit_per_minute: 1 })).status).toBe(404);
    const anonymous = await h.app.request('/api/v1/projects/limited_a', {
      method: 'PATCH',
      body: JSON.stringify({ rate_limit_per_minute: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('repeated authentication failures', () => {
  const clock = createTestClock('2026-03-01T10:00:00Z');
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ clock, env: { LOG_CENTER_AUTH_FAILURES_PER_MINUTE: '3' } });
  });
  afterAll(() => server.close());

  it('answer 429 for that address after the limit, and recover as the bucket refills', async () => {
    const { apiKey } = await server.createProject('guarded');
    const send = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/v1/logs/report`, {
        method: 'POST',
        body: JSON.stringify(report()),
        headers: { 'content-type': 'application/json', ...headers },
      });
    const wrong = { authorization: `Bearer ${'0'.repeat(32)}` };
    for (let i = 0; i < 3; i++) expect((await send(wrong)).status).toBe(401);
    const refused = await send(wrong);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(errorBodySchema.parse(await refused.json()).error.code).toBe('too_many_auth_failures');
    // The address is slowed down whatever it sends, including admin sign-ins.
    expect((await send({ authorization: `Bearer ${apiKey}` })).status).toBe(429);
    const signIn = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      body: JSON.stringify({ token: 'guess-guess-guess-guess' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(signIn.status).toBe(429);
    // Requests without any credential guess nothing and keep their plain 401.
    expect((await send({})).status).toBe(401);

    clock.advance(20_000);
    expect((await send({ authorization: `Bearer ${apiKey}` })).status).toBe(201);
    expect((await send(wrong)).status).toBe(401);
    expect((await send(wrong)).status).toBe(429);
  });
});
