// npm run bench:k8s [-- --pods 5000 --broken-every 10 --runs 3 --runtime bundle|tsx]
// The pod monitor CLI (`--once`) scanning a generated cluster through the fake Kubernetes API of its tests
// and reporting into the real Log Center. It runs as its own process, built as the container image builds
// it (`bundle`) or from source (`tsx`, as `npm run k8s-monitor`), so its time and peak RSS are its own.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type KubeObject, startFakeKubeApi } from '../../reporters/k8s-monitor/test/fake-kube-api.ts';
import {
  type ContainerStatusJson,
  fixtureNow,
  job,
  pod,
  replicaSet,
  running,
  terminated,
  terminatedState,
  waiting,
} from '../../reporters/k8s-monitor/test/pod-fixtures.ts';

const { values: args } = parseArgs({
  options: {
    pods: { type: 'string', default: '5000' },
    'broken-every': { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    runtime: { type: 'string', default: 'bundle' },
  },
});

const root = fileURLToPath(new URL('../..', import.meta.url));
const cliSource = path.join(root, 'reporters/k8s-monitor/src/cli.ts');

/** Real pods carry managedFields; without them the list pages would be unrealistically small. */
const managedFields = (name: string) => [
  {
    manager: 'kube-controller-manager',
    operation: 'Update',
    apiVersion: 'v1',
    time: fixtureNow.toISOString(),
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': {} },
      'f:spec': { 'f:containers': { [`k:{"name":"${name}"}`]: { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': {} } } },
    },
  },
  {
    manager: 'kubelet',
    operation: 'Update',
    apiVersion: 'v1',
    time: fixtureNow.toISOString(),
    fieldsType: 'FieldsV1',
    subresource: 'status',
    fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:startTime': {} } },
  },
];

/** A cluster of `count` pods: 211 workloads in 40 namespaces, Deployments mid-rollout, StatefulSets, DaemonSets, CronJobs. */
function generateCluster(count: number, brokenEvery: number) {
  const brokenStates: ((name: string) => { containers: ContainerStatusJson[]; phase?: string })[] = [
    (n) => ({ containers: [waiting(n, 'CrashLoopBackOff', { restartCount: 12, last: terminatedState(1, 'Error', { seed: n }) })] }),
    (n) => ({ containers: [waiting(n, 'CrashLoopBackOff', { restartCount: 4, last: terminatedState(137, 'OOMKilled', { seed: n }) })] }),
    (n) => ({ containers: [waiting(n, 'ImagePullBackOff')] }),
    (n) => ({ containers: [running('envoy'), waiting(n, 'CreateContainerConfigError')] }),
    (n) => ({ containers: [terminated(n, 2)], phase: 'Failed' }),
  ];
  const owners = new Set<string>();
  const pods: KubeObject[] = [];
  const replicaSets: KubeObject[] = [];
  const jobs: KubeObject[] = [];
  const logs: Record<string, string> = {};
  const logText = Array.from({ length: 400 }, (_, i) => `2026-03-02T09:59:${String(i % 60).padStart(2, '0')}Z ERROR worker ${i}: upstream timed out`).join('\n');
  for (let i = 0; i < count; i++) {
    const w = i % 211;
    const namespace = `team-${w % 40}`;
    const workload = `service-${w}`;
    const app = `svc-${w}`;
    const kind = ['Deployment', 'Deployment', 'Deployment', 'Deployment', 'Deployment', 'Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Deployment'][w % 10];
    const broken = i % brokenEvery === 0;
    const state = broken ? brokenStates[(i / brokenEvery) % brokenStates.length]('app') : { containers: [running('app')] };
    const name = `${workload}-${i.toString(36)}`;
    let owner: { kind: string; name: string } | undefined;
    if (kind === 'Deployment') {
      const rs = `${workload}-${i < count / 2 ? '7d9c5f' : '84b6fd'}`;
      owner = { kind: 'ReplicaSet', name: rs };
      if (!owners.has(`${namespace}/${rs}`)) replicaSets.push(replicaSet(namespace, rs, workload));
      owners.add(`${namespace}/${rs}`);
    } else if (kind === 'CronJob') {
      const jobName = `${workload}-2950${i % 7}`;
      owner = { kind: 'Job', name: jobName };
      if (!owners.has(`${namespace}/${jobName}`)) jobs.push(job(namespace, jobName, workload));
      owners.add(`${namespace}/${jobName}`);
    } else {
      owner = { kind, name: workload };
    }
    const object = pod({ name, namespace, labels: { app }, owner, ...state });
    object.metadata.managedFields = managedFields('app');
    pods.push(object);
    if (broken) {
      logs[`${namespace}/${name}/app/previous`] = logText;
      logs[`${namespace}/${name}/app`] = logText;
    }
  }
  return { pods, replicaSets, jobs, logs };
}

/** The same esbuild step as reporters/k8s-monitor/Dockerfile. */
function buildBundle(dir: string): string {
  const outfile = path.join(dir, 'k8s-monitor.mjs');
  execFileSync(path.join(root, 'node_modules/.bin/esbuild'), [
    cliSource,
    '--bundle',
    '--platform=node',
    '--target=node20',
    '--format=esm',
    '--minify',
    '--legal-comments=none',
    "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    `--outfile=${outfile}`,
    '--log-level=warning',
  ]);
  return outfile;
}

type MonitorRun = { code: number | null; wallMs: number; cpuMs: number; peakRssMiB: number; summary: string };

function runMonitor(command: string[], env: Record<string, string>): Promise<MonitorRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, command, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const rss = /peak-rss-kib (\d+) cpu-ms (\d+)/.exec(stderr);
      resolve({
        code,
        wallMs: Math.round(performance.now() - started),
        peakRssMiB: rss ? Math.round(Number(rss[1]) / 102.4) / 10 : Number.NaN,
        cpuMs: rss ? Number(rss[2]) : Number.NaN,
        summary: stderr.split('\n').find((line) => line.startsWith('k8s-monitor: ')) ?? stderr.trim(),
      });
    });
  });
}

