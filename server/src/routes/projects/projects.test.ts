import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../db/schema.ts';
import { apiKeySchema, createdProjectSchema, projectSchema } from '../../schemas/project.ts';
import { createHarness, type Harness } from '../../../test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('projects and keys', () => {
  it('creates a project with a 32-hex key shown once, a numeric dsn_id and a DSN', async () => {
    const res = await h.admin('POST', '/api/v1/projects', { id: 'rtc_backend', name: 'RTC backend' });
    expect(res.status).toBe(201);
    const project = createdProjectSchema.parse(await res.json());
    expect(project.api_key).toMatch(/^[0-9a-f]{32}$/);
    expect(project.dsn).toBe(`http://${project.api_key}@localhost/${project.dsn_id}`);

    const [stored] = await h.db.select().from(apiKeys).where(eq(apiKeys.projectId, 'rtc_backend'));
    expect(stored.keyHash).not.toContain(project.api_key);
    expect(JSON.stringify(stored)).not.toContain(project.api_key);

    const listed = (await (await h.admin('GET', '/api/v1/projects/rtc_backend/keys')).json()) as { items: unknown[] };
    const keys = listed.items.map((item) => apiKeySchema.parse(item));
    expect(keys).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(project.api_key);
    expect(keys[0].key_prefix).toBe(project.api_key.slice(0, 8));
  });

  it('lists and reads projects', async () => {
    await h.admin('POST', '/api/v1/projects', { id: 'payments' });
    const list = (await (await h.admin('GET', '/api/v1/projects')).json()) as { items: unknown[] };
    const projects = list.items.map((item) => projectSchema.parse(item));
    expect(projects.map((p) => p.id)).toEqual(['payments', 'rtc_backend']);
    expect(new Set(projects.map((p) => p.dsn_id)).size).toBe(2);
    const one = projectSchema.parse(await (await h.admin('GET', '/api/v1/projects/payments')).json());
    expect(one.name).toBe('payments');
  });

  it('rejects project ids that are not slugs', async () => {
    for (const id of ['Upper', '-lead', 'a b', 'x'.repeat(65), '']) {
      expect((await h.admin('POST', '/api/v1/projects', { id })).status, id).toBe(400);
    }
  });

  it('issues project keys and all-project keys, and revokes them', async () => {
    const projectKey = (await (await h.admin('POST', '/api/v1/projects/payments/keys', { name: 'ci' })).json()) as {
      id: number;
      api_key: string;
      project_id: string;
    };
    expect(projectKey.project_id).toBe('payments');
    const globalRes = await h.admin('POST', '/api/v1/keys', { scope: 'all' });
    expect(globalRes.status).toBe(201);
    const globalKey = (await globalRes.json()) as { id: number; api_key: string; project_id: null };
    expect(globalKey.project_id).toBeNull();

    const report = (project: string) => ({ project_id: project, error_type: 'E', message: 'm' });
    expect((await h.report(globalKey.api_key, report('rtc_backend'))).status).toBe(201);
    expect((await h.report(globalKey.api_key, report('payments'))).status).toBe(201);
    expect((await h.report(projectKey.api_key, report('rtc_backend'))).status).toBe(403);

    expect((await h.admin('DELETE', `/api/v1/keys/${globalKey.id}`)).status).toBe(200);
    expect((await h.admin('DELETE', `/api/v1/keys/${globalKey.id}`)).status).toBe(409);
    expect((await h.admin('DELETE', '/api/v1/keys/424242')).status).toBe(404);
    expect((await h.report(globalKey.api_key, report('payments'))).status).toBe(401);
    expect((await h.admin('POST', '/api/v1/keys', { scope: 'some' })).status).toBe(400);
    expect((await h.admin('POST', '/api/v1/projects/nope/keys', {})).status).toBe(404);
  });

  it('lets a project key omit project_id', async () => {
    const { apiKey } = await h.createProject('implicit');
    const res = await h.report(apiKey, { error_type: 'E', message: 'm' });
    expect(res.status).toBe(201);
    const bugs = (await (await h.admin('GET', '/api/v1/bugs?project_id=implicit')).json()) as { items: unknown[] };
    expect(bugs.items).toHaveLength(1);
  });
});
