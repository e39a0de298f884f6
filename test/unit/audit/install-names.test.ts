// Where `kubectl paas audit` and `version` look for the installed webhook (WEBHOOK_INSTALL in
// core/names.ts) is where the installers put it: read off the kustomize base's manifests and the
// Helm chart's default values, so a renamed object there fails here rather than in a user's audit
// that falls back to the built-in defaults.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WEBHOOK_INSTALL } from '../../../core/names.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const yaml = (path: string) => parse(readFileSync(resolve(ROOT, path), 'utf8')) as Record<string, any>;

describe('WEBHOOK_INSTALL is where the installers put the webhook', () => {
  it('kustomize: the namespace every object gets', () => {
    expect(yaml('manifests/base/kustomization.yaml').namespace).toBe(WEBHOOK_INSTALL.namespace);
  });

  it('kustomize: the ConfigMap and its paas.toml key', () => {
    const cm = yaml('manifests/base/config.yaml');
    expect([cm.kind, cm.metadata.name, Object.keys(cm.data)]).toEqual(['ConfigMap', WEBHOOK_INSTALL.configMap, [WEBHOOK_INSTALL.configKey]]);
  });

  it('kustomize: the Deployment and its container', () => {
    const d = yaml('manifests/base/deployment.yaml');
    expect(d.metadata.name).toBe(WEBHOOK_INSTALL.deployment);
    expect(d.spec.template.spec.containers.map((c: { name: string }) => c.name)).toContain(WEBHOOK_INSTALL.container);
  });

  it("kustomize: the Service and its plain-HTTP port, the pods' metrics port", () => {
    const s = yaml('manifests/base/service.yaml');
    expect(s.metadata.name).toBe(WEBHOOK_INSTALL.service);
    expect(s.spec.ports.find((p: { name: string }) => p.name === WEBHOOK_INSTALL.metricsPort)).toMatchObject({ targetPort: 'metrics' });
    const container = yaml('manifests/base/deployment.yaml').spec.template.spec.containers.find((c: { name: string }) => c.name === WEBHOOK_INSTALL.container);
    expect(container.ports.map((p: { name: string }) => p.name)).toContain('metrics');
  });

  // The chart's objects are named after the release (`helm install paas-webhook ...`, as the
  // README installs it, gives these names); its default namespace is fixed in its values.
  it('Helm: the default namespace', () => {
    expect(yaml('manifests/helm/paas-webhook/values.yaml').namespace.name).toBe(WEBHOOK_INSTALL.namespace);
  });
});
