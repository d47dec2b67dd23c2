import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as kube from '@kubernetes/client-node';
import type { Model } from '@kubernetes-models/base';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseOptions } from '../src/options.ts';

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: any };

const models: Record<string, new (data: any) => Model<unknown>> = {
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

function load(file: string): Doc[] {
  const text = readFileSync(fileURLToPath(new URL(`../../../k8s/${file}`, import.meta.url)), 'utf8');
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Doc;
  });
}

function validate(doc: Doc) {
  const Model = models[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

type AttributeMap = { baseName: string; type: string }[];

/**
 * Field names the API does not know, found through @kubernetes/client-node's generated models: the schema
 * validation above accepts unknown fields, as the API server does outside strict mode, and so misses typos.
 */
function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return (value as unknown[]).flatMap((item, i) => unknownFields(item, array[1], `${path}[${i}]`));
  const model = (kube as unknown as Record<string, { getAttributeTypeMap?: () => AttributeMap }>)[type];
  if (!model?.getAttributeTypeMap || typeof value !== 'object') return [];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => {
    const attribute = attributes.find((a) => a.baseName === key);
    return attribute ? unknownFields(item, attribute.type, `${path}.${key}`) : [`${path}.${key}`];
  });
}

function strictValidate(doc: Doc) {
  validate(doc);
  expect(unknownFields(doc, `V1${doc.kind}`, doc.kind)).toEqual([]);
}

const find = (docs: Doc[], kind: string) => {
  const found = docs.filter((doc) => doc.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};

const recommendedLabels = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of'];

describe('Kubernetes manifests', () => {
  it.each(['monitor-cronjob.yaml', 'server.yaml', 'secrets.example.yaml'])('%s validates against the Kubernetes schemas', (file) => {
    const docs = load(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) strictValidate(doc);
  });

  it('rejects what the API server would reject, so the validation above means something', () => {
    const cronJob = structuredClone(find(load('monitor-cronjob.yaml'), 'CronJob'));
    cronJob.spec.concurrencyPolicy = 7;
    expect(() => validate(cronJob)).toThrow();
    const deployment = structuredClone(find(load('server.yaml'), 'Deployment'));
    delete deployment.spec.selector;
    expect(() => validate(deployment)).toThrow();
    const typo = structuredClone(find(load('monitor-cronjob.yaml'), 'CronJob'));
    typo.spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    expect(unknownFields(typo, 'V1CronJob', 'CronJob')).toEqual([
      'CronJob.spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem',
    ]);
  });

  it('grants the monitor exactly the reads design.md lists, nothing more', () => {
    const role = find(load('monitor-cronjob.yaml'), 'ClusterRole');
    const granted = (role.rules as { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[])
      .flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}:${verb}`))))
      .sort();
    expect(granted).toEqual(
      [
        '/pods:get',
        '/pods:list',
        '/pods/log:get',
        'apps/replicasets:get',
        'apps/statefulsets:get',
        'apps/daemonsets:get',
        'batch/jobs:get',
      ].sort(),
    );
    expect(JSON.stringify(role)).not.toContain('*');
    expect(role.aggregationRule).toBeUndefined();
  });

  it('runs the monitor every 5 minutes, one at a time, small, non-root, read-only, with the key from a Secret', () => {
    const docs = load('monitor-cronjob.yaml');
    const cronJob = find(docs, 'CronJob');
    const account = find(docs, 'ServiceAccount');
    const binding = find(docs, 'ClusterRoleBinding');
    const role = find(docs, 'ClusterRole');
    expect(cronJob.spec.schedule).toBe('*/5 * * * *');
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');

    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    expect(account.metadata.namespace).toBe(cronJob.metadata.namespace);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);

    const [container] = pod.containers;
    expect(pod.containers).toHaveLength(1);
    expect(container.resources).toEqual({ requests: { memory: '64Mi', cpu: '50m' }, limits: { memory: '128Mi', cpu: '100m' } });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const env = Object.fromEntries(container.env.map((e: { name: string }) => [e.name, e]));
    expect(env.LOG_CENTER_API_KEY.valueFrom.secretKeyRef).toMatchObject({ name: 'log-center-monitor', key: 'api-key' });
    expect(env.LOG_CENTER_API_KEY.value).toBeUndefined();

    const secret = find(load('secrets.example.yaml').filter((d) => d.metadata.name === 'log-center-monitor'), 'Secret');
    expect(Object.keys(secret.stringData)).toContain('api-key');
    expect(parseOptions(container.args, { LOG_CENTER_URL: env.LOG_CENTER_URL.value, LOG_CENTER_API_KEY: 'k' })).toMatchObject({
      mode: { kind: 'once' },
      dryRun: false,
    });
  });

  it('runs 2 server replicas with probes, Secret-held settings, a matching Service and the recommended labels', () => {
    const docs = load('server.yaml');
    const deployment = find(docs, 'Deployment');
    const service = find(docs, 'Service');
    expect(deployment.spec.replicas).toBe(2);

    const template = deployment.spec.template;
    for (const label of recommendedLabels) {
      expect(deployment.metadata.labels?.[label], label).toBeTruthy();
      expect(template.metadata.labels[label], label).toBeTruthy();
      expect(service.metadata.labels?.[label], label).toBeTruthy();
    }
    expect(template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(template.metadata.labels).toMatchObject(service.spec.selector);

    const [container] = template.spec.containers;
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    const env = Object.fromEntries(container.env.map((e: { name: string }) => [e.name, e]));
    expect(env.DATABASE_URL.valueFrom.secretKeyRef).toMatchObject({ name: 'log-center-server', key: 'database-url' });
    expect(env.LOG_CENTER_ADMIN_TOKEN.valueFrom.secretKeyRef).toMatchObject({ name: 'log-center-server', key: 'admin-token' });
    expect(template.spec.securityContext.runAsNonRoot).toBe(true);

    const portName = container.ports[0].name;
    expect(service.spec.ports[0].targetPort).toBe(portName);
    expect(container.livenessProbe.httpGet.port).toBe(portName);

    const serverSecret = find(load('secrets.example.yaml').filter((d) => d.metadata.name === 'log-center-server'), 'Secret');
    expect(Object.keys(serverSecret.stringData).sort()).toEqual(['admin-token', 'database-url']);
  });
});
