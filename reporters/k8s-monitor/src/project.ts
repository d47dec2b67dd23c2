import type { V1Pod } from '@kubernetes/client-node';

export const projectAnnotation = 'log-center/project';

/** Log Center project ids are slugs: `[a-z0-9][a-z0-9_-]{0,63}`. */
export function toProjectId(value: string): string | undefined {
  const slug = value
    .trim()
    .toLowerCase()
    .replaceAll('-', '_')
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+/, '')
    .slice(0, 64);
  return slug === '' ? undefined : slug;
}

/** The annotation is an explicit choice and wins; then the `app` label, then `app.kubernetes.io/name`. */
export function projectForPod(pod: V1Pod, workloadName: string): string {
  const annotations = pod.metadata?.annotations ?? {};
  const labels = pod.metadata?.labels ?? {};
  for (const candidate of [annotations[projectAnnotation], labels.app, labels['app.kubernetes.io/name'], workloadName]) {
    const id = candidate ? toProjectId(candidate) : undefined;
    if (id) return id;
  }
  return 'kubernetes';
}
