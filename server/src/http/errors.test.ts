import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../schemas/error.ts';
import { createHarness, type Harness } from '../../test/harness.ts';

let h: Harness;
let keyA: string;

beforeAll(async () => {
  h = await createHarness({ env: { LOG_CENTER_MAX_BODY_BYTES: '4096' } });
  keyA = (await h.createProject('project_a')).apiKey;
  await h.createProject('project_b');
});
afterAll(() => h.close());

const report = { project_id: 'project_a', error_type: 'Error', message: 'boom' };

async function expectError(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  const body = errorBodySchema.parse(await res.json());
  if (code) expect(body.error.code).toBe(code);
  return body.error;
}

describe('error envelope', () => {
  it('400 names each invalid field by its path', async () => {
    const error = await expectError(
      await h.report(keyA, { project_id: 'project_a', message: 5, line_number: -1, level: 'loud' }),
      400,
      'validation_error',
    );
    expect(error.issues?.map((issue) => issue.path).sort()).toEqual(['error_type', 'level', 'line_number', 'message']);
  });

  it('400 for malformed JSON and for a body that is not an object', async () => {
    const res = await h.app.request('/api/v1/logs/report', {
      method: 'POST',
      body: '{"error_type": ',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keyA}` },
    });
    await expectError(res, 400, 'invalid_json');
    await expectError(await h.report(keyA, [1, 2]), 400);
    await expectError(await h.report(keyA, null), 400);
  });

  it('401 without a key, with an unknown key, with a revoked key', async () => {
    await expectError(
      await h.app.request('/api/v1/logs/report', {
        method: 'POST',
        body: JSON.stringify(report),
        headers: { 'content-type': 'application/json' },
      }),
      401,
      'unauthorized',
    );
    await expectError(await h.report('0'.repeat(32), report), 401);
    await expectError(await h.report('not a key', report), 401);

    const created = (await (await h.admin('POST', '/api/v1/projects/project_a/keys', {})).json()) as { id: number; api_key: string };
    expect((await h.report(created.api_key, report)).status).toBe(201);
    expect((await h.admin('DELETE', `/api/v1/keys/${created.id}`)).status).toBe(200);
    await expectError(await h.report(created.api_key, report), 401);
  });

  it('accepts the key in X-Api-Key too', async () => {
    const res = await h.app.request('/api/v1/logs/report', {
      method: 'POST',
      body: JSON.stringify(report),
      headers: { 'content-type': 'application/json', 'x-api-key': keyA },
    });
    expect(res.status).toBe(200);
  });

  it("403 when a project's key reports for another project", async () => {
    await expectError(await h.report(keyA, { ...report, project_id: 'project_b' }), 403, 'forbidden');
    const bugs = (await (await h.admin('GET', '/api/v1/bugs?project_id=project_b')).json()) as { items: unknown[] };
    expect(bugs.items).toHaveLength(0);
  });

  it('404 for unknown routes and rows, 409 for a duplicate project', async () => {
    await expectError(await h.admin('GET', '/api/v1/nothing-here'), 404, 'not_found');
    await expectError(await h.admin('GET', '/api/v1/projects/unknown'), 404, 'not_found');
    await expectError(await h.admin('POST', '/api/v1/projects', { id: 'project_a' }), 409, 'conflict');
  });

  it('413 for a body over the limit, 415 for a non-JSON content type', async () => {
    await expectError(await h.report(keyA, { ...report, message: 'x'.repeat(10_000) }), 413, 'payload_too_large');
    const res = await h.app.request('/api/v1/logs/report', {
      method: 'POST',
      body: 'error_type=E',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${keyA}` },
    });
    await expectError(res, 415, 'unsupported_media_type');
  });
});

describe('admin routes', () => {
  it('answer 401 on every route without the admin token, and with an ingest key', async () => {
    // Public by design: signing in, and the API description.
    const publicPaths = new Set(['/api/v1/session', '/api/v1/openapi.json']);
    const routes = h.app.routes.filter(
      (route) =>
        route.path.startsWith('/api/v1/') &&
        !route.path.startsWith('/api/v1/logs') &&
        !publicPaths.has(route.path) &&
        route.method !== 'ALL',
    );
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      const path = route.path.replace(/:id\b/g, '1').replace(/\*$/, 'x');
      const anonymous = await h.app.request(path, { method: route.method });
      expect(anonymous.status, `${route.method} ${route.path}`).toBe(401);
      const withIngestKey = await h.app.request(path, { method: route.method, headers: { authorization: `Bearer ${keyA}` } });
      expect(withIngestKey.status, `${route.method} ${route.path} with an ingest key`).toBe(401);
    }
  });
});

describe('database down', () => {
  it('answers 503 with Retry-After for ingest, reads and readiness', async () => {
    const broken = await createHarness();
    const key = (await broken.createProject('p')).apiKey;
    expect((await broken.app.request('/readyz')).status).toBe(200);
    await broken.database.close();
    const ingest = await broken.report(key, { error_type: 'E', message: 'm' });
    expect(ingest.headers.get('retry-after')).toBeTruthy();
    await expectError(ingest, 503, 'unavailable');
    await expectError(await broken.admin('GET', '/api/v1/bugs'), 503, 'unavailable');
    await expectError(await broken.app.request('/readyz'), 503, 'unavailable');
    expect((await broken.app.request('/healthz')).status).toBe(200);
  });
});
