// Deployments as the API server stores them, for the audit's tests: the ones captured from the
// real cluster beside each diagnose scenario (test/fixtures/diagnose/real/, nothing typed by
// hand), and what a list's items look like (the API server leaves out each item's kind).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { JsonObject } from '../../../core/policy/index.js';

const REAL = fileURLToPath(new URL('../../fixtures/diagnose/real/', import.meta.url));

const read = (file: string): JsonObject => (parse(readFileSync(`${REAL}${file}`, 'utf8')) as { snapshot: { deployment: JsonObject } }).snapshot.deployment;

/** Every captured Deployment, by the scenario's file name. */
export function capturedDeployments(): { file: string; deployment: JsonObject }[] {
  return readdirSync(REAL)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, deployment: read(file) }));
}

const once = new Map<string, JsonObject>();

/** One captured Deployment (a fresh copy each time). */
export function captured(scenario: string): JsonObject {
  if (!once.has(scenario)) once.set(scenario, read(`${scenario}.yaml`));
  return structuredClone(once.get(scenario)!);
}

/** The object as an item of a list: no apiVersion, no kind (as GET .../deployments sends it). */
export function asListItem(d: JsonObject): JsonObject {
  const { apiVersion: _a, kind: _k, ...item } = d;
  return item;
}

/** `d` placed in `namespace` under `name`, with extra labels on the Deployment. */
export function placed(d: JsonObject, namespace: string, name: string, labels: Record<string, string> = {}): JsonObject {
  const meta = { ...(d.metadata as JsonObject) };
  meta.namespace = namespace;
  meta.name = name;
  meta.labels = { ...(meta.labels as Record<string, string> | undefined), ...labels };
  return { ...d, metadata: meta };
}

/** A Deployment that meets the default policy on a cluster with the native sleep, written out by
 * hand field by field (not by the engine), with a deploy-id when `deployId` is given. */
export function compliant(name: string, namespace: string, deployId?: string): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...(deployId ? { 'paas.io/deploy-id': deployId } : {}) } },
        spec: {
          terminationGracePeriodSeconds: 30,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { app: name } },
              matchLabelKeys: ['pod-template-hash'],
            },
          ],
          containers: [
            {
              name: 'app',
              image: 'nginx:1.27',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              lifecycle: { preStop: { sleep: { seconds: 5 } } },
              readinessProbe: { httpGet: { path: '/', port: 8080 } },
            },
          ],
        },
      },
    },
  };
}

/** A Deployment as `kubectl create deployment` leaves it before any webhook: the API server's defaults. */
export function plain(name: string, namespace: string, labels: Record<string, string> = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name, ...labels } },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
      },
    },
  };
}
