import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bugListSchema } from '../../../server/src/schemas/bug.ts';
import { reportSchema } from '../../../server/src/schemas/report.ts';
import { startTestServer } from '../../../server/test/harness.ts';
import { cronFor, parseOptions, UsageError } from '../src/options.ts';
import { type FakeKubeApi, startFakeKubeApi } from './fake-kube-api.ts';
import { pod, running, waiting } from './pod-fixtures.ts';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

let server: Awaited<ReturnType<typeof startTestServer>>;
let kube: FakeKubeApi;
let apiKey: string;

beforeAll(async () => {
  server = await startTestServer();
  apiKey = await server.createGlobalKey();
  kube = await startFakeKubeApi({
    pods: [
      pod({ name: 'cli-broken', namespace: 'apps', labels: { app: 'cli-app' }, containers: [waiting('app', 'CreateContainerConfigError')] }),
      pod({ name: 'cli-fine', namespace: 'apps', labels: { app: 'cli-app' }, containers: [running('app')] }),
    ],
  });
});
afterAll(async () => {
  await kube.close();
  await server.close();
});

type Run = { code: number | null; stdout: string; stderr: string };

function run(args: string[], env: Record<string, string> = {}, until?: (stderr: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', KUBECONFIG: kube.kubeconfigPath, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (until?.(stderr)) child.kill('SIGTERM');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function bugCount(projectId: string) {
  const res = await server.admin('GET', `/api/v1/bugs?project_id=${projectId}`);
  return bugListSchema.parse(await res.json()).items;
}

describe('k8s-monitor CLI', { timeout: 60_000 }, () => {
  it('--dry-run prints one JSON report per line, sends nothing and exits 0', async () => {
    const result = await run(['--once', '--dry-run'], { LOG_CENTER_URL: server.url, LOG_CENTER_API_KEY: apiKey });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = reportSchema.parse(JSON.parse(lines[0]));
    expect(report).toMatchObject({ project_id: 'cli_app', source: 'deployment', level: 'CRITICAL', error_type: 'CreateContainerConfigError' });
    expect(result.stderr).toMatch(/ok; 2 pods scanned, 1 broken, 1 reports \(dry run\)/);
    expect(await bugCount('cli_app')).toEqual([]);
  });

  it('--once reports into Log Center and exits 0 even though a pod is broken', async () => {
    const result = await run(['--once'], { LOG_CENTER_URL: server.url, LOG_CENTER_API_KEY: apiKey });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const [bug] = await bugCount('cli_app');
    expect(bug).toMatchObject({ error_type: 'CreateContainerConfigError', occurrence_count: 1 });
  });

  it('exits 1 when the cluster cannot be reached and 2 on a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-monitor-cli-'));
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    const text = readFileSync(kube.kubeconfigPath, 'utf8').replace(/server: .*/, 'server: http://127.0.0.1:1');
    writeFileSync(kubeconfig, text);
    try {
      const unreachable = await run(['--once'], { LOG_CENTER_URL: server.url, LOG_CENTER_API_KEY: apiKey, KUBECONFIG: kubeconfig });
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/scan failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const usage = await run(['--dry-run']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/say --once or --every/);
  });

  it('--every scans now and then on the node-cron schedule until SIGTERM', async () => {
    const scans = (stderr: string) => stderr.match(/k8s-monitor: ok;/g)?.length ?? 0;
    const result = await run(['--every', '1s', '--dry-run'], {}, (stderr) => scans(stderr) >= 3);
    expect(result.code).toBe(0);
    expect(scans(result.stderr)).toBeGreaterThanOrEqual(3);
    expect(result.stdout.trim().split('\n').length).toBe(scans(result.stderr));
  });
});

describe('options', () => {
  it('turns intervals into cron expressions and rejects uneven ones', () => {
    expect(cronFor('5m')).toBe('*/5 * * * *');
    expect(cronFor('30s')).toBe('*/30 * * * * *');
    expect(cronFor('2h')).toBe('0 */2 * * *');
    expect(() => cronFor('7m')).toThrow(UsageError);
    expect(() => cronFor('5 minutes')).toThrow(UsageError);
  });

  it('parses repeatable namespaces, defaults and validation', () => {
    const env = { LOG_CENTER_URL: 'http://logs:8080', LOG_CENTER_API_KEY: 'k' };
    expect(parseOptions(['--once'], env)).toMatchObject({
      namespaces: [],
      excludeNamespaces: ['kube-system'],
      minRestarts: 0,
      imagePullGraceMs: 120_000,
    });
    expect(
      parseOptions(['--every', '5m', '--namespace', 'a', '--namespace', 'b', '--exclude-namespace', 'c', '--selector', 'app=x', '--min-restarts', '3', '--image-pull-grace', '90s'], env),
    ).toMatchObject({
      mode: { kind: 'every', cron: '*/5 * * * *', intervalMs: 300_000 },
      namespaces: ['a', 'b'],
      excludeNamespaces: ['c'],
      labelSelector: 'app=x',
      minRestarts: 3,
      imagePullGraceMs: 90_000,
    });
    expect(() => parseOptions(['--once', '--min-restarts', '-1'], env)).toThrow(UsageError);
    expect(() => parseOptions(['--once', '--bogus'], env)).toThrow(UsageError);
    expect(() => parseOptions(['--once'], { LOG_CENTER_URL: 'not a url', LOG_CENTER_API_KEY: 'k' })).toThrow(/LOG_CENTER_URL/);
    expect(() => parseOptions(['--once'], { LOG_CENTER_URL: 'http://logs:8080' })).toThrow(/LOG_CENTER_API_KEY/);
    expect(parseOptions(['--once', '--dry-run'], {})).toMatchObject({ dryRun: true });
  });
});
