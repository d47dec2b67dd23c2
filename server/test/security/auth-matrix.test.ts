import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { envelopeOf, exceptionEvent } from '../../src/ingest/sentry/test-support.ts';
import { errorBodySchema } from '../../src/schemas/error.ts';
import { batchResultSchema } from '../../src/schemas/report.ts';
import { createHarness, type Harness } from '../harness.ts';

/**
 * Routes anyone may call. Every other route of the app is enumerated from the router and
 * must refuse callers without the right credential, so a new route is covered the day it
 * is added, and a new public one fails here until it is listed.
 */
const publicRoutes = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/v1/openapi.json',
  'GET /api/v1/session',
  'POST /api/v1/session',
  'DELETE /api/v1/session',
  'GET /*',
]);

type Route = { method: string; path: string };
type Kind = 'public' | 'ingest' | 'sentry' | 'admin';

function kindOf(route: Route): Kind {
  if (publicRoutes.has(`${route.method} ${route.path}`)) return 'public';
  if (route.path.startsWith('/api/v1/logs/')) return 'ingest';
  if (route.path.startsWith('/api/:dsn_id')) return 'sentry';
  return 'admin';
}

let h: Harness;
let keyA: string;
let keyB: string;
let dsnA: number;
let routes: Route[];

beforeAll(async () => {
  h = await createHarness();
  ({ apiKey: keyA, dsnId: dsnA } = await h.createProject('matrix_a'));
  ({ apiKey: keyB } = await h.createProject('matrix_b'));
  const seen = new Set<string>();
  // `ALL` entries are middleware (auth, limits, CORS), not endpoints.
  routes = h.app.routes
    .filter((route) => route.method !== 'ALL')
    .filter((route) => {
      const key = `${route.method} ${route.path}`;
      return !seen.has(key) && seen.add(key);
    })
    .map(({ method, path }) => ({ method, path }));
});
afterAll(() => h.close());

const concrete = (path: string, dsnId: number) =>
  path.replace(/:dsn_id(\{[^}]*\})?/, String(dsnId)).replace(/:\w+(\{[^}]*\})?/g, '1').replace(/\*$/, 'anything');

async function expectError(res: Response, status: number, what: string) {
  expect(res.status, what).toBe(status);
  expect(errorBodySchema.safeParse(await res.json()).success, `${what}: error envelope`).toBe(true);
}

const report = { project_id: 'matrix_a', error_type: 'Error', message: 'auth matrix' };

