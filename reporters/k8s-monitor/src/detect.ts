import type { V1ContainerStateTerminated, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

export const waitingReasons = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'ImageInspectError',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
] as const;

/** Registry hiccups heal by themselves; a pod only starting up gets `imagePullGraceMs` before these count. */
export const transientImageReasons = new Set(['ImagePullBackOff', 'ErrImagePull']);

export type Finding = {
  reason: string;
  /** null for pod-level findings (Evicted, Unschedulable). */
  container: string | null;
  initContainer: boolean;
  exitCode: number | null;
  restartCount: number;
  detail: string | null;
  /** Which logs hold the crash: the previous instance, the current (terminated) one, or none. */
  logs: 'previous' | 'current' | null;
  occurredAt: Date | null;
};

export type DetectOptions = {
  now: Date;
  minRestarts: number;
  imagePullGraceMs: number;
  /** A last termination older than this, on a container that runs again, is history rather than a failure. */
  recentTerminationMs: number;
};

export const defaultDetectOptions: Omit<DetectOptions, 'now'> = {
  minRestarts: 0,
  imagePullGraceMs: 120_000,
  recentTerminationMs: 600_000,
};

const waitingSet = new Set<string>(waitingReasons);

/** Lower is more telling: the root cause beats the back-off that follows it. */
function rank(reason: string): number {
  if (reason === 'OOMKilled') return 0;
  if (reason === 'CrashLoopBackOff') return 3;
  if (waitingSet.has(reason)) return 1;
  if (reason === 'Error') return 4;
  return 2;
}

const failedTermination = (t: V1ContainerStateTerminated | undefined): t is V1ContainerStateTerminated =>
  t !== undefined && (t.reason === 'OOMKilled' || (t.exitCode ?? 0) !== 0);

const terminationReason = (t: V1ContainerStateTerminated) =>
  t.reason && t.reason !== 'Completed' ? t.reason : 'Error';

const time = (value: Date | string | undefined) => (value === undefined ? null : new Date(value));

function podAgeMs(pod: V1Pod, now: Date): number {
  const started = time(pod.status?.startTime) ?? time(pod.metadata?.creationTimestamp);
  return started ? now.getTime() - started.getTime() : Number.POSITIVE_INFINITY;
}

function containerFinding(
  status: V1ContainerStatus,
  initContainer: boolean,
  podAge: number,
  options: DetectOptions,
): Finding | undefined {
  const candidates: { reason: string; detail: string | null }[] = [];
  const waiting = status.state?.waiting;
  const terminated = status.state?.terminated;
  const last = status.lastState?.terminated;
  const enoughRestarts = status.restartCount >= options.minRestarts;

  if (waiting?.reason && waitingSet.has(waiting.reason)) {
    const transient = transientImageReasons.has(waiting.reason) && podAge < options.imagePullGraceMs;
    const restartBound = waiting.reason === 'CrashLoopBackOff' && !enoughRestarts;
    if (!transient && !restartBound) candidates.push({ reason: waiting.reason, detail: waiting.message ?? null });
  }
  if (failedTermination(terminated)) {
    candidates.push({ reason: terminationReason(terminated), detail: terminated.message ?? null });
  }
  let lastCounts = false;
  if (failedTermination(last) && enoughRestarts) {
    const finished = time(last.finishedAt);
    const stillDown = !status.state?.running;
    const recent = finished !== null && options.now.getTime() - finished.getTime() <= options.recentTerminationMs;
    if (stillDown || recent) {
      lastCounts = true;
      candidates.push({ reason: terminationReason(last), detail: last.message ?? null });
    }
  }
  if (candidates.length === 0) return undefined;

  const best = candidates.reduce((a, b) => (rank(b.reason) < rank(a.reason) ? b : a));
  const crash = failedTermination(terminated) ? terminated : lastCounts ? last : undefined;
  return {
    reason: best.reason,
    container: status.name,
    initContainer,
    exitCode: crash?.exitCode ?? null,
    restartCount: status.restartCount,
    detail: best.detail ?? candidates.find((c) => c.detail)?.detail ?? null,
    logs: failedTermination(terminated) && terminated.containerID ? 'current' : lastCounts && last?.containerID ? 'previous' : null,
    occurredAt: time(crash?.finishedAt),
  };
}

/** Every broken container of a pod (init containers included), or the pod-level failure. */
export function detectPodFailures(pod: V1Pod, options: DetectOptions): Finding[] {
  const status = pod.status;
  if (!status) return [];
  const podFinding = (reason: string, detail: string | null): Finding => ({
    reason,
    container: null,
    initContainer: false,
    exitCode: null,
    restartCount: 0,
    detail,
    logs: null,
    occurredAt: null,
  });

  if (status.reason === 'Evicted') return [podFinding('Evicted', status.message ?? null)];
  if (status.phase === 'Pending') {
    const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return [podFinding('Unschedulable', scheduled.message ?? null)];
    }
  }

  const age = podAgeMs(pod, options.now);
  const findings: Finding[] = [];
  for (const [list, init] of [
    [status.initContainerStatuses, true],
    [status.containerStatuses, false],
  ] as const) {
    for (const containerStatus of list ?? []) {
      const finding = containerFinding(containerStatus, init, age, options);
      if (finding) findings.push(finding);
    }
  }
  return findings;
}
