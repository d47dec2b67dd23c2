import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { startTestServer } from '../../server/test/harness.ts';
import { bugListSchema } from '../../server/src/schemas/bug.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const actionDir = join(root, '.gitea/actions/report-failure');

const stepSchema = z.object({
  name: z.string().optional(),
  id: z.string().optional(),
  if: z.string().optional(),
  uses: z.string().optional(),
  run: z.string().optional(),
  shell: z.string().optional(),
  with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  env: z.record(z.string(), z.string()).optional(),
});
type Step = z.infer<typeof stepSchema>;

const actionSchema = z.object({
  name: z.string(),
  description: z.string(),
  inputs: z.record(
    z.string(),
    z.object({ description: z.string(), required: z.boolean().optional(), default: z.string().optional() }),
  ),
  runs: z.object({ using: z.literal('composite'), steps: z.array(stepSchema).min(1) }),
});

const workflowSchema = z.object({
  name: z.string(),
  on: z.unknown(),
  jobs: z.record(z.string(), z.object({ 'runs-on': z.string(), steps: z.array(stepSchema).min(1) })),
});

const readYaml = (path: string) => parse(readFileSync(join(root, path), 'utf8'));
const action = actionSchema.parse(readYaml('.gitea/actions/report-failure/action.yml'));
const ci = workflowSchema.parse(readYaml('.gitea/workflows/ci.yml'));
const example = workflowSchema.parse(readYaml('scripts/gitea-actions-example.yaml'));

/** Replaces `${{ a.b }}` with lookup('a.b'): enough for the plain references these files use. */
const evaluate = (text: string, lookup: (path: string) => string) =>
  text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, path: string) => lookup(path));