describe('auth matrix over every route of the router', () => {
  it('finds the routes it must cover', () => {
    const kinds = routes.map(kindOf);
    expect(kinds.filter((kind) => kind === 'ingest')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'sentry').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((kind) => kind === 'admin').length).toBeGreaterThanOrEqual(18);
  });

  it('admin routes: 401 without credentials, with a wrong token, with an ingest key, with a forged session', async () => {
    for (const route of routes.filter((r) => kindOf(r) === 'admin')) {
      const path = concrete(route.path, dsnA);
      const send = (headers: Record<string, string>) =>
        h.app.request(path, {
          method: route.method,
          ...(route.method === 'GET' || route.method === 'DELETE' ? { headers } : { body: '{}', headers: { 'content-type': 'application/json', ...headers } }),
        });
      const what = `${route.method} ${route.path}`;
      await expectError(await send({}), 401, `${what} without credentials`);
      await expectError(await send({ authorization: 'Bearer lc_admin_wrong-token-0123456789' }), 401, `${what} with a wrong token`);
      await expectError(await send({ authorization: `Bearer ${keyB}` }), 401, `${what} with an ingest key`);
      await expectError(await send({ 'x-api-key': keyA }), 401, `${what} with an ingest key in X-Api-Key`);
      await expectError(await send({ cookie: 'lc_session=forged.value', origin: 'http://localhost' }), 401, `${what} with a forged session`);
    }
  });

  it('ingest routes: 401 without a key or with a wrong one, 403 with another project\'s key', async () => {
    for (const route of routes.filter((r) => kindOf(r) === 'ingest')) {
      const isBatch = route.path.endsWith('/batch');
      const body = JSON.stringify(isBatch ? { reports: [report] } : report);
      const send = (headers: Record<string, string>) =>
        h.app.request(route.path, { method: route.method, body, headers: { 'content-type': 'application/json', ...headers } });
      const what = `${route.method} ${route.path}`;
      await expectError(await send({}), 401, `${what} without a key`);
      await expectError(await send({ authorization: `Bearer ${'f'.repeat(32)}` }), 401, `${what} with an unknown key`);
      await expectError(await send({ 'x-api-key': 'not-a-key' }), 401, `${what} with a malformed key`);
      await expectError(await send({ authorization: 'Bearer lc_admin_wrong-token-0123456789' }), 401, `${what} with a wrong admin token`);

      const foreign = await send({ authorization: `Bearer ${keyB}` });
      if (isBatch) {
        // A batch answers per report: each one refused with 403, none stored.
        expect(foreign.status, what).toBe(200);
        const result = batchResultSchema.parse(await foreign.json());
        expect(result.accepted).toBe(0);
        expect(result.results.map((item) => item.status)).toEqual([403]);
      } else {
        await expectError(foreign, 403, `${what} with another project's key`);
      }
      expect((await send({ authorization: `Bearer ${keyA}` })).status, `${what} with the right key`).toBeLessThan(300);
    }
  });

  it("Sentry routes: 401 without a DSN key or with a wrong one, 403 with another project's key", async () => {
    for (const route of routes.filter((r) => kindOf(r) === 'sentry')) {
      const path = concrete(route.path, dsnA);
      const body = path.includes('envelope') ? envelopeOf([exceptionEvent()]) : JSON.stringify(exceptionEvent());
      const send = (query: string, headers: Record<string, string> = {}) =>
        h.app.request(`${path}${query}`, { method: route.method, body, headers });
      const what = `${route.method} ${route.path}`;
      await expectError(await send(''), 401, `${what} without a key`);
      await expectError(await send(`?sentry_key=${'0'.repeat(32)}`), 401, `${what} with an unknown key`);
      await expectError(await send('', { 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${'1'.repeat(32)}` }), 401, `${what} with an unknown header key`);
      await expectError(await send(`?sentry_key=${keyB}`), 403, `${what} with another project's key`);
      expect((await send(`?sentry_key=${keyA}`)).status, `${what} with the right key`).toBe(200);
    }
  });

  it('public routes answer without credentials and never with 401 or 403', async () => {
    for (const route of routes.filter((r) => kindOf(r) === 'public')) {
      if (route.method === 'POST') continue;
      const res = await h.app.request(concrete(route.path, dsnA), { method: route.method, headers: { accept: 'text/html' } });
      // 503 is a designed answer here: /readyz without a database, the dashboard before it is built.
      expect([401, 403, 500], `${route.method} ${route.path}`).not.toContain(res.status);
    }
    const signIn = await h.app.request('/api/v1/session', {
      method: 'POST',
      body: JSON.stringify({ token: 'lc_admin_wrong-token-0123456789' }),
      headers: { 'content-type': 'application/json' },
    });
    await expectError(signIn, 401, 'sign-in with a wrong token');
  });

  it('answers CORS preflights on the Sentry routes only', async () => {
    const preflight = (path: string) =>
      h.app.request(path, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      });
    const sentry = await preflight(`/api/${dsnA}/envelope/`);
    expect(sentry.status).toBe(204);
    expect(sentry.headers.get('access-control-allow-origin')).toBe('*');
    for (const path of ['/api/v1/bugs', '/api/v1/logs/report', '/api/v1/projects']) {
      expect((await preflight(path)).headers.get('access-control-allow-origin'), path).toBeNull();
    }
  });
});

describe('stored credentials', () => {
  it('keeps ingest keys only as SHA-256 hashes', async () => {
    const rows = await queryRows<{ row: string }>(h.db, sql`select t::text as row from api_keys t`);
    const stored = rows.map((row) => row.row).join('\n');
    for (const key of [keyA, keyB]) {
      expect(stored).not.toContain(key);
      expect(stored).toContain(createHash('sha256').update(key).digest('hex'));
    }
  });
});
