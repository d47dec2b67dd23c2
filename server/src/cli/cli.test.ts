import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import postgres from 'postgres';
import { z } from 'zod';
import { adminToken, startTestServer } from '../../test/harness.ts';
import { testDatabaseKind } from '../../test/test-database.ts';
import { migrationsFolder, openDatabase, sql } from '../db/client.ts';
import { bugDetailSchema, bugListSchema, bugSchema } from '../schemas/bug.ts';
import { createdKeySchema, createdProjectSchema, projectSchema } from '../schemas/project.ts';
import { reportResultSchema } from '../schemas/report.ts';

// Every case spawns the real CLI (a Node process with the TypeScript loader), which takes seconds on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const bin = fileURLToPath(new URL('../../../bin/log-center.js', import.meta.url));

type Server = Awaited<ReturnType<typeof startTestServer>>;
let server: Server;
let dataDir: string;
const bugIds: Record<string, number> = {};

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        LOG_CENTER_URL: server.url,
        LOG_CENTER_ADMIN_TOKEN: adminToken,
        LOG_CENTER_DATA_DIR: dataDir,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function report(apiKey: string, body: Record<string, unknown>) {
  const res = await server.report(apiKey, body);
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return reportResultSchema.parse(await res.json());
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  server = await startTestServer();
  dataDir = mkdtempSync(path.join(tmpdir(), 'lc-cli-'));
  const { apiKey } = await server.createProject('cli_demo');
  bugIds.type = (await report(apiKey, { error_type: 'TypeError', message: 'x is undefined', file_path: 'src/a.ts', line_number: 3, stack_trace: 'TypeError: x is undefined\n    at run (src/a.ts:3:7)' })).bug_id;
  await report(apiKey, { error_type: 'TypeError', message: 'x is undefined', file_path: 'src/a.ts', line_number: 3 });
  bugIds.critical = (await report(apiKey, { error_type: 'OutOfMemory', message: 'heap exhausted', level: 'CRITICAL', file_path: 'src/b.ts', line_number: 9 })).bug_id;
  bugIds.cicd = (await report(apiKey, { source: 'cicd', error_type: 'TestFailure', message: '3 tests failed', context: { job_name: 'test', step_name: 'npm test' } })).bug_id;
});

afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('log-center bugs / bug', () => {
  it('lists bugs as JSON with filters and a limit', async () => {
    const all = await cli(['bugs', '--project', 'cli_demo', '--json']);
    expect(all.code).toBe(0);
    const list = bugListSchema.parse(JSON.parse(all.stdout));
    expect(list.items.map((bug) => bug.id).sort()).toEqual(Object.values(bugIds).sort());
    expect(list.items.find((bug) => bug.id === bugIds.type)?.occurrence_count).toBe(2);

    const critical = bugListSchema.parse(JSON.parse((await cli(['bugs', '--level', 'CRITICAL', '--json'])).stdout));
    expect(critical.items.map((bug) => bug.id)).toEqual([bugIds.critical]);

    const cicd = bugListSchema.parse(JSON.parse((await cli(['bugs', '--source', 'cicd', '--status', 'new', '--json'])).stdout));
    expect(cicd.items.map((bug) => bug.id)).toEqual([bugIds.cicd]);

    const one = bugListSchema.parse(JSON.parse((await cli(['bugs', '--limit', '1', '--json'])).stdout));
    expect(one.items).toHaveLength(1);
    expect(one.next_cursor).not.toBeNull();
  });

  it('prints a human table by default', async () => {
    const { code, stdout } = await cli(['bugs', '--sort', 'count']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+LEVEL\s+SOURCE\s+PROJECT\s+COUNT\s+LAST SEEN\s+ERROR$/);
    expect(lines).toHaveLength(4);
    // Sorted by count: the bug reported twice comes first.
    expect(lines[1]).toMatch(new RegExp(`^${bugIds.type}\\s+new\\s+ERROR\\s+runtime\\s+cli_demo\\s+2\\s+\\d+s ago\\s+TypeError: x is undefined$`));
  });

  it('shows one bug with its occurrences', async () => {
    const asJson = await cli(['bug', String(bugIds.type), '--json']);
    expect(asJson.code).toBe(0);
    const detail = bugDetailSchema.parse(JSON.parse(asJson.stdout));
    expect(detail.bug.id).toBe(bugIds.type);
    expect(detail.occurrences).toHaveLength(2);

    const human = await cli(['bug', String(bugIds.type)]);
    expect(human.stdout).toContain(`Bug ${bugIds.type}: TypeError: x is undefined`);
    expect(human.stdout).toMatch(/Where:\s+src\/a\.ts:3/);
    expect(human.stdout).toContain('    at run (src/a.ts:3:7)');
    expect(human.stdout).toContain('Recent occurrences (2):');
  });
});

