import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** Objects as the API server sends them: plain JSON, RFC 3339 times. */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

export type FakeCluster = {
  pods: KubeObject[];
  replicaSets?: KubeObject[];
  jobs?: KubeObject[];
  /** `namespace/pod/container` → current log; `…/previous` → the previous instance's log. */
  logs?: Record<string, string>;
  /** `namespace/pod/container` whose log requests answer this status. */
  logErrors?: Record<string, number>;
};

export type RecordedRequest = { method: string; path: string; query: URLSearchParams };

const token = 'fake-kube-token';

function status(res: ServerResponse, code: number, reason: string, message: string) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function json(res: ServerResponse, body: unknown) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Equality-based selectors as kubectl writes them: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-joined. */
export function matchesSelector(labels: Record<string, string> = {}, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((raw) => {
    const term = raw.trim();
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    const [key, value] = term.split(/!=|==|=/);
    if (value === undefined) return key in labels;
    return term.includes('!=') ? labels[key] !== value : labels[key] === value;
  });
}

function containerStatus(pod: KubeObject, container: string) {
  const st = pod.status as { containerStatuses?: any[]; initContainerStatuses?: any[] } | undefined;
  return [...(st?.initContainerStatuses ?? []), ...(st?.containerStatuses ?? [])].find((c) => c.name === container);
}

/**
 * A Kubernetes API server for tests: the real REST paths and JSON shapes the monitor reads, over
 * plain HTTP on 127.0.0.1, with a generated kubeconfig pointing at it.
 */
export async function startFakeKubeApi(cluster: FakeCluster) {
  const requests: RecordedRequest[] = [];
  let state = cluster;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
    if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', 'the fake API only reads');
    const parts = url.pathname.split('/').filter(Boolean);

    // /api/v1/pods and /api/v1/namespaces/{ns}/pods
    const allPods = parts.length === 3 && parts[0] === 'api' && parts[2] === 'pods';
    const nsPods = parts.length === 5 && parts[0] === 'api' && parts[2] === 'namespaces' && parts[4] === 'pods';
    if (allPods || nsPods) {
      const selected = state.pods.filter(
        (pod) =>
          (allPods || pod.metadata.namespace === parts[3]) &&
          matchesSelector(pod.metadata.labels, url.searchParams.get('labelSelector')),
      );
      const limit = Number(url.searchParams.get('limit') ?? 0) || selected.length;
      const cont = url.searchParams.get('continue');
      const offset = cont ? Number(Buffer.from(cont, 'base64url').toString()) : 0;
      if (!Number.isInteger(offset) || offset < 0) return status(res, 400, 'BadRequest', 'invalid continue token');
      const items = selected.slice(offset, offset + limit);
      const next = offset + limit < selected.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
      return json(res, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '4711', ...(next ? { continue: next, remainingItemCount: selected.length - offset - limit } : {}) },
        items,
      });
    }

    // /api/v1/namespaces/{ns}/pods/{name}/log
    if (parts.length === 7 && parts[0] === 'api' && parts[4] === 'pods' && parts[6] === 'log') {
      const [namespace, name] = [parts[3], parts[5]];
      const pod = state.pods.find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
      if (!pod) return status(res, 404, 'NotFound', `pods "${name}" not found`);
      const container = url.searchParams.get('container') ?? '';
      const cs = containerStatus(pod, container);
      if (!cs) return status(res, 400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
      const key = `${namespace}/${name}/${container}`;
      const forced = state.logErrors?.[key];
      if (forced) return status(res, forced, forced === 404 ? 'NotFound' : 'BadRequest', `log for ${key} is gone`);
      const previous = url.searchParams.get('previous') === 'true';
      if (previous && !cs.lastState?.terminated?.containerID) {
        return status(res, 400, 'BadRequest', `previous terminated container "${container}" in pod "${name}" not found`);
      }
      let text = state.logs?.[previous ? `${key}/previous` : key] ?? '';
      const tail = url.searchParams.get('tailLines');
      if (tail) {
        const lines = text.split('\n');
        if (lines.at(-1) === '') lines.pop();
        text = lines.slice(-Number(tail)).map((line) => `${line}\n`).join('');
      }
      const limitBytes = url.searchParams.get('limitBytes');
      let body = Buffer.from(text);
      if (limitBytes) body = body.subarray(0, Number(limitBytes));
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(body);
    }

    // /apis/apps/v1/namespaces/{ns}/replicasets/{name}, /apis/batch/v1/namespaces/{ns}/jobs/{name}
    if (parts.length === 7 && parts[0] === 'apis' && parts[3] === 'namespaces') {
      const [, group, , , namespace, resource, name] = parts;
      const source =
        group === 'apps' && resource === 'replicasets'
          ? { list: state.replicaSets, kind: 'ReplicaSet', apiVersion: 'apps/v1' }
          : group === 'batch' && resource === 'jobs'
            ? { list: state.jobs, kind: 'Job', apiVersion: 'batch/v1' }
            : undefined;
      if (!source) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
      const found = source.list?.find((o) => o.metadata.namespace === namespace && o.metadata.name === name);
      if (!found) return status(res, 404, 'NotFound', `${resource}.${group} "${name}" not found`);
      return json(res, { apiVersion: source.apiVersion, kind: source.kind, ...found });
    }
    return status(res, 404, 'NotFound', 'the server could not find the requested resource');
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const dir = mkdtempSync(join(tmpdir(), 'k8s-monitor-'));
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfigPath,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'monitor', user: { token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'monitor' } }],
      'current-context': 'fake',
    }),
  );

  return {
    url,
    kubeconfigPath,
    requests,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    },
    setCluster(next: FakeCluster) {
      state = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type FakeKubeApi = Awaited<ReturnType<typeof startFakeKubeApi>>;
