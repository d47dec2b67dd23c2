import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/harness.ts';
import { type Bug, bugDetailSchema, bugListSchema } from '../../server/src/schemas/bug.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const script = join(root, 'scripts/report-cicd-error.sh');

const giteaEnv = {
  GITEA_ACTIONS: 'true',
  GITHUB_ACTIONS: 'true',
  GITHUB_WORKFLOW: 'ci',
  GITHUB_JOB: 'build',
  GITHUB_RUN_ID: '4711',
  GITHUB_RUN_NUMBER: '42',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_REF_NAME: 'main',
  GITHUB_HEAD_REF: '',
  GITHUB_REPOSITORY: 'acme/rtc-backend',
  GITHUB_SERVER_URL: 'https://gitea.example.com',
  GITHUB_ACTOR: 'alice',
};

type Run = { code: number | null; stdout: string; stderr: string; ms: number };

/** Runs the real script with bash in a clean environment: nothing leaks from the machine running the tests. */
function run(args: string[], env: Record<string, string> = {}, options: { cwd?: string; file?: string } = {}): Promise<Run> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn('bash', [options.file ?? script, ...args], {
      cwd: options.cwd ?? root,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), LANG: 'C.UTF-8', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

const workDir = mkdtempSync(join(tmpdir(), 'lc-cicd-test-'));
let logCount = 0;
function logFile(content: string | Buffer): string {
  const file = join(workDir, `step-${++logCount}.log`);
  writeFileSync(file, content);
  return file;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

/** A PATH where every command of the machine's PATH is found except `missing`. */
function pathWithout(missing: string): string {
  const bin = mkdtempSync(join(workDir, `no-${missing}-`));
  const seen = new Set([missing]);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (seen.has(name)) continue;
      seen.add(name);
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let apiKey: string;
let reporterEnv: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  apiKey = await server.createGlobalKey();
  reporterEnv = { ...giteaEnv, LOG_CENTER_URL: server.url, LOG_CENTER_API_KEY: apiKey };
});

afterAll(async () => {
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function bugsOf(projectId: string): Promise<Bug[]> {
  const res = await server.admin('GET', `/api/v1/bugs?project_id=${projectId}&sort=first_seen&order=asc`);
  expect(res.status).toBe(200);
  return bugListSchema.parse(await res.json()).items;
}

async function onlyBug(projectId: string): Promise<Bug> {
  const bugs = await bugsOf(projectId);
  expect(bugs).toHaveLength(1);
  return bugs[0];
}

describe('report-cicd-error.sh against the real server', () => {
  it('reports a failed step with the runner context and the log tail', async () => {
    const log = logFile('> vitest run\n\n FAIL  server/src/orders.test.ts\nAssertionError: expected 2 to be 3\n\n');
    const result = await run(['--project', 'rtc_backend', '--step', 'npm test', '--log-file', log], reporterEnv);

    expect(result.code).toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^log-center: reported TestFailure in step 'npm test' of project rtc_backend: bug \d+, new/);

    const bug = await onlyBug('rtc_backend');
    expect(bug).toMatchObject({ source: 'cicd', level: 'ERROR', error_type: 'TestFailure', environment: 'ci' });
    expect(bug.message).toBe("Step 'npm test' failed in job build: AssertionError: expected 2 to be 3");
    expect(bug.context).toEqual({
      workflow: 'ci',
      job_name: 'build',
      step_name: 'npm test',
      run_id: '4711',
      run_number: '42',
      run_url: 'https://gitea.example.com/acme/rtc-backend/actions/runs/4711',
      commit_sha: giteaEnv.GITHUB_SHA,
      branch: 'main',
      repository: 'acme/rtc-backend',
      actor: 'alice',
      log_tail: '> vitest run\n\n FAIL  server/src/orders.test.ts\nAssertionError: expected 2 to be 3',
    });

    const detail = bugDetailSchema.parse(await (await server.admin('GET', `/api/v1/bugs/${bug.id}`)).json());
    expect(detail.occurrences[0].context).toMatchObject({ step_name: 'npm test', run_id: '4711' });
  });

  it('counts the same job and step failing twice as one bug, and a different step as a new one', async () => {
    const args = ['--project', 'dedup_app', '--step', 'npm run build'];
    expect((await run(args, { ...reporterEnv, GITHUB_RUN_ID: '100' })).code).toBe(0);
    const second = await run(args, { ...reporterEnv, GITHUB_RUN_ID: '101' });
    expect(second.stderr).toMatch(/seen 2 times/);

    const bug = await onlyBug('dedup_app');
    expect(bug).toMatchObject({ occurrence_count: 2, error_type: 'NpmBuildError' });
    expect(bug.context.run_id).toBe('101');

    await run(['--project', 'dedup_app', '--step', 'docker build'], reporterEnv);
    const bugs = await bugsOf('dedup_app');
    expect(bugs.map((b) => [b.context.step_name, b.occurrence_count])).toEqual([
      ['npm run build', 2],
      ['docker build', 1],
    ]);
  });

  it('infers the error type from the step name, and --error-type overrides it', async () => {
    const expected: Record<string, string> = {
      'docker build': 'DockerBuildError',
      'Docker push latest': 'DockerBuildError',
      'npm run build': 'NpmBuildError',
      'yarn build': 'NpmBuildError',
      'pnpm build': 'NpmBuildError',
      'npm test': 'TestFailure',
      'Run unit tests': 'TestFailure',
      'npm run lint': 'LintError',
      'ESLint': 'LintError',
      'Deploy to staging': 'DeployError',
      'npm ci': 'CIError',
      'Fetch latest schema': 'CIError',
      'checkout': 'CIError',
    };
    for (const step of Object.keys(expected)) {
      expect((await run(['--project', 'inference', '--step', step], reporterEnv)).code).toBe(0);
    }
    await run(['--project', 'inference', '--step', 'make release', '--error-type', 'ReleaseError'], reporterEnv);

    const types = Object.fromEntries((await bugsOf('inference')).map((b) => [b.context.step_name, b.error_type]));
    expect(types).toEqual({ ...expected, 'make release': 'ReleaseError' });
  });

  it('reads the Gitea twins when only GITEA_* variables are set, and derives the project from the repository', async () => {
    const env: Record<string, string> = { LOG_CENTER_URL: `${server.url}/`, LOG_CENTER_API_KEY: apiKey };
    for (const [name, value] of Object.entries(giteaEnv)) env[name.replace(/^GITHUB_/, 'GITEA_')] = value;
    env.GITEA_REPOSITORY = 'acme/Payments-API';

    const result = await run(['--step', 'lint', '--message', 'eslint found 3 problems', '--level', 'warning'], env);
    expect(result.code).toBe(0);

    const bug = await onlyBug('payments_api');
    expect(bug).toMatchObject({ level: 'WARNING', error_type: 'LintError', message: 'eslint found 3 problems' });
    expect(bug.context).toMatchObject({
      workflow: 'ci',
      job_name: 'build',
      run_url: 'https://gitea.example.com/acme/Payments-API/actions/runs/4711',
      commit_sha: giteaEnv.GITHUB_SHA,
      branch: 'main',
      actor: 'alice',
    });
    expect(bug.context).not.toHaveProperty('log_tail');
  });

  it('prefers the head branch of a pull request to its merge ref', async () => {
    await run(['--project', 'pull_request', '--step', 'npm test'], {
      ...reporterEnv,
      GITHUB_REF_NAME: '17/merge',
      GITHUB_HEAD_REF: 'feature/login',
    });
    expect((await onlyBug('pull_request')).context.branch).toBe('feature/login');
  });

  it('sends any byte of a 5 MB log as valid JSON, keeping at most the last 200 lines and 64 KB without colours', async () => {
    const special = 'say "hi" \\ C:\\path\ttab ünïcødé 日本語 🚀 \'single\'';
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 5 * 1024 * 1024; i++) {
      const line = `\x1b[1;31mline ${i}\x1b[0m ${special} \x1b]0;title\x07${'x'.repeat(900)}`;
      lines.push(line);
      size += Buffer.byteLength(line) + 1;
    }
    const content = Buffer.concat([
      Buffer.from(`${lines.join('\n')}\nraw bytes: \x00 nul and `),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`\n\x1b[32mlast line ${special}\x1b[0m\n\n`),
    ]);
    const result = await run(['--project', 'big_log', '--step', 'npm test', '--log-file', logFile(content)], reporterEnv);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/reported TestFailure/);

    const tail = String((await onlyBug('big_log')).context.log_tail);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.byteLength(tail)).toBeGreaterThan(60 * 1024);
    const tailLines = tail.split('\n');
    expect(tailLines.length).toBeLessThanOrEqual(200);
    expect(tail).not.toMatch(/\x1b|\x07/);
    expect(tailLines.at(-1)).toBe(`last line ${special}`);
    expect(tailLines.at(-2)).toMatch(/^raw bytes: \uFFFD nul and \uFFFD+$/);
    expect(tailLines.slice(0, -2).every((line) => /^line \d+ /.test(line))).toBe(true);
    expect(tailLines[0]).toContain(special);
  });

  it('keeps exactly the last 200 lines of a long log of short lines', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `\x1b[2K\x1b[33mwarn\x1b[39m step ${i}\r`);
    const result = await run(['--project', 'short_lines', '--step', 'npm test', '--log-file', logFile(`${lines.join('\n')}\n`)], reporterEnv);
    expect(result.code).toBe(0);

    const bug = await onlyBug('short_lines');
    const tailLines = String(bug.context.log_tail).split('\n');
    expect(tailLines).toHaveLength(200);
    expect(tailLines[0]).toBe('warn step 99800');
    expect(tailLines.at(-1)).toBe('warn step 99999');
    expect(bug.message).toBe("Step 'npm test' failed in job build: warn step 99999");
  });

  it('bounds one 5 MB line without newlines to its last 64 KB', async () => {
    const content = `${'abc "q" \\ é '.repeat(400_000)}END`;
    expect((await run(['--project', 'one_line', '--step', 'npm test', '--log-file', logFile(content)], reporterEnv)).code).toBe(0);
    const tail = String((await onlyBug('one_line')).context.log_tail);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(64 * 1024);
    expect(tail.endsWith('é abc "q" \\ é END')).toBe(true);
  });

  it('reports without a log when the log file does not exist, and says so', async () => {
    const result = await run(['--project', 'no_log', '--step', 'npm test', '--log-file', join(workDir, 'missing.log')], reporterEnv);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/reported TestFailure .*log file .*missing\.log not found/);
    expect(await onlyBug('no_log')).toMatchObject({ message: "Step 'npm test' failed in job build" });
  });

  it('exits 0 with a warning when the server refuses the key, and non-zero with --strict', async () => {
    const env = { ...reporterEnv, LOG_CENTER_API_KEY: '0'.repeat(32) };
    const lenient = await run(['--project', 'bad_key', '--step', 'npm test'], env);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/^log-center: warning: Log Center answered HTTP 401/);

    const strict = await run(['--project', 'bad_key', '--step', 'npm test', '--strict'], env);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toMatch(/^log-center: error: Log Center answered HTTP 401/);
  });
});