const expressionsOf = (text: string) => [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((match) => match[1]);

function syntaxError(script: string): string {
  const check = spawnSync('bash', ['-n'], { input: evaluate(script, () => 'x').replace(/\$\{\{.*?\}\}/g, 'x'), encoding: 'utf8' });
  return check.status === 0 ? '' : check.stderr;
}

/** Runs a step's `run` text as the runner does with `shell: bash`. */
function runStep(script: string, env: Record<string, string>, cwd: string): Promise<{ code: number | null; stderr: string }> {
  const file = join(cwd, `.step-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  return new Promise((done, fail) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), LANG: 'C.UTF-8', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

const runnerEnv = {
  GITHUB_ACTIONS: 'true',
  GITEA_ACTIONS: 'true',
  GITHUB_WORKFLOW: 'ci',
  GITHUB_JOB: 'test',
  GITHUB_RUN_ID: '900',
  GITHUB_RUN_NUMBER: '12',
  GITHUB_SHA: 'feedfacefeedfacefeedfacefeedfacefeedface',
  GITHUB_REF_NAME: 'main',
  GITHUB_REPOSITORY: 'acme/log-center',
  GITHUB_SERVER_URL: 'https://gitea.example.com',
  GITHUB_ACTOR: 'bob',
};

const failureStep = (steps: Step[]) => {
  const last = steps.at(-1) as Step;
  expect(last.if).toMatch(/\bfailure\(\)/);
  return last;
};

let server: Awaited<ReturnType<typeof startTestServer>>;
let apiKey: string;
const workDir = mkdtempSync(join(tmpdir(), 'lc-workflow-test-'));

beforeAll(async () => {
  server = await startTestServer();
  apiKey = await server.createGlobalKey();
});

afterAll(async () => {
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function bugsOf(projectId: string) {
  const res = await server.admin('GET', `/api/v1/bugs?project_id=${projectId}`);
  return bugListSchema.parse(await res.json()).items;
}

describe('the report-failure action', () => {
  const [step] = action.runs.steps;

  it('is one bash step that passes every input through the environment, none spliced into the shell text', () => {
    expect(action.runs.steps).toHaveLength(1);
    expect(step.shell).toBe('bash');
    expect(expressionsOf(step.run ?? '')).toEqual([]);
    const referenced = Object.values(step.env ?? {})
      .flatMap(expressionsOf)
      .map((expression) => expression.trim())
      .filter((expression) => expression.startsWith('inputs.'))
      .map((expression) => expression.slice('inputs.'.length));
    expect(referenced.sort()).toEqual(Object.keys(action.inputs).sort());
    expect(action.inputs.step.required).toBe(true);
    expect(syntaxError(step.run ?? '')).toBe('');
  });

  it('finds the script from its own folder, whatever the working directory', () => {
    expect(step.run).toContain('../../../scripts/report-cicd-error.sh');
    expect(existsSync(resolve(actionDir, '../../../scripts/report-cicd-error.sh'))).toBe(true);
  });

  function actionEnv(inputs: Record<string, string>, actionPath: string) {
    const values = { ...Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? ''])), ...inputs };
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([name, value]) => [
        name,
        evaluate(value, (path) => {
          if (path.startsWith('inputs.')) return values[path.slice('inputs.'.length)] ?? '';
          if (path === 'github.action_path') return actionPath;
          throw new Error(`unexpected expression ${path}`);
        }),
      ]),
    );
    return { ...runnerEnv, GITHUB_WORKSPACE: workDir, ...env };
  }

  it('reports the failure with its inputs when the runner runs it', async () => {
    writeFileSync(join(workDir, 'test.log'), 'FAIL web/src/app.test.tsx\nexpected "ok"\n');
    const env = actionEnv(
      {
        step: 'npm test',
        project: 'action_app',
        'log-file': join(workDir, 'test.log'),
        level: 'critical',
        url: server.url,
        'api-key': apiKey,
      },
      actionDir,
    );
    const result = await runStep(step.run ?? '', env, workDir);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/reported TestFailure in step 'npm test' of project action_app/);

    const [bug] = await bugsOf('action_app');
    expect(bug).toMatchObject({ source: 'cicd', level: 'CRITICAL', error_type: 'TestFailure' });
    expect(bug.context).toMatchObject({
      job_name: 'test',
      step_name: 'npm test',
      run_url: 'https://gitea.example.com/acme/log-center/actions/runs/900',
      log_tail: 'FAIL web/src/app.test.tsx\nexpected "ok"',
    });
  });

  it('takes URL and key from the environment, and GITHUB_ACTION_PATH when github.action_path is empty', async () => {
    const env = {
      ...actionEnv({ step: 'deploy', 'error-type': 'HelmError', message: 'helm upgrade failed' }, ''),
      GITHUB_ACTION_PATH: actionDir,
      LOG_CENTER_URL: server.url,
      LOG_CENTER_API_KEY: apiKey,
    };
    expect((await runStep(step.run ?? '', env, workDir)).code).toBe(0);
    // No project input: the repository name, "-" turned into "_".
    const [bug] = await bugsOf('log_center');
    expect(bug).toMatchObject({ error_type: 'HelmError', message: 'helm upgrade failed' });
    expect(bug.context.step_name).toBe('deploy');
  });

  it('never fails the job when it cannot report, unless strict is "true"', async () => {
    const closed = createServer();
    await new Promise<void>((ready) => closed.listen(0, '127.0.0.1', ready));
    const { port } = closed.address() as { port: number };
    await new Promise((done) => closed.close(done));
    const down = { step: 'npm test', project: 'p', url: `http://127.0.0.1:${port}`, 'api-key': apiKey };
    expect((await runStep(step.run ?? '', actionEnv(down, actionDir), workDir)).code).toBe(0);
    expect((await runStep(step.run ?? '', actionEnv({ ...down, strict: 'true' }, actionDir), workDir)).code).not.toBe(0);
  });
});

