import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bug, bugListSchema } from '../../../server/src/schemas/bug.ts';
import { startTestServer } from '../../../server/test/harness.ts';
import { waitingReasons } from '../src/detect.ts';
import { kubeApis, type RunSummary, runOnce } from '../src/monitor.ts';
import type { MonitorOptions } from '../src/options.ts';
import { scanCluster } from '../src/scan.ts';
import { type FakeCluster, startFakeKubeApi } from './fake-kube-api.ts';
import {
  deploymentPod,
  fixtureNow,
  job,
  pod,
  running,
  terminated,
  terminatedState,
  waiting,
} from './pod-fixtures.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let apiKey: string;

beforeAll(async () => {
  server = await startTestServer();
  apiKey = await server.createGlobalKey();
});
afterAll(() => server.close());

const baseOptions = (): MonitorOptions => ({
  mode: { kind: 'once' },
  dryRun: false,
  namespaces: [],
  excludeNamespaces: ['kube-system'],
  minRestarts: 0,
  imagePullGraceMs: 120_000,
  url: server.url,
  apiKey,
});

/** Runs the monitor once against a fake cluster and returns what it printed and logged. */
async function monitor(cluster: FakeCluster, options: Partial<MonitorOptions> = {}) {
  const api = await startFakeKubeApi(cluster);
  const out: string[] = [];
  const log: string[] = [];
  try {
    const summary: RunSummary = await runOnce(kubeApis(api.kubeConfig()), { ...baseOptions(), ...options }, {
      out: (line) => out.push(line),
      log: (line) => log.push(line),
      now: () => fixtureNow,
    });
    return { summary, out, log, requests: api.requests };
  } finally {
    await api.close();
  }
}

async function bugs(projectId: string): Promise<Bug[]> {
  const res = await server.admin('GET', `/api/v1/bugs?project_id=${projectId}&limit=200`);
  expect(res.status).toBe(200);
  return bugListSchema.parse(await res.json()).items;
}

const byType = (list: Bug[]) => Object.fromEntries(list.map((bug) => [bug.error_type, bug]));