describe('report-cicd-error.sh when it cannot report', () => {
  it('exits 0 at once when the server is down (connection refused), non-zero with --strict', async () => {
    const env = { ...giteaEnv, LOG_CENTER_URL: `http://127.0.0.1:${await closedPort()}`, LOG_CENTER_API_KEY: 'k' };
    const lenient = await run(['--project', 'p', '--step', 'npm test'], env);
    expect(lenient.code).toBe(0);
    expect(lenient.ms).toBeLessThan(5_000);
    expect(lenient.stderr).toMatch(/^log-center: warning: could not reach http:\/\/127\.0\.0\.1:\d+\/api\/v1\/logs\/report/);

    const strict = await run(['--project', 'p', '--step', 'npm test', '--strict'], env);
    expect(strict.code).not.toBe(0);
  });

  it('gives up on a server that accepts and never answers within 11 s, with exit 0', { timeout: 20_000 }, async () => {
    const sockets: Socket[] = [];
    const hung: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((ready) => hung.listen(0, '127.0.0.1', ready));
    try {
      const { port } = hung.address() as { port: number };
      const result = await run(['--project', 'p', '--step', 'npm test'], {
        ...giteaEnv,
        LOG_CENTER_URL: `http://127.0.0.1:${port}`,
        LOG_CENTER_API_KEY: 'k',
      });
      expect(result.code).toBe(0);
      expect(result.ms).toBeGreaterThan(9_000);
      expect(result.ms).toBeLessThan(11_000);
      expect(sockets.length).toBeGreaterThan(0);
      expect(result.stderr).toMatch(/warning: could not reach .*timed out/i);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => hung.close(closed));
    }
  });

  it('exits 0 when the host does not resolve', { timeout: 20_000 }, async () => {
    const result = await run(['--project', 'p', '--step', 'npm test'], {
      ...giteaEnv,
      LOG_CENTER_URL: 'http://log-center.invalid',
      LOG_CENTER_API_KEY: 'k',
    });
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(11_000);
    expect(result.stderr).toMatch(/^log-center: warning: could not reach http:\/\/log-center\.invalid/);
  });

  it('warns and exits 0 when LOG_CENTER_URL or LOG_CENTER_API_KEY is missing, non-zero with --strict', async () => {
    const lenient = await run(['--project', 'p', '--step', 'npm test'], { ...giteaEnv, LOG_CENTER_URL: 'http://127.0.0.1:9' });
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toBe(
      "log-center: warning: LOG_CENTER_API_KEY not set, the failure of step 'npm test' was not reported; the pipeline goes on\n",
    );
    const strict = await run(['--project', 'p', '--step', 'npm test', '--strict'], giteaEnv);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toMatch(/LOG_CENTER_URL LOG_CENTER_API_KEY not set/);
  });

  it.each(['jq', 'curl'])('warns and exits 0 when %s is not installed, non-zero with --strict', async (tool) => {
    const env = { ...reporterEnv, PATH: pathWithout(tool) };
    const lenient = await run(['--project', 'missing_tool', '--step', 'npm test'], env);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(new RegExp(`^log-center: warning: ${tool} is not installed`));
    expect((await run(['--project', 'missing_tool', '--step', 'npm test', '--strict'], env)).code).not.toBe(0);
    expect(await bugsOf('missing_tool')).toEqual([]);
  });

  it('treats an unknown option as a warning, and prints usage on --help', async () => {
    const unknown = await run(['--project', 'p', '--stpe', 'npm test'], reporterEnv);
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toMatch(/warning: unknown option --stpe/);
    expect((await run(['--stpe', 'x', '--strict'], reporterEnv)).code).not.toBe(0);

    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: report-cicd-error\.sh/);
    for (const flag of ['--project', '--step', '--message', '--log-file', '--level', '--error-type', '--strict']) {
      expect(help.stdout).toContain(flag);
    }
  });
});

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('shell scripts', () => {
  it.skipIf(!hasShellcheck)('pass shellcheck', () => {
    const tracked = spawnSync('git', ['ls-files', '*.sh'], { cwd: root, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const files = [...new Set(['.ci/run', ...tracked, 'scripts/report-cicd-error.sh'])];
    const check = spawnSync('shellcheck', files, { cwd: root, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
