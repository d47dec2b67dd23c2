import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugListSchema } from '../../../server/src/schemas/bug.ts';
import { startTestServer } from '../../../server/test/harness.ts';
import { buildSdk } from '../build.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let apiKey: string;
let dir: string;
let dist: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lc-sdk-dist-'));
  dist = path.join(dir, 'dist');
  await buildSdk(dist);
  server = await startTestServer();
  apiKey = (await server.createProject('app')).apiKey;
}, 120_000);
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a script as its own Node process, the way an application would load the built SDK. */
async function run(name: string, source: string, env: Record<string, string> = {}) {
  const file = path.join(dir, name);
  await writeFile(file, source);
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, LOG_CENTER_URL: server.url, LOG_CENTER_API_KEY: apiKey, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

async function bugOf(errorType: string) {
  const { items } = bugListSchema.parse(await (await server.admin('GET', '/api/v1/bugs?project_id=app&limit=100')).json());
  return items.find((bug) => bug.error_type === errorType);
}

describe('the built SDK in a separate process', () => {
  it('CommonJS: an uncaught exception is reported, then the process exits like Node (code 1)', async () => {
    const result = await run(
      'crash.cjs',
      `const logCenter = require(${JSON.stringify(path.join(dist, 'index.cjs'))});
logCenter.init({ appRoot: __dirname, environment: 'cjs' });
function boot() {
  throw new ReferenceError('config is not defined');
}
setTimeout(boot, 10);
`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ReferenceError: config is not defined');
    expect(await bugOf('ReferenceError')).toMatchObject({ level: 'CRITICAL', file_path: 'crash.cjs', line_number: 4, environment: 'cjs' });
  });

  it('ESM: an unhandled rejection is reported, then the process exits with code 1', async () => {
    const result = await run(
      'reject.mjs',
      `import { init } from ${JSON.stringify(path.join(dist, 'index.js'))};
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
init({ appRoot: dirname(fileURLToPath(import.meta.url)), environment: 'esm' });
async function loadOrders() {
  await null;
  throw new SyntaxError('orders.json is not JSON', { cause: new Error('unexpected token <') });
}
loadOrders();
`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('orders.json is not JSON');
    const bug = await bugOf('SyntaxError');
    expect(bug).toMatchObject({ level: 'CRITICAL', file_path: 'reject.mjs', line_number: 7, environment: 'esm' });
    expect(bug?.stack_trace).toContain('Caused by: Error: unexpected token <');
  });

  it("leaves an app's own uncaughtException handler in charge, and sends queued reports before a normal exit", async () => {
    const result = await run(
      'handled.mjs',
      `import { init, captureMessage } from ${JSON.stringify(path.join(dist, 'index.js'))};
init({});
process.on('uncaughtException', (error) => console.log('app handled', error.message));
captureMessage('shutting down', 'info');
setTimeout(() => { throw new EvalError('handled by the app'); }, 10);
`,
    );
    expect(result.stdout).toContain('app handled handled by the app');
    expect(result.code).toBe(0);
    expect(await bugOf('EvalError')).toMatchObject({ level: 'CRITICAL' });
    expect(await bugOf('Message')).toMatchObject({ message: 'shutting down', level: 'INFO' });
  });

  it('lets the process exit on its own when the server is down', async () => {
    const start = Date.now();
    const result = await run(
      'offline.cjs',
      `const logCenter = require(${JSON.stringify(path.join(dist, 'index.cjs'))});
logCenter.init({});
logCenter.captureException(new Error('nobody is listening'));
console.log('done');
`,
      { LOG_CENTER_URL: 'http://127.0.0.1:9' },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done');
    expect(Date.now() - start).toBeLessThan(10_000);
  });
});
