// AdmissionReviews shaped as kube-apiserver sends them (every field of an admission.k8s.io/v1
// AdmissionRequest, defaults applied to the object), built around real Deployment manifests.
import { parse } from 'yaml';
import type { JsonObject } from '../../../core/policy/types.js';
import { CORPUS_FILES, CORPUS_PRESENT, corpusText } from '../corpus.js';

/** A corpus file's object, read as kubectl reads YAML (1.1: `0644` is octal). */
export const corpusObject = (file: string): JsonObject => parse(corpusText(file), { version: '1.1' }) as JsonObject;

/**
 * The corpus files that hold an apps/v1 Deployment; when the corpus is absent, its placeholder
 * row (test/unit/corpus.ts), so a table over them is counted skipped, or fails when required.
 */
export const CORPUS_DEPLOYMENTS: readonly string[] = CORPUS_PRESENT ? CORPUS_FILES.filter((f) => corpusObject(f).apiVersion === 'apps/v1') : CORPUS_FILES;

let counter = 0;

export interface ReviewOptions {
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  object?: JsonObject | null;
  oldObject?: JsonObject | null;
  namespace?: string;
  dryRun?: boolean;
  subResource?: string;
  kind?: { group: string; version: string; kind: string };
  resource?: { group: string; version: string; resource: string };
  uid?: string;
}

/** An admission.k8s.io/v1 AdmissionReview request, shaped like the API server's. */
export function review(o: ReviewOptions): JsonObject {
  const operation = o.operation ?? 'CREATE';
  const kind = o.kind ?? { group: 'apps', version: 'v1', kind: 'Deployment' };
  const resource = o.resource ?? { group: 'apps', version: 'v1', resource: 'deployments' };
  const obj = o.object === undefined ? null : o.object;
  const name = ((obj ?? o.oldObject)?.metadata as JsonObject | undefined)?.name ?? 'web';
  const optionsKind = operation === 'CREATE' ? 'CreateOptions' : operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions';
  return {
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid: o.uid ?? `0b6f1c3e-5d2a-4c9b-8e7f-${String(++counter).padStart(12, '0')}`,
      kind,
      resource,
      ...(o.subResource ? { subResource: o.subResource } : {}),
      requestKind: kind,
      requestResource: resource,
      ...(o.subResource ? { requestSubResource: o.subResource } : {}),
      name,
      namespace: o.namespace ?? 'shop',
      operation,
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      object: obj,
      oldObject: o.oldObject ?? null,
      dryRun: o.dryRun ?? false,
      options: { kind: optionsKind, apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
    },
  };
}

/** A Deployment as the API server passes it to mutating admission on CREATE (defaults applied). */
export function stored(manifest: JsonObject, namespace = 'shop'): JsonObject {
  const d = structuredClone(manifest);
  const meta = (d.metadata ??= {}) as JsonObject;
  meta.namespace = namespace;
  meta.uid ??= '6a1c7a0e-0d0e-4f55-9a7b-2b8e5b3f0c11';
  meta.creationTimestamp ??= '2026-11-23T06:00:00Z';
  meta.generation ??= 1;
  const spec = (d.spec ??= {}) as JsonObject;
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  const template = (spec.template ??= {}) as JsonObject;
  const podSpec = (template.spec ??= {}) as JsonObject;
  podSpec.restartPolicy ??= 'Always';
  podSpec.terminationGracePeriodSeconds ??= 30;
  podSpec.dnsPolicy ??= 'ClusterFirst';
  podSpec.schedulerName ??= 'default-scheduler';
  podSpec.securityContext ??= {};
  return d;
}

/** A Deployment of three containers, each with ports and resources: the benchmark's realistic case. */
export function threeContainerDeployment(image = 'registry.example.com/shop/web:1.4.2'): JsonObject {
  const container = (name: string, port: number, img: string): JsonObject => ({
    name,
    image: img,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: `${name}-http`, containerPort: port, protocol: 'TCP' }],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  });
  return stored({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', team: 'shop' }, annotations: { 'deployment.kubernetes.io/revision': '3' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: {
          containers: [
            container('web', 8080, image),
            container('sidecar', 9000, 'registry.example.com/shop/proxy:2.1'),
            container('metrics', 9102, 'registry.example.com/shop/exporter:0.9'),
          ],
        },
      },
    },
  });
}
