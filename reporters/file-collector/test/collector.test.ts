import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { occurrences } from '../../../server/src/db/schema.ts';
import { startTestServer } from '../../../server/test/harness.ts';
import { createCollector, senderFor } from '../src/collector.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

type Server = Awaited<ReturnType<typeof startTestServer>>;
let server: Server;
let apiKey: string;
let dir: string;
let logFile: string;
let stateFile: string;

// Three libraries' formats, one error each time, between lines the collector must skip.
const formats = [
  (n: number) => JSON.stringify({ level: 50, time: Date.now(), name: 'api', msg: `pino failure ${n}`, err: { type: 'TypeError', message: 'x', stack: `TypeError: x\n    at handler (/srv/app/api.js:${n}:3)` } }),
  (n: number) => JSON.stringify({ event: `structlog failure ${n}`, level: 'error', logger: 'orders', timestamp: new Date().toISOString() }),
  (n: number) => JSON.stringify({ levelname: 'CRITICAL', name: 'worker', message: `python failure ${n}`, pathname: '/app/worker.py', lineno: n }),
];
const errorLine = (n: number) => `${formats[n % 3](n)}\n`;
const noise = (n: number) => `${JSON.stringify({ level: 30, msg: `request ${n} ok` })}\nnot json at all ${n}\n${JSON.stringify({ levelname: 'WARNING', message: `slow ${n}` })}\n`;
const expected = (...numbers: number[]) => numbers.map((n) => [`pino failure ${n}`, `structlog failure ${n}`, `python failure ${n}`][n % 3]);

async function storedMessages(): Promise<string[]> {
  const rows = await server.db.select({ message: occurrences.message }).from(occurrences);
  return rows.map((row) => row.message).sort();
}

function collector() {
  return createCollector({ files: [logFile], stateFile, minLevel: 'ERROR', projectId: 'collector_app', send: senderFor({ url: server.url, apiKey, maxAttempts: 1 }) });
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

beforeAll(async () => {
  server = await startTestServer();
  apiKey = (await server.createProject('collector_app')).apiKey;
  dir = mkdtempSync(path.join(tmpdir(), 'lc-collector-'));
  logFile = path.join(dir, 'app.log');
  stateFile = path.join(dir, 'state', 'collector.json');
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('file collector', () => {
  it('forwards ERROR and above from a rotating file, without duplicates or gaps across restarts', { timeout: 180_000 }, async () => {
    // 1. The command line, once: lines 1–3.
    writeFileSync(logFile, noise(0) + errorLine(1) + noise(1) + errorLine(2) + errorLine(3) + noise(3));
    const first = await runCli(['--once', '--project', 'collector_app', '--state', stateFile, logFile], { LOG_CENTER_URL: server.url, LOG_CENTER_API_KEY: apiKey });
    expect(first.stderr).toContain('forwarded 3, rejected 0');
    expect(first.code).toBe(0);
    expect(await storedMessages()).toEqual(expected(1, 2, 3).sort());

    // 2. A running collector reads 4 and 5 but not the half-written line 6.
    const a = await collector();
    const line6 = errorLine(6);
    appendFileSync(logFile, errorLine(4) + noise(4) + errorLine(5) + line6.slice(0, 25));
    expect((await a.pass()).forwarded).toBe(2);

    // 3. Rotation by rename while the collector is down: the app finishes line 6 and writes 7 into
    //    the renamed file, then reopens app.log and writes 8 and 9.
    renameSync(logFile, `${logFile}.1`);
    appendFileSync(`${logFile}.1`, line6.slice(25) + errorLine(7));
    writeFileSync(logFile, errorLine(8) + noise(8) + errorLine(9));

    // 4. A delivery that fails (the server is unreachable) marks nothing as read.
    const unreachable = await createCollector({
      files: [logFile],
      stateFile,
      minLevel: 'ERROR',
      projectId: 'collector_app',
      send: senderFor({ url: 'http://127.0.0.1:9', apiKey, maxAttempts: 1 }),
    });
    await expect(unreachable.pass()).rejects.toThrow();

    // 5. Restarted: the rest of the rotated file first, then the new one.
    const b = await collector();
    expect((await b.pass()).forwarded).toBe(4);
    expect(await storedMessages()).toEqual(expected(1, 2, 3, 4, 5, 6, 7, 8, 9).sort());

    // 6. copytruncate: the file is copied away and truncated in place, then written again past the old offset.
    copyFileSync(logFile, `${logFile}.2`);
    truncateSync(logFile, 0);
    appendFileSync(logFile, noise(10) + noise(11) + errorLine(10) + errorLine(11) + errorLine(12));
    expect((await b.pass()).forwarded).toBe(3);

    // 7. Nothing new: nothing sent. A second restart resumes at the end.
    expect((await b.pass()).forwarded).toBe(0);
    expect((await (await collector()).pass()).forwarded).toBe(0);

    expect(await storedMessages()).toEqual(expected(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12).sort());
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { files: Record<string, { offset: number }> };
    expect(state.files[logFile].offset).toBe(readFileSync(logFile).length);
  });

  it('maps each format to the report fields', async () => {
    const res = await server.admin('GET', '/api/v1/bugs?project_id=collector_app&sort=first_seen&order=asc&limit=200');
    const { items } = (await res.json()) as { items: { error_type: string; level: string; file_path: string | null; line_number: number | null; message: string }[] };
    const pino = items.find((bug) => bug.message === 'pino failure 3');
    expect(pino).toMatchObject({ error_type: 'TypeError', level: 'ERROR', file_path: '/srv/app/api.js', line_number: 3 });
    const python = items.find((bug) => bug.message === 'python failure 2');
    expect(python).toMatchObject({ error_type: 'LogError', level: 'CRITICAL', file_path: '/app/worker.py', line_number: 2 });
    expect(items.some((bug) => bug.message.startsWith('structlog failure'))).toBe(true);
    expect(items.some((bug) => /request|slow/.test(bug.message))).toBe(false);
  });

  it('keeps following while running, until stopped', async () => {
    const running = await collector();
    const loop = running.run(50);
    appendFileSync(logFile, errorLine(13) + noise(13));
    const deadline = Date.now() + 20_000;
    while (!(await storedMessages()).includes(expected(13)[0]) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    appendFileSync(logFile, errorLine(14));
    while (!(await storedMessages()).includes(expected(14)[0]) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    running.stop();
    await loop;
    expect(await storedMessages()).toEqual(expected(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14).sort());
  });

  it('explains a bad invocation', async () => {
    const result = await runCli(['--once', logFile], { LOG_CENTER_URL: 'not a url', LOG_CENTER_API_KEY: apiKey });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('LOG_CENTER_URL must be a URL');
  });
});
