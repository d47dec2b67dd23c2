import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { BugEvents } from '../src/events.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export const adminToken = 'test-admin-token-0123456789';

export type TestClock = { now: () => Date; set(time: Date | string): void; advance(ms: number): void };

export function createTestClock(start: Date | string = new Date()): TestClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set(time) {
      current = new Date(time).getTime();
    },
    advance(ms) {
      current += ms;
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

type HarnessOptions = { clock?: TestClock; env?: Record<string, string> };

/** The real app on a fresh test database, called in-process with `app.request()`. */
export async function createHarness(options: HarnessOptions = {}) {
  const database: TestDatabase = await createTestDatabase();
  const config: Config = loadConfig({ LOG_CENTER_ADMIN_TOKEN: adminToken, ...options.env });
  const events = new BugEvents();
  const { app, deps } = createApp({
    db: database.db,
    config,
    adminToken,
    clock: options.clock?.now,
    events,
  });

  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

  const adminHeaders = { authorization: `Bearer ${adminToken}` };

  return {
    app,
    deps,
    database,
    db: database.db,
    events,
    adminHeaders,
    /** An admin call; `body` is sent as JSON. */
    admin(method: string, path: string, body?: unknown) {
      return app.request(path, {
        method,
        ...(body === undefined ? { headers: adminHeaders } : json(body, adminHeaders)),
      });
    },
    /** Creates a project and returns its ingest key. */
    async createProject(id: string, name = id): Promise<{ apiKey: string; dsnId: number; dsn: string }> {
      const res = await app.request('/api/v1/projects', { method: 'POST', ...json({ id, name }, adminHeaders) });
      if (res.status !== 201) throw new Error(`create project ${id}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { api_key: string; dsn_id: number; dsn: string };
      return { apiKey: body.api_key, dsnId: body.dsn_id, dsn: body.dsn };
    },
    async createGlobalKey(): Promise<string> {
      const res = await app.request('/api/v1/keys', { method: 'POST', ...json({ scope: 'all' }, adminHeaders) });
      if (res.status !== 201) throw new Error(`create key: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { api_key: string }).api_key;
    },
    report(apiKey: string, report: unknown) {
      return app.request('/api/v1/logs/report', { method: 'POST', ...json(report, { authorization: `Bearer ${apiKey}` }) });
    },
    reportBatch(apiKey: string, reports: unknown) {
      return app.request('/api/v1/logs/report/batch', {
        method: 'POST',
        ...json(reports, { authorization: `Bearer ${apiKey}` }),
      });
    },
    async close() {
      await database.close();
    },
  };
}

/** The same app behind a real HTTP listener on 127.0.0.1, for reporters that speak HTTP. */
export async function startTestServer(options: HarnessOptions = {}) {
  const harness = await createHarness(options);
  const server = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    ...harness,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await harness.close();
    },
  };
}
