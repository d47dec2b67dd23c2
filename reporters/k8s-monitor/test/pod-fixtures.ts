import { createHash } from 'node:crypto';
import type { KubeObject } from './fake-kube-api.ts';

export const fixtureNow = new Date('2026-03-02T10:00:00Z');
const ago = (seconds: number) => new Date(fixtureNow.getTime() - seconds * 1000).toISOString();
const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
const uid = (seed: string) => {
  const h = hex(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

type State = Record<string, unknown>;
export type ContainerStatusJson = {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: State;
  lastState: State;
};

export const running = (name: string, restartCount = 0): ContainerStatusJson => ({
  name,
  image: `registry.example.com/${name}:1.4.2`,
  imageID: `registry.example.com/${name}@sha256:${hex(name)}`,
  containerID: `containerd://${hex(`${name}-running`)}`,
  ready: true,
  started: true,
  restartCount,
  state: { running: { startedAt: ago(3000) } },
  lastState: {},
});

export const terminatedState = (exitCode: number, reason: string, options: { containerID?: boolean; finishedAgo?: number; seed?: string } = {}) => ({
  terminated: {
    exitCode,
    reason,
    startedAt: ago((options.finishedAgo ?? 60) + 30),
    finishedAt: ago(options.finishedAgo ?? 60),
    ...(options.containerID === false ? {} : { containerID: `containerd://${hex(`${options.seed ?? reason}-${exitCode}`)}` }),
  },
});

/** A container waiting with `reason`, optionally after a terminated previous instance. */
export function waiting(
  name: string,
  reason: string,
  options: { restartCount?: number; last?: State; message?: string } = {},
): ContainerStatusJson {
  return {
    ...running(name, options.restartCount ?? 0),
    containerID: options.last ? `containerd://${hex(`${name}-last`)}` : undefined,
    ready: false,
    started: false,
    state: { waiting: { reason, message: options.message ?? `${reason} for container ${name}` } },
    lastState: options.last ?? {},
  };
}

export function terminated(name: string, exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): ContainerStatusJson {
  return {
    ...running(name),
    ready: false,
    started: false,
    state: terminatedState(exitCode, reason, { seed: name }),
    lastState: {},
  };
}

export type PodFixture = {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: { kind: string; name: string };
  phase?: string;
  containers?: ContainerStatusJson[];
  initContainers?: ContainerStatusJson[];
  status?: Record<string, unknown>;
  node?: string | null;
  startedAgo?: number;
};

export function pod(fixture: PodFixture): KubeObject {
  const namespace = fixture.namespace ?? 'default';
  const containers = fixture.containers ?? [running('app')];
  const init = fixture.initContainers ?? [];
  const ownerApi: Record<string, string> = { ReplicaSet: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Job: 'batch/v1' };
  return {
    metadata: {
      name: fixture.name,
      generateName: fixture.owner ? `${fixture.owner.name}-` : undefined,
      namespace,
      uid: uid(`${namespace}/${fixture.name}`),
      resourceVersion: '1234',
      creationTimestamp: ago(fixture.startedAgo ?? 3600),
      labels: fixture.labels ?? {},
      annotations: fixture.annotations,
      ownerReferences: fixture.owner
        ? [
            {
              apiVersion: ownerApi[fixture.owner.kind] ?? 'v1',
              kind: fixture.owner.kind,
              name: fixture.owner.name,
              uid: uid(`${namespace}/${fixture.owner.kind}/${fixture.owner.name}`),
              controller: true,
              blockOwnerDeletion: true,
            },
          ]
        : undefined,
    },
    spec: {
      nodeName: fixture.node === null ? undefined : (fixture.node ?? 'worker-1'),
      restartPolicy: 'Always',
      serviceAccountName: 'default',
      initContainers: init.length ? init.map((c) => ({ name: c.name, image: c.image })) : undefined,
      containers: containers.map((c) => ({ name: c.name, image: c.image, resources: {} })),
    },
    status: {
      phase: fixture.phase ?? 'Running',
      hostIP: '10.0.0.11',
      podIP: '10.244.1.17',
      qosClass: 'BestEffort',
      startTime: ago(fixture.startedAgo ?? 3600),
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: ago(3600) },
        { type: 'Ready', status: containers.every((c) => c.ready) ? 'True' : 'False', lastTransitionTime: ago(600) },
      ],
      initContainerStatuses: init.length ? init : undefined,
      containerStatuses: containers,
      ...fixture.status,
    },
  };
}

/** A Deployment's pod: labels, ReplicaSet owner named `<deployment>-<hash>`, and the ReplicaSet itself. */
export function deploymentPod(deployment: string, hash: string, suffix: string, fixture: Partial<PodFixture> & { namespace?: string }) {
  const namespace = fixture.namespace ?? 'default';
  const replicaSetName = `${deployment}-${hash}`;
  return {
    pod: pod({
      name: `${replicaSetName}-${suffix}`,
      owner: { kind: 'ReplicaSet', name: replicaSetName },
      ...fixture,
      labels: { 'pod-template-hash': hash, ...fixture.labels },
    }),
    replicaSet: replicaSet(namespace, replicaSetName, deployment),
  };
}

export function replicaSet(namespace: string, name: string, deployment: string): KubeObject {
  return {
    metadata: {
      name,
      namespace,
      uid: uid(`${namespace}/ReplicaSet/${name}`),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid: uid(`${namespace}/Deployment/${deployment}`), controller: true }],
    },
    spec: { replicas: 1, selector: { matchLabels: { app: deployment } } },
    status: { replicas: 1 },
  };
}

export function job(namespace: string, name: string, cronJob?: string): KubeObject {
  return {
    metadata: {
      name,
      namespace,
      uid: uid(`${namespace}/Job/${name}`),
      ownerReferences: cronJob
        ? [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob, uid: uid(`${namespace}/CronJob/${cronJob}`), controller: true }]
        : undefined,
    },
    spec: { backoffLimit: 0, template: { spec: { containers: [], restartPolicy: 'Never' } } },
    status: { failed: 1 },
  };
}

export const fixtureTime = ago;