describe('.gitea/workflows/ci.yml', () => {
  const [[jobName, job]] = Object.entries(ci.jobs);

  it('installs and tests, then reports its own failure through the action', () => {
    expect(jobName).toBe('test');
    const names = job.steps.map((s) => s.name ?? s.uses);
    expect(names).toEqual(expect.arrayContaining(['npm ci', 'npm test']));
    const report = failureStep(job.steps);
    expect(report.uses).toBe('./.gitea/actions/report-failure');
    expect(existsSync(join(root, report.uses ?? '', 'action.yml'))).toBe(true);

    const inputs = Object.keys(report.with ?? {});
    expect(inputs.every((input) => input in action.inputs)).toBe(true);
    expect(inputs).toContain('step');
    expect(report.with?.['api-key']).toMatch(/\$\{\{\s*secrets\.LOG_CENTER_API_KEY\s*\}\}/);
  });

  it('names a step of the job as the failed one, and its log file is one a step writes', () => {
    const report = failureStep(job.steps);
    const ids = new Set(job.steps.map((s) => s.id).filter(Boolean));
    for (const field of ['step', 'log-file']) {
      const text = String(report.with?.[field]);
      for (const [, id] of text.matchAll(/steps\.([\w-]+)\./g)) expect(ids).toContain(id);
    }
    const literals = (text: unknown) =>
      [...String(text).replaceAll("== 'failure'", '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
    const stepNames = literals(report.with?.step);
    expect(stepNames.length).toBeGreaterThan(1);
    for (const name of stepNames) expect(job.steps.map((s) => s.name)).toContain(name);

    const logNames = literals(report.with?.['log-file']);
    expect(logNames).toHaveLength(stepNames.length);
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    for (const log of logNames) expect(runs).toContain(`tee ci-logs/${log}.log`);
  });

  it('runs with bash -o pipefail, so a failing command piped into tee fails its step', () => {
    expect((readYaml('.gitea/workflows/ci.yml') as { defaults: unknown }).defaults).toEqual({ run: { shell: 'bash' } });
    for (const step of job.steps.filter((s) => s.run)) expect(syntaxError(step.run ?? '')).toBe('');
  });
});

describe('scripts/gitea-actions-example.yaml', () => {
  const [job] = Object.values(example.jobs);
  const report = failureStep(job.steps);

  it('calls the script with options it knows, naming steps of the job', () => {
    const help = spawnSync('bash', [join(root, 'scripts/report-cicd-error.sh'), '--help'], { encoding: 'utf8' }).stdout;
    const run = report.run ?? '';
    expect(run).toContain('bash scripts/report-cicd-error.sh');
    for (const [flag] of run.matchAll(/--[a-z-]+/g)) expect(help).toContain(flag);
    for (const [, name] of run.matchAll(/step='([^']+)'/g)) {
      if (name !== 'set up job') expect(job.steps.map((s) => s.name)).toContain(name);
    }
    for (const step of job.steps.filter((s) => s.run)) expect(syntaxError(step.run ?? '')).toBe('');
  });

  it('reports the step that failed, with its log, when the runner runs the failure step', async () => {
    const workspace = mkdtempSync(join(workDir, 'example-'));
    symlinkSync(join(root, 'scripts'), join(workspace, 'scripts'));
    mkdirSync(join(workspace, 'logs'));
    writeFileSync(join(workspace, 'logs/test.log'), '\x1b[31m✗ 1 test failed\x1b[0m\n');
    const outcomes: Record<string, string> = { build: 'success', test: 'failure', docker: 'skipped' };
    const env = Object.fromEntries(
      Object.entries(report.env ?? {}).map(([name, value]) => [
        name,
        evaluate(value, (path) => {
          if (path === 'vars.LOG_CENTER_URL') return server.url;
          if (path === 'secrets.LOG_CENTER_API_KEY') return apiKey;
          const outcome = /^steps\.([\w-]+)\.outcome$/.exec(path);
          if (outcome) return outcomes[outcome[1]] ?? '';
          throw new Error(`unexpected expression ${path}`);
        }),
      ]),
    );
    const result = await runStep(report.run ?? '', { ...runnerEnv, ...env }, workspace);
    expect(result.code).toBe(0);

    const [bug] = await bugsOf('rtc_backend');
    expect(bug).toMatchObject({ error_type: 'TestFailure', message: "Step 'npm test' failed in job test: ✗ 1 test failed" });
    expect(bug.context.log_tail).toBe('✗ 1 test failed');
  });
});
