import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from './test-database.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'log-center-start-'));
let child: ChildProcess | undefined;
let database: TestDatabase | undefined;

afterAll(async () => {
  child?.kill('SIGKILL');
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function startServer(env: Record<string, string>): Promise<{ url: string; output: () => string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/index.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_CENTER_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && /Admin token/.test(output)) {
        clearTimeout(timer);
        resolve({ url: match[1], output: () => output });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

describe('npm start (the real entry point)', () => {
  it('starts, prints URL and admin token, serves /healthz, accepts a report, stops on SIGTERM', async () => {
    const env: Record<string, string> = {};
    if (testDatabaseKind() === 'postgres') {
      database = await createTestDatabase();
      env.DATABASE_URL = database.url as string;
    }
    const server = await startServer(env);
    const token = /Admin token: (\S+)/.exec(server.output())?.[1] as string;
    expect(readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim()).toBe(token);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const project = await fetch(`${server.url}/api/v1/projects`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: 'smoke' }),
    });
    expect(project.status).toBe(201);
    const { api_key } = (await project.json()) as { api_key: string };
    const report = await fetch(`${server.url}/api/v1/logs/report`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ error_type: 'SmokeError', message: 'it works' }),
    });
    expect(report.status).toBe(201);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    const stopAt = Date.now();
    child?.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
  });

  it('refuses to start on a bad configuration, naming the variable', async () => {
    await expect(startServer({ PORT: 'not-a-port' })).rejects.toThrow(/PORT/);
  });
});
