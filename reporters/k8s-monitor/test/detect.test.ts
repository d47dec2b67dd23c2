import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { defaultDetectOptions, detectPodFailures, waitingReasons } from '../src/detect.ts';
import { projectForPod, toProjectId } from '../src/project.ts';
import { fixtureNow, pod, type PodFixture, running, terminated, terminatedState, waiting } from './pod-fixtures.ts';

/** Raw API JSON (times as strings); the tests through the real client cover the Date-typed path. */
const v1 = (fixture: PodFixture) => pod(fixture) as unknown as V1Pod;
const detect = (fixture: PodFixture, options: Partial<typeof defaultDetectOptions> = {}) =>
  detectPodFailures(v1(fixture), { ...defaultDetectOptions, ...options, now: fixtureNow });

describe('detectPodFailures', () => {
  it.each(waitingReasons)('reports a container waiting with %s', (reason) => {
    const [finding] = detect({ name: 'p', containers: [waiting('app', reason, { restartCount: 1 })] });
    expect(finding).toMatchObject({ reason, container: 'app', initContainer: false });
  });

  it('prefers an OOMKilled last termination over the CrashLoopBackOff that follows it', () => {
    const findings = detect({
      name: 'p',
      containers: [waiting('app', 'CrashLoopBackOff', { restartCount: 7, last: terminatedState(137, 'OOMKilled') })],
    });
    expect(findings).toEqual([
      expect.objectContaining({ reason: 'OOMKilled', exitCode: 137, restartCount: 7, logs: 'previous' }),
    ]);
  });

  it('prefers CrashLoopBackOff over the generic Error exit behind it', () => {
    const [finding] = detect({
      name: 'p',
      containers: [waiting('app', 'CrashLoopBackOff', { restartCount: 3, last: terminatedState(1, 'Error') })],
    });
    expect(finding).toMatchObject({ reason: 'CrashLoopBackOff', exitCode: 1 });
  });

  it('reports a recent non-zero or OOMKilled last termination of a container that runs again', () => {
    const oom = { ...running('app', 1), lastState: terminatedState(137, 'OOMKilled', { finishedAgo: 120 }) };
    expect(detect({ name: 'p', containers: [oom] })).toMatchObject([{ reason: 'OOMKilled', logs: 'previous' }]);
    const exit = { ...running('app', 1), lastState: terminatedState(3, 'Error', { finishedAgo: 120 }) };
    expect(detect({ name: 'p', containers: [exit] })).toMatchObject([{ reason: 'Error', exitCode: 3 }]);
  });

  it('ignores an old last termination once the container has been running for a while', () => {
    const old = { ...running('app', 1), lastState: terminatedState(137, 'OOMKilled', { finishedAgo: 7200 }) };
    expect(detect({ name: 'p', containers: [old] })).toEqual([]);
  });

  it('reports a terminated container with a non-zero exit, and not one that completed', () => {
    expect(detect({ name: 'p', phase: 'Failed', containers: [terminated('job', 2)] })).toMatchObject([
      { reason: 'Error', exitCode: 2, logs: 'current' },
    ]);
    expect(detect({ name: 'p', phase: 'Succeeded', containers: [terminated('job', 0)] })).toEqual([]);
  });

  it('reports init containers as such', () => {
    const [finding] = detect({
      name: 'p',
      phase: 'Pending',
      initContainers: [waiting('migrate', 'CrashLoopBackOff', { restartCount: 2, last: terminatedState(1, 'Error') })],
      containers: [waiting('app', 'PodInitializing')],
    });
    expect(finding).toMatchObject({ reason: 'CrashLoopBackOff', container: 'migrate', initContainer: true });
  });

  it('reports every broken container of a multi-container pod, and only those', () => {
    const findings = detect({
      name: 'p',
      containers: [running('proxy'), waiting('app', 'CreateContainerConfigError', { message: 'secret "db" not found' })],
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ container: 'app', detail: 'secret "db" not found' });
  });

  it('reports evicted pods and unschedulable pending pods at pod level', () => {
    const evicted = detect({
      name: 'p',
      phase: 'Failed',
      containers: [terminated('app', 137)],
      status: { reason: 'Evicted', message: 'The node was low on resource: memory.' },
    });
    expect(evicted).toEqual([expect.objectContaining({ reason: 'Evicted', container: null, detail: 'The node was low on resource: memory.' })]);

    const unschedulable = detect({
      name: 'p',
      phase: 'Pending',
      containers: [],
      status: {
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }],
      },
    });
    expect(unschedulable).toMatchObject([{ reason: 'Unschedulable', detail: '0/3 nodes are available: 3 Insufficient cpu.' }]);
  });

  it('gives image pulls of a young pod a grace period', () => {
    const young = { name: 'p', startedAgo: 30, containers: [waiting('app', 'ErrImagePull')] };
    expect(detect(young)).toEqual([]);
    expect(detect(young, { imagePullGraceMs: 0 })).toMatchObject([{ reason: 'ErrImagePull' }]);
    expect(detect({ ...young, containers: [waiting('app', 'InvalidImageName')] })).toMatchObject([{ reason: 'InvalidImageName' }]);
  });

  it('ignores crash loops with fewer restarts than --min-restarts', () => {
    const loop = { name: 'p', containers: [waiting('app', 'CrashLoopBackOff', { restartCount: 2, last: terminatedState(1, 'Error') })] };
    expect(detect(loop, { minRestarts: 3 })).toEqual([]);
    expect(detect(loop, { minRestarts: 2 })).toMatchObject([{ reason: 'CrashLoopBackOff' }]);
  });

  it('does not ask for previous logs when the last termination has no container id', () => {
    const [finding] = detect({
      name: 'p',
      containers: [waiting('app', 'CrashLoopBackOff', { restartCount: 1, last: terminatedState(1, 'Error', { containerID: false }) })],
    });
    expect(finding.logs).toBeNull();
  });

  it('reports nothing for a healthy pod', () => {
    expect(detect({ name: 'p', containers: [running('app'), running('sidecar', 1)] })).toEqual([]);
  });
});

describe('project mapping', () => {
  it('takes the annotation, then the app label, then app.kubernetes.io/name, then the workload', () => {
    const meta = (labels: Record<string, string>, annotations?: Record<string, string>) => v1({ name: 'p', labels, annotations });
    expect(projectForPod(meta({ app: 'rtc-backend' }), 'w')).toBe('rtc_backend');
    expect(projectForPod(meta({ 'app.kubernetes.io/name': 'Billing-API' }), 'w')).toBe('billing_api');
    expect(projectForPod(meta({ app: 'a', 'app.kubernetes.io/name': 'b' }), 'w')).toBe('a');
    expect(projectForPod(meta({ app: 'rtc-backend' }, { 'log-center/project': 'payments' }), 'w')).toBe('payments');
    expect(projectForPod(meta({}), 'nightly-report')).toBe('nightly_report');
    expect(toProjectId('a.b/c')).toBe('a_b_c');
    expect(toProjectId('x'.repeat(80))).toHaveLength(64);
  });
});