async function main() {
  const count = Number(args.pods);
  const brokenEvery = Number(args['broken-every']);
  const work = mkdtempSync(path.join(tmpdir(), 'k8s-scan-bench-'));
  const rssProbe = path.join(work, 'peak-rss.mjs');
  // VmHWM, not getrusage's maxRSS: Linux carries the parent's high-water mark across fork and exec.
  writeFileSync(
    rssProbe,
    "import { readFileSync } from 'node:fs';\n" +
      "process.on('exit', () => { const cpu = process.cpuUsage();\n" +
      "  process.stderr.write(`peak-rss-kib ${/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]} cpu-ms ${Math.round((cpu.user + cpu.system) / 1000)}\\n`); });\n",
  );
  const program = args.runtime === 'tsx' ? ['--import', 'tsx', cliSource] : [buildBundle(work)];

  const cluster = generateCluster(count, brokenEvery);
  // Loaded only here: the harness brings the database drivers, which the bench itself does not need before.
  const { startTestServer } = await import('../../server/test/harness.ts');
  const kube = await startFakeKubeApi(cluster);
  const server = await startTestServer();
  const apiKey = await server.createGlobalKey();
  const pageBytes = JSON.stringify(cluster.pods.slice(0, 500)).length;
  console.log(
    `k8s-scan: ${count} pods (${Math.ceil(count / brokenEvery)} broken), ${cluster.replicaSets.length} ReplicaSets, ` +
      `${cluster.jobs.length} Jobs; a page of 500 pods is ${(pageBytes / 1048576).toFixed(1)} MiB of JSON; ` +
      `monitor as ${args.runtime === 'tsx' ? 'tsx from source' : 'the esbuild bundle of the image'}; ` +
      `Log Center on ${process.env.LC_TEST_DB === 'postgres' ? 'PostgreSQL' : 'PGlite'}`,
  );
  try {
    for (let run = 1; run <= Number(args.runs); run++) {
      kube.requests.length = 0;
      const result = await runMonitor(['--import', rssProbe, ...program, '--once'], {
        KUBECONFIG: kube.kubeconfigPath,
        LOG_CENTER_URL: server.url,
        LOG_CENTER_API_KEY: apiKey,
        // As in k8s/monitor-cronjob.yaml.
        NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=4',
      });
      const calls = (test: (p: string) => boolean) => kube.requests.filter((r) => test(r.path)).length;
      console.log(
        `run ${run}: exit ${result.code}, process ${result.wallMs} ms wall / ${result.cpuMs} ms CPU, peak RSS ${result.peakRssMiB} MiB; ` +
          `API calls: ${calls((p) => p.endsWith('/pods'))} list pages, ${calls((p) => p.startsWith('/apis/'))} owner reads, ` +
          `${calls((p) => p.endsWith('/log'))} log reads\n  ${result.summary}`,
      );
      if (result.code !== 0) process.exitCode = 1;
    }
  } finally {
    await kube.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
