import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.ts';
import { errorBodySchema } from '../schemas/error.ts';

// Routes that are not part of the API: the dashboard's static files and deep-link fallback.
const undocumented = new Set(['GET /*']);

type Operation = { responses: Record<string, unknown>; security: unknown[]; parameters?: { name: string; in: string }[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

/** Hono `/api/:dsn_id{[0-9]+}/envelope/` → OpenAPI `/api/{dsn_id}/envelope`; a trailing slash is the same route. */
const normalize = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}').replace(/(.)\/$/, '$1');

let h: Harness;
let document: Document;

beforeAll(async () => {
  h = await createHarness();
  const res = await h.app.request('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  document = (await res.json()) as Document;
});
afterAll(() => h.close());

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, served without credentials', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(document) as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route the app serves, and nothing it does not', () => {
    const served = new Set(
      h.app.routes
        .filter((route) => route.method !== 'ALL' && !undocumented.has(`${route.method} ${route.path}`))
        .map((route) => `${route.method} ${normalize(route.path)}`),
    );
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${normalize(path)}`),
      ),
    );
    expect([...served].filter((route) => !documented.has(route)).sort()).toEqual([]);
    expect([...documented].filter((route) => !served.has(route)).sort()).toEqual([]);
  });

  it('documents the error envelope for every operation and the errors routes really answer', async () => {
    const error = document.components.schemas.Error as { properties: { error: { required: string[] } } };
    expect(error.properties.error.required).toEqual(['code', 'message']);
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) expect(operation.responses['500']).toBeDefined();
    }

    const bugList = document.paths['/api/v1/bugs'].get;
    expect(bugList.responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });
    expect(bugList.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['project_id', 'source', 'status', 'level', 'sort', 'cursor', 'limit']),
    );

    // Every admin operation, called without the token, answers a documented 401 in the envelope.
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!JSON.stringify(operation.security).includes('adminToken')) continue;
        const url = path.replace('{id}', path.startsWith('/api/v1/projects') ? 'demo' : '1');
        const res = await h.app.request(url, { method: method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: method === 'get' ? undefined : '{}' });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(errorBodySchema.safeParse(await res.json()).success).toBe(true);
        expect(operation.responses['401'], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it('describes requests with the schemas the routes validate with', async () => {
    const report = document.components.schemas.Report as { required: string[]; properties: Record<string, { enum?: string[] }> };
    expect(report.required.sort()).toEqual(['error_type', 'message']);
    expect(report.properties.source.enum).toEqual(['runtime', 'cicd', 'deployment']);

    // A report the document calls invalid (no message) is rejected by the route with a documented 400.
    const { apiKey } = await h.createProject('openapi_demo');
    const res = await h.report(apiKey, { error_type: 'TypeError' });
    expect(res.status).toBe(400);
    expect(document.paths['/api/v1/logs/report'].post.responses['400']).toBeDefined();
    const body = errorBodySchema.parse(await res.json());
    expect(body.error.issues?.map((issue) => issue.path)).toContain('message');
  });
});
