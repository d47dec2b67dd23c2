import type { AppsV1Api, BatchV1Api, V1OwnerReference, V1Pod } from '@kubernetes/client-node';

export type Workload = { kind: string; name: string };

type OwnerApis = { apps: AppsV1Api; batch: BatchV1Api };

export type WorkloadResolver = {
  resolve(pod: V1Pod): Promise<Workload>;
  /** Owner reads that failed, by message; a missing permission should be visible, not fatal. */
  readonly warnings: string[];
};

const controllerOf = (refs: V1OwnerReference[] | undefined) => refs?.find((ref) => ref.controller) ?? refs?.[0];

/**
 * Maps a pod to the workload a person deploys (ReplicaSet → Deployment, Job → CronJob), reading each
 * distinct owner once per run.
 */
export function createWorkloadResolver(apis: OwnerApis): WorkloadResolver {
  const owners = new Map<string, Promise<Workload>>();
  const warnings: string[] = [];

  const warn = (what: string, error: unknown) => {
    const code = (error as { code?: number }).code;
    warnings.push(`${what}: ${code ? `HTTP ${code}` : error instanceof Error ? error.message : String(error)}`);
  };

  async function ownerOfReplicaSet(namespace: string, name: string, pod: V1Pod): Promise<Workload> {
    try {
      const replicaSet = await apis.apps.readNamespacedReplicaSet({ name, namespace });
      const owner = controllerOf(replicaSet.metadata?.ownerReferences);
      return owner ? { kind: owner.kind, name: owner.name } : { kind: 'ReplicaSet', name };
    } catch (error) {
      warn(`read replicaset ${namespace}/${name}`, error);
      // A Deployment names its ReplicaSets `<deployment>-<pod-template-hash>`.
      const hash = pod.metadata?.labels?.['pod-template-hash'];
      return hash && name.endsWith(`-${hash}`)
        ? { kind: 'Deployment', name: name.slice(0, -hash.length - 1) }
        : { kind: 'ReplicaSet', name };
    }
  }

  async function ownerOfJob(namespace: string, name: string): Promise<Workload> {
    try {
      const job = await apis.batch.readNamespacedJob({ name, namespace });
      const owner = controllerOf(job.metadata?.ownerReferences);
      return owner ? { kind: owner.kind, name: owner.name } : { kind: 'Job', name };
    } catch (error) {
      warn(`read job ${namespace}/${name}`, error);
      return { kind: 'Job', name };
    }
  }

  return {
    warnings,
    resolve(pod) {
      const namespace = pod.metadata?.namespace ?? 'default';
      const owner = controllerOf(pod.metadata?.ownerReferences);
      if (!owner) return Promise.resolve({ kind: 'Pod', name: pod.metadata?.name ?? 'unknown' });
      if (owner.kind !== 'ReplicaSet' && owner.kind !== 'Job') {
        return Promise.resolve({ kind: owner.kind, name: owner.name });
      }
      const key = `${namespace}/${owner.kind}/${owner.name}`;
      let workload = owners.get(key);
      if (!workload) {
        workload =
          owner.kind === 'ReplicaSet' ? ownerOfReplicaSet(namespace, owner.name, pod) : ownerOfJob(namespace, owner.name);
        owners.set(key, workload);
      }
      return workload;
    },
  };
}