describe('log-center resolve / ignore', () => {
  it('changes the status on the server', async () => {
    const resolved = await cli(['resolve', String(bugIds.type), '--json']);
    expect(resolved.code).toBe(0);
    expect(bugSchema.parse(JSON.parse(resolved.stdout)).status).toBe('resolved');

    const ignored = await cli(['ignore', String(bugIds.cicd)]);
    expect(ignored.code).toBe(0);
    expect(ignored.stdout.trim()).toBe(`Bug ${bugIds.cicd} is now ignored: TestFailure: 3 tests failed`);

    const stored = async (id: number) => bugDetailSchema.parse(await (await server.admin('GET', `/api/v1/bugs/${id}`)).json()).bug.status;
    expect(await stored(bugIds.type)).toBe('resolved');
    expect(await stored(bugIds.cicd)).toBe('ignored');
  });
});

describe('log-center projects / keys', () => {
  it('lists and creates projects; the printed key reports for the new project', async () => {
    const created = await cli(['projects', 'create', 'cli_new', '--name', 'New one', '--json']);
    expect(created.code).toBe(0);
    const project = createdProjectSchema.parse(JSON.parse(created.stdout));
    expect(project).toMatchObject({ id: 'cli_new', name: 'New one' });
    expect(project.api_key).toMatch(/^[0-9a-f]{32}$/);
    expect((await server.report(project.api_key, { error_type: 'E', message: 'm' })).status).toBe(201);

    const listed = z.object({ items: z.array(projectSchema) }).parse(JSON.parse((await cli(['projects', '--json'])).stdout));
    expect(listed.items.map((p) => p.id).sort()).toEqual(['cli_demo', 'cli_new']);

    const human = await cli(['projects']);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+DSN ID\s+CREATED\n/);
    expect(human.stdout).toContain('cli_new');
  });

  it('creates project keys and all-project keys that the server accepts', async () => {
    const projectKey = createdKeySchema.parse(JSON.parse((await cli(['keys', 'create', '--project', 'cli_demo', '--json'])).stdout));
    expect(projectKey.project_id).toBe('cli_demo');
    expect((await server.report(projectKey.api_key, { error_type: 'E', message: 'project key' })).status).toBe(201);
    expect((await server.report(projectKey.api_key, { project_id: 'cli_new', error_type: 'E', message: 'other' })).status).toBe(403);

    const globalKey = await cli(['keys', 'create', '--all']);
    expect(globalKey.code).toBe(0);
    const key = /Ingest key \(shown once\): ([0-9a-f]{32})/.exec(globalKey.stdout)?.[1];
    expect(key).toBeDefined();
    expect((await server.report(key as string, { project_id: 'cli_auto', error_type: 'E', message: 'any project' })).status).toBe(201);
  });
});

