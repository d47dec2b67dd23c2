import type { AppsV1Api, BatchV1Api, CoreV1Api, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { ReportInput } from '../../../server/src/schemas/report.ts';
import { type DetectOptions, detectPodFailures, type Finding } from './detect.ts';
import { fetchLogs, type LogResult } from './logs.ts';
import { projectForPod } from './project.ts';
import { createWorkloadResolver, type Workload } from './workloads.ts';

export type KubeApis = { core: CoreV1Api; apps: AppsV1Api; batch: BatchV1Api; release?: () => void };

export type ScanOptions = Omit<DetectOptions, 'now'> & {
  /** Empty: every namespace. */
  namespaces: string[];
  excludeNamespaces: string[];
  labelSelector?: string;
  pageSize: number;
  concurrency: number;
  now: () => Date;
};

export type ScanResult = {
  /** One per workload and reason, in the order found; logs are fetched batch by batch when sending. */
  pending: PendingReport[];
  podsScanned: number;
  brokenPods: number;
  warnings: string[];
};

/** Only what a report needs from its pod: a run keeps one candidate per workload and reason, not whole pods. */
type PodRef = { name: string; namespace: string; node: string | null };
export type PendingReport = { pod: PodRef; finding: Finding; workload: Workload; projectId: string; pods: Set<string> };

const maxAffectedPods = 20;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function* listPods(apis: KubeApis, options: ScanOptions): AsyncGenerator<V1Pod[]> {
  const scopes: (string | undefined)[] = options.namespaces.length > 0 ? options.namespaces : [undefined];
  for (const namespace of scopes) {
    let token: string | undefined;
    do {
      const request = { limit: options.pageSize, _continue: token, labelSelector: options.labelSelector };
      const page: V1PodList = namespace
        ? await apis.core.listNamespacedPod({ namespace, ...request })
        : await apis.core.listPodForAllNamespaces(request);
      yield page.items;
      token = page.metadata?._continue || undefined;
    } while (token);
  }
}

/** Keeps the finding that says most: logs to show first, then the most restarts. */
function better(a: PendingReport, b: PendingReport): boolean {
  const logs = (c: PendingReport) => (c.finding.logs ? 1 : 0);
  return logs(b) !== logs(a) ? logs(b) > logs(a) : b.finding.restartCount > a.finding.restartCount;
}

function describeFinding(c: PendingReport): string {
  const { finding, pod, workload } = c;
  const where = `pod ${pod.namespace}/${pod.name} (${workload.kind} ${workload.name})`;
  const subject = finding.container
    ? `${finding.initContainer ? 'init container' : 'container'} "${finding.container}" of ${where}`
    : where;
  const facts = [
    finding.exitCode !== null ? `exit code ${finding.exitCode}` : null,
    finding.restartCount > 0 ? `${finding.restartCount} restarts` : null,
  ].filter(Boolean);
  const headline = `${finding.reason}: ${subject}${facts.length ? `, ${facts.join(', ')}` : ''}`;
  return finding.detail ? `${headline}\n${finding.detail}` : headline;
}

function toReport(c: PendingReport, logs: LogResult | undefined): ReportInput {
  const { finding, pod, workload } = c;
  const { namespace, node } = pod;
  return {
    project_id: c.projectId,
    source: 'deployment',
    level: 'CRITICAL',
    error_type: finding.reason,
    message: describeFinding(c),
    tags: { namespace, workload_kind: workload.kind, ...(node ? { node } : {}) },
    context: {
      namespace,
      pod_name: pod.name,
      container_name: finding.container,
      init_container: finding.initContainer,
      deployment_name: workload.name,
      workload_kind: workload.kind,
      restart_count: finding.restartCount,
      reason: finding.reason,
      exit_code: finding.exitCode,
      node,
      logs: logs && 'logs' in logs ? logs.logs : null,
      ...(logs && 'unavailable' in logs ? { logs_unavailable: logs.unavailable } : {}),
      affected_pods: [...c.pods],
    },
  };
}

/**
 * One pass over the cluster: every broken pod becomes a finding, and findings of one workload with the
 * same reason become one report, so a failure that persists counts once per run.
 */
export async function scanCluster(apis: KubeApis, options: ScanOptions): Promise<ScanResult> {
  const now = options.now();
  const detectOptions: DetectOptions = { ...options, now };
  const resolver = createWorkloadResolver(apis);
  const excluded = new Set(options.namespaces.length > 0 ? [] : options.excludeNamespaces);
  const candidates = new Map<string, PendingReport>();
  let podsScanned = 0;
  let brokenPods = 0;

  for await (const pods of listPods(apis, options)) {
    podsScanned += pods.length;
    const broken = pods
      .filter((pod) => !excluded.has(pod.metadata?.namespace ?? ''))
      .map((pod) => ({ pod, findings: detectPodFailures(pod, detectOptions) }))
      .filter((item) => item.findings.length > 0);
    brokenPods += broken.length;
    const workloads = await mapLimit(broken, options.concurrency, (item) => resolver.resolve(item.pod));
    broken.forEach(({ pod, findings }, i) => {
      const workload = workloads[i];
      const projectId = projectForPod(pod, workload.name);
      const ref: PodRef = {
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? 'default',
        node: pod.spec?.nodeName ?? null,
      };
      for (const finding of findings) {
        const candidate: PendingReport = { pod: ref, finding, workload, projectId, pods: new Set() };
        const key = [projectId, finding.reason, ref.namespace, workload.kind, workload.name].join('|');
        const kept = candidates.get(key);
        const winner = !kept || better(kept, candidate) ? candidate : kept;
        if (kept) for (const name of kept.pods) winner.pods.add(name);
        if (winner.pods.size < maxAffectedPods) winner.pods.add(ref.name);
        candidates.set(key, winner);
      }
    });
  }

  return { pending: [...candidates.values()], podsScanned, brokenPods, warnings: resolver.warnings };
}

/**
 * Reports with their logs, `batchSize` at a time: a run holds at most one batch of logs in memory,
 * however many pods are broken.
 */
export async function* reportBatches(
  apis: KubeApis,
  pending: PendingReport[],
  options: { batchSize: number; concurrency: number },
): AsyncGenerator<ReportInput[]> {
  for (let start = 0; start < pending.length; start += options.batchSize) {
    const batch = pending.slice(start, start + options.batchSize);
    const logs = await mapLimit(batch, options.concurrency, async (c) =>
      c.finding.logs && c.finding.container
        ? fetchLogs(apis.core, {
            namespace: c.pod.namespace,
            pod: c.pod.name,
            container: c.finding.container,
            previous: c.finding.logs === 'previous',
          })
        : undefined,
    );
    yield batch.map((c, i) => toReport(c, logs[i]));
  }
}