describe('k8s monitor against a Kubernetes API and the real Log Center', () => {
  it('reports every condition of the design as a CRITICAL deployment bug', async () => {
    const labels = { app: 'conditions' };
    const bare = (name: string, fixture: Parameters<typeof pod>[0] extends infer F ? Partial<F> : never) =>
      pod({ name, namespace: 'shop', labels, ...fixture });
    const pods = [
      ...waitingReasons.map((reason) =>
        bare(`pod-${reason.toLowerCase()}`, {
          containers: [
            reason === 'CrashLoopBackOff'
              ? waiting('app', reason, { restartCount: 5, last: terminatedState(1, 'Error') })
              : waiting('app', reason),
          ],
        }),
      ),
      bare('pod-oom-last', { containers: [{ ...running('app', 1), lastState: terminatedState(137, 'OOMKilled') }] }),
      bare('pod-oom-now', { phase: 'Failed', containers: [terminated('app', 137, 'OOMKilled')] }),
      bare('pod-exit', { phase: 'Failed', containers: [terminated('app', 3)] }),
      bare('pod-evicted', {
        phase: 'Failed',
        containers: [terminated('app', 137)],
        status: { reason: 'Evicted', message: 'The node was low on resource: memory.' },
      }),
      bare('pod-unschedulable', {
        phase: 'Pending',
        node: null,
        containers: [],
        status: {
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }],
        },
      }),
    ];
    const { summary } = await monitor({ pods });
    expect(summary).toMatchObject({ ok: true, podsScanned: pods.length, brokenPods: pods.length, rejected: 0 });

    const found = byType(await bugs('conditions'));
    expect(Object.keys(found).sort()).toEqual(
      [...waitingReasons, 'OOMKilled', 'Error', 'Evicted', 'Unschedulable'].sort(),
    );
    // pod-oom-last and pod-oom-now are two workloads with one error type: two bugs.
    const all = await bugs('conditions');
    expect(all.filter((bug) => bug.error_type === 'OOMKilled').map((bug) => bug.context.deployment_name).sort()).toEqual([
      'pod-oom-last',
      'pod-oom-now',
    ]);
    for (const bug of all) {
      expect(bug).toMatchObject({ source: 'deployment', level: 'CRITICAL', occurrence_count: 1 });
      expect(bug.context).toMatchObject({ namespace: 'shop', workload_kind: 'Pod', reason: bug.error_type });
    }
    expect(found.Error.context).toMatchObject({ exit_code: 3, pod_name: 'pod-exit', container_name: 'app', node: 'worker-1' });
    expect(found.Evicted.context).toMatchObject({ container_name: null, pod_name: 'pod-evicted' });
    expect(found.Evicted.message).toContain('The node was low on resource: memory.');
    expect(found.Unschedulable.context).toMatchObject({ node: null });
  });

  it('reports an OOMKilled crash loop with its previous logs and every context field', async () => {
    const { pod: p, replicaSet } = deploymentPod('api', '5d8f9c7b4', 'x2x9z', {
      namespace: 'prod',
      labels: { app: 'rtc-backend' },
      containers: [running('envoy'), waiting('api', 'CrashLoopBackOff', { restartCount: 4, last: terminatedState(137, 'OOMKilled') })],
    });
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join('\n');
    const { summary, requests } = await monitor({
      pods: [p],
      replicaSets: [replicaSet],
      logs: { 'prod/api-5d8f9c7b4-x2x9z/api/previous': `${lines}\nfatal: out of memory\n` },
    });
    expect(summary).toMatchObject({ ok: true, reports: 1, accepted: 1 });

    const [bug] = await bugs('rtc_backend');
    expect(bug).toMatchObject({ error_type: 'OOMKilled', source: 'deployment', level: 'CRITICAL' });
    expect(bug.message).toContain('container "api" of pod prod/api-5d8f9c7b4-x2x9z');
    expect(bug.context).toMatchObject({
      namespace: 'prod',
      pod_name: 'api-5d8f9c7b4-x2x9z',
      container_name: 'api',
      deployment_name: 'api',
      workload_kind: 'Deployment',
      restart_count: 4,
      reason: 'OOMKilled',
      exit_code: 137,
      node: 'worker-1',
    });
    const logs = String(bug.context.logs).trimEnd().split('\n');
    expect(logs).toHaveLength(200);
    expect(logs.at(-1)).toBe('fatal: out of memory');

    const logRequest = requests.find((r) => r.path.endsWith('/log'));
    expect(logRequest?.path).toBe('/api/v1/namespaces/prod/pods/api-5d8f9c7b4-x2x9z/log');
    expect(Object.fromEntries(logRequest?.query ?? [])).toEqual({
      container: 'api',
      previous: 'true',
      tailLines: '200',
      limitBytes: '65536',
    });
  });

  it('keeps a Deployment one bug across a rollout, reading each ReplicaSet once per run', async () => {
    const crash = () => [waiting('worker', 'CrashLoopBackOff', { restartCount: 3, last: terminatedState(2, 'Error') })];
    const v1 = ['a1', 'a2', 'a3'].map((s) => deploymentPod('queue-worker', '6b7c', s, { namespace: 'jobs', containers: crash() }));
    const first = await monitor({ pods: v1.map((d) => d.pod), replicaSets: [v1[0].replicaSet] });
    expect(first.summary).toMatchObject({ ok: true, brokenPods: 3, reports: 1 });
    expect(first.requests.filter((r) => r.path.includes('/replicasets/'))).toHaveLength(1);

    const v2 = deploymentPod('queue-worker', '9f1e', 'b1', { namespace: 'jobs', containers: crash() });
    const second = await monitor({ pods: [v2.pod], replicaSets: [v2.replicaSet] });
    expect(second.summary.ok).toBe(true);

    const found = await bugs('queue_worker');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ error_type: 'CrashLoopBackOff', occurrence_count: 2 });
    expect(found[0].context).toMatchObject({ deployment_name: 'queue-worker', pod_name: 'queue-worker-9f1e-b1', exit_code: 2 });
  });

  it('maps a CronJob-owned pod to the CronJob, and StatefulSet and DaemonSet pods to their owner', async () => {
    const nightly = pod({
      name: 'nightly-report-29500000-k8w2p',
      namespace: 'batch',
      labels: { 'app.kubernetes.io/name': 'reports' },
      owner: { kind: 'Job', name: 'nightly-report-29500000' },
      phase: 'Failed',
      containers: [terminated('report', 1)],
    });
    const db = pod({
      name: 'db-0',
      namespace: 'batch',
      labels: { app: 'reports' },
      owner: { kind: 'StatefulSet', name: 'db' },
      containers: [waiting('postgres', 'CreateContainerConfigError')],
    });
    const agent = pod({
      name: 'agent-x7k2q',
      namespace: 'batch',
      labels: { app: 'reports' },
      owner: { kind: 'DaemonSet', name: 'agent' },
      containers: [waiting('agent', 'ImagePullBackOff')],
    });
    const { summary, requests } = await monitor({
      pods: [nightly, db, agent],
      jobs: [job('batch', 'nightly-report-29500000', 'nightly-report')],
      logs: { 'batch/nightly-report-29500000-k8w2p/report': 'report failed: connection refused\n' },
    });
    expect(summary.ok).toBe(true);
    const found = byType(await bugs('reports'));
    expect(found.Error.context).toMatchObject({ deployment_name: 'nightly-report', workload_kind: 'CronJob' });
    expect(found.Error.context.logs).toBe('report failed: connection refused\n');
    expect(found.CreateContainerConfigError.context).toMatchObject({ deployment_name: 'db', workload_kind: 'StatefulSet' });
    expect(found.ImagePullBackOff.context).toMatchObject({ deployment_name: 'agent', workload_kind: 'DaemonSet' });
    const current = requests.find((r) => r.path.endsWith('/log'));
    expect(current?.query.get('previous')).toBe('false');
    expect(requests.filter((r) => r.path.startsWith('/apis/')).map((r) => r.path)).toEqual([
      '/apis/batch/v1/namespaces/batch/jobs/nightly-report-29500000',
    ]);
  });

  it('records logs the API refuses as unavailable and asks for previous logs only with a container id', async () => {
    const refused = pod({
      name: 'gone-logs',
      namespace: 'edge',
      labels: { app: 'edge' },
      containers: [waiting('app', 'CrashLoopBackOff', { restartCount: 9, last: terminatedState(1, 'Error') })],
    });
    const noId = pod({
      name: 'no-container-id',
      namespace: 'edge',
      labels: { app: 'edge' },
      owner: { kind: 'StatefulSet', name: 'cache' },
      containers: [waiting('app', 'CrashLoopBackOff', { restartCount: 2, last: terminatedState(1, 'Error', { containerID: false }) })],
    });
    const { summary, requests } = await monitor({ pods: [refused, noId], logErrors: { 'edge/gone-logs/app': 400 } });
    expect(summary).toMatchObject({ ok: true, reports: 2 });

    const found = await bugs('edge');
    const gone = found.find((bug) => bug.context.pod_name === 'gone-logs');
    expect(gone?.context.logs).toBeNull();
    expect(gone?.context.logs_unavailable).toMatch(/^HTTP 400/);
    const logPaths = requests.filter((r) => r.path.endsWith('/log')).map((r) => r.path);
    expect(logPaths).toEqual(['/api/v1/namespaces/edge/pods/gone-logs/log']);
  });

  it('reports one broken container of a multi-container pod, an init container, and nothing for healthy pods', async () => {
    const multi = pod({
      name: 'mixed-1',
      namespace: 'multi',
      labels: { app: 'mixed' },
      containers: [running('proxy'), running('metrics'), waiting('app', 'RunContainerError')],
    });
    const init = pod({
      name: 'init-1',
      namespace: 'multi',
      labels: { app: 'mixed' },
      phase: 'Pending',
      initContainers: [waiting('migrate', 'CrashLoopBackOff', { restartCount: 3, last: terminatedState(1, 'Error') })],
      containers: [waiting('app', 'PodInitializing')],
    });
    const healthy = [
      pod({ name: 'fine-1', namespace: 'multi', labels: { app: 'healthy' }, containers: [running('app'), running('sidecar', 2)] }),
      pod({ name: 'done-1', namespace: 'multi', labels: { app: 'healthy' }, phase: 'Succeeded', containers: [terminated('app', 0)] }),
    ];
    const { summary } = await monitor({
      pods: [multi, init, ...healthy],
      logs: { 'multi/init-1/migrate/previous': 'migration 0042 failed\n' },
    });
    expect(summary).toMatchObject({ ok: true, podsScanned: 4, brokenPods: 2, reports: 2 });

    const found = byType(await bugs('mixed'));
    expect(found.RunContainerError.context).toMatchObject({ container_name: 'app', init_container: false });
    expect(found.CrashLoopBackOff.context).toMatchObject({
      container_name: 'migrate',
      init_container: true,
      logs: 'migration 0042 failed\n',
    });
    expect(await bugs('healthy')).toEqual([]);
  });

  it('takes the project from the annotation over the app label', async () => {
    const annotated = pod({
      name: 'pay-1',
      namespace: 'money',
      labels: { app: 'checkout-api' },
      annotations: { 'log-center/project': 'payments' },
      containers: [waiting('app', 'ErrImageNeverPull')],
    });
    const labelled = pod({ name: 'cart-1', namespace: 'money', labels: { app: 'cart-service' }, containers: [waiting('app', 'ErrImageNeverPull')] });
    await monitor({ pods: [annotated, labelled] });
    expect((await bugs('payments')).map((bug) => bug.context.pod_name)).toEqual(['pay-1']);
    expect((await bugs('cart_service')).map((bug) => bug.context.pod_name)).toEqual(['cart-1']);
    expect(await bugs('checkout_api')).toEqual([]);
  });

  it('filters namespaces: kube-system skipped by default, --namespace lists only those, --exclude-namespace replaces the default', async () => {
    const broken = (namespace: string) =>
      pod({ name: `crash-${namespace}`, namespace, labels: { app: 'nsfilter' }, containers: [waiting('app', 'InvalidImageName')] });
    const cluster = { pods: ['kube-system', 'team-a', 'team-b'].map(broken) };
    const namespacesOf = (out: string[]) => out.map((line) => JSON.parse(line).context.namespace).sort();

    const byDefault = await monitor(cluster, { dryRun: true });
    expect(namespacesOf(byDefault.out)).toEqual(['team-a', 'team-b']);

    const only = await monitor(cluster, { dryRun: true, namespaces: ['team-a'] });
    expect(namespacesOf(only.out)).toEqual(['team-a']);
    expect(only.requests.find((r) => r.path.endsWith('/pods'))?.path).toBe('/api/v1/namespaces/team-a/pods');

    const excluded = await monitor(cluster, { dryRun: true, excludeNamespaces: ['team-b'] });
    expect(namespacesOf(excluded.out)).toEqual(['kube-system', 'team-a']);

    const selected = await monitor(
      { pods: [...cluster.pods, pod({ name: 'other', namespace: 'team-a', labels: { app: 'other' }, containers: [waiting('x', 'InvalidImageName')] })] },
      { dryRun: true, labelSelector: 'app=other' },
    );
    expect(selected.out.map((line) => JSON.parse(line).context.pod_name)).toEqual(['other']);
    expect(selected.requests[0].query.get('labelSelector')).toBe('app=other');
    expect(await bugs('nsfilter')).toEqual([]);
  });

  it('pages through a large pod list with limit and continue', async () => {
    const pods = Array.from({ length: 23 }, (_, i) =>
      pod({ name: `p-${i}`, namespace: 'paged', labels: { app: 'paged' }, containers: [i === 22 ? waiting('app', 'CreateContainerError') : running('app')] }),
    );
    const api = await startFakeKubeApi({ pods });
    try {
      const result = await scanCluster(kubeApis(api.kubeConfig()), {
        namespaces: [],
        excludeNamespaces: [],
        pageSize: 5,
        concurrency: 4,
        minRestarts: 0,
        imagePullGraceMs: 0,
        recentTerminationMs: 600_000,
        now: () => fixtureNow,
      });
      expect(result.podsScanned).toBe(23);
      expect(result.pending.map((p) => p.pod.name)).toEqual(['p-22']);
      const lists = api.requests.filter((r) => r.path === '/api/v1/pods');
      expect(lists).toHaveLength(5);
      expect(lists.map((r) => r.query.get('limit'))).toEqual(['5', '5', '5', '5', '5']);
      expect(lists[0].query.has('continue')).toBe(false);
      expect(lists.slice(1).every((r) => r.query.get('continue'))).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('reads logs and sends in batches when many pods are broken', async () => {
    const pods = Array.from({ length: 120 }, (_, i) =>
      pod({
        name: `bulk-${i}`,
        namespace: 'bulk',
        labels: { app: 'bulk' },
        containers: [waiting('app', 'CrashLoopBackOff', { restartCount: 3, last: terminatedState(1, 'Error') })],
      }),
    );
    const logs = Object.fromEntries(pods.map((p) => [`bulk/${p.metadata.name}/app/previous`, `${'x'.repeat(30_000)}\n`]));
    const { summary, requests } = await monitor({ pods, logs });
    expect(summary).toMatchObject({ ok: true, reports: 120, accepted: 120, rejected: 0 });
    expect(requests.filter((r) => r.path.endsWith('/log'))).toHaveLength(120);
    const found = await bugs('bulk');
    expect(found).toHaveLength(120);
    expect(found.every((bug) => String(bug.context.logs).length === 30_001)).toBe(true);
  });

  it('fails the run when the cluster cannot be listed or Log Center refuses the key', async () => {
    const down = await startFakeKubeApi({ pods: [] });
    const kubeConfig = down.kubeConfig();
    await down.close();
    const scanFailure = await runOnce(kubeApis(kubeConfig), baseOptions(), { out: () => {}, log: () => {} });
    expect(scanFailure.ok).toBe(false);

    const broken = pod({ name: 'denied', namespace: 'x', labels: { app: 'denied' }, containers: [waiting('app', 'InvalidImageName')] });
    const refused = await monitor({ pods: [broken] }, { apiKey: '0'.repeat(32) });
    expect(refused.summary.ok).toBe(false);
    expect(refused.log.join('\n')).toMatch(/send failed: Log Center answered 401/);
  });
});