describe('errors and exit codes', () => {
  it('explains failures in one line, without a stack trace', async () => {
    const missing = await cli(['bug', '99999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('log-center: bug not found');

    const badToken = await cli(['bugs'], { LOG_CENTER_ADMIN_TOKEN: 'wrong-token-wrong-token' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('refused the admin token');

    const invalid = await cli(['bugs', '--level', 'LOUD']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/invalid query\n\s+level(\.0)?: unknown level/);

    const down = await cli(['bugs'], { LOG_CENTER_URL: `http://127.0.0.1:${await closedPort()}` });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach Log Center');

    for (const result of [missing, badToken, invalid, down]) {
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('answers bad usage with exit code 2', async () => {
    for (const args of [['bugs', '--bogus'], ['keys', 'create'], ['keys', 'create', '--all', '--project', 'x'], ['bug'], ['bug', 'abc'], ['frobnicate'], ['bugs', '--limit', '0']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^log-center: /);
    }
  });
});

describe('log-center doctor', () => {
  const checkSchema = z.object({ ok: z.boolean(), checks: z.array(z.object({ name: z.string(), status: z.enum(['ok', 'warn', 'fail', 'skip']), detail: z.string() })) });

  it('passes against a healthy server, checking the database directly when it is PostgreSQL', async () => {
    const databaseUrl = server.database.url;
    const result = await cli(['doctor', '--json'], databaseUrl ? { DATABASE_URL: databaseUrl } : {});
    expect(result.code).toBe(0);
    const report = checkSchema.parse(JSON.parse(result.stdout));
    expect(report.ok).toBe(true);
    const status = Object.fromEntries(report.checks.map((check) => [check.name, check.status]));
    expect(status).toMatchObject({ configuration: 'ok', server: 'ok', clock: 'ok', 'database (server)': 'ok', 'admin token': 'ok' });
    if (databaseUrl) {
      expect(status['database (direct)']).toBe('ok');
      expect(report.checks.find((check) => check.name === 'migrations')?.detail).toMatch(/^all \d+ applied$/);
    } else {
      expect(status['database (direct)']).toBe('skip');
    }
  });

  it('says what is wrong in plain words and exits 1', async () => {
    const result = await cli(['doctor'], {
      LOG_CENTER_ADMIN_TOKEN: 'not-the-admin-token',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/nothing`,
      PORT: 'eighty',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ configuration\s+PORT: /);
    expect(result.stdout).toMatch(/✗ admin token\s+the server refused the token from LOG_CENTER_ADMIN_TOKEN/);
    expect(result.stdout).toMatch(/✓ server\s+/);
    expect(result.stdout).toMatch(/2 problems found\.\n$/);

    // A server whose clock runs ten minutes ahead of this machine.
    const skewed = createHttpServer((req, res) => {
      res.setHeader('date', new Date(Date.now() + 600_000).toUTCString());
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/api/v1/projects' ? '{"items":[]}' : '{"status":"ok"}');
    });
    await new Promise<void>((resolve) => skewed.listen(0, '127.0.0.1', resolve));
    const skewedResult = await cli(['doctor'], { LOG_CENTER_URL: `http://127.0.0.1:${(skewed.address() as { port: number }).port}` });
    await new Promise<void>((resolve) => skewed.close(() => resolve()));
    expect(skewedResult.code).toBe(1);
    expect(skewedResult.stdout).toMatch(/✗ clock\s+the server's clock is 10m ahead of this machine; .* sync both with NTP/);

    const noDatabase = await cli(['doctor', '--json'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/nothing` });
    expect(noDatabase.code).toBe(1);
    const direct = checkSchema.parse(JSON.parse(noDatabase.stdout)).checks.find((check) => check.name === 'database (direct)');
    expect(direct).toMatchObject({ status: 'fail' });
    expect(direct?.detail).toContain('connection refused');
  });

  it.skipIf(testDatabaseKind() !== 'postgres')('names the migrations a PostgreSQL database is missing', async () => {
    const serverUrl = process.env.TEST_DATABASE_URL as string;
    const name = `lc_doctor_${process.pid}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    try {
      const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 1 });
      await database.migrate();
      const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] };
      const newest = journal.entries.at(-1) as { tag: string; when: number };
      await database.db.execute(sql`delete from drizzle.__drizzle_migrations where created_at = ${newest.when}`);
      await database.close();

      const result = await cli(['doctor'], { DATABASE_URL: url.toString() });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('✓ database (direct)');
      expect(result.stdout).toContain(`✗ migrations         1 of ${journal.entries.length} not applied (${newest.tag}); start or restart the server`);
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
