// diagnose over the 35 real Deployments of ../shared/corpus/deployments: each one's pod template
// (several containers, named ports, exec and tcp probes, init containers) stuck two ways — its
// first container cannot pull its image, or fails its readiness probe — must be named right,
// with the image and the probe read from that template, and never crash.
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { Code } from '../../../plugin/diagnose/findings.js';
import type { Deployment, KubeEvent, Pod, ReplicaSet, Snapshot } from '../../../plugin/diagnose/model.js';
import { CORPUS_DIR, CORPUS_FILES as files, CORPUS_PRESENT, corpusText, SKIP_CORPUS, warnIfNoCorpus } from '../corpus.js';

warnIfNoCorpus('the diagnose corpus suite');

const NOW = new Date('2026-11-23T06:10:00Z');

function deploymentOf(file: string): Deployment {
  const docs = parseAllDocuments(corpusText(file)).map((d) => d.toJS() as Record<string, any>);
  const d = docs.find((x) => x?.kind === 'Deployment')!;
  // As the API server would hold it: apps/v1 refuses a template without the selector's labels
  // and a container without an image, so those two corpus shortcuts are filled in.
  const t = d.spec.template;
  t.metadata = { ...t.metadata, labels: { ...d.spec.selector?.matchLabels, ...t.metadata?.labels } };
  for (const c of t.spec.containers) c.image ??= 'registry.example/app:1';
  return {
    ...d,
    metadata: {
      ...d.metadata,
      namespace: 'shop',
      uid: 'dep-uid',
      generation: 2,
      annotations: { ...d.metadata?.annotations, 'deployment.kubernetes.io/revision': '2' },
    },
    status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 },
  };
}

/** The Deployment's new ReplicaSet with one pod: the first container in `state`, the others running and ready. */
function stuck(dep: Deployment, state: 'pull' | 'unready'): Snapshot {
  const template = structuredClone(dep.spec!.template!);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, 'pod-template-hash': 'abc123' } };
  const rs: ReplicaSet = {
    metadata: {
      name: `${dep.metadata.name}-abc123`,
      namespace: 'shop',
      uid: 'rs-uid',
      creationTimestamp: '2026-11-23T06:00:00Z',
      annotations: { 'deployment.kubernetes.io/revision': '2' },
      ownerReferences: [{ kind: 'Deployment', name: dep.metadata.name, uid: 'dep-uid', controller: true }],
    },
    spec: { replicas: 1, template },
    status: { replicas: 1, readyReplicas: 0, availableReplicas: 0 },
  };
  const containers = template.spec!.containers;
  const name = `${rs.metadata.name}-x1`;
  const pod: Pod = {
    metadata: {
      name,
      namespace: 'shop',
      uid: 'pod-uid',
      labels: template.metadata.labels!,
      ownerReferences: [{ kind: 'ReplicaSet', name: rs.metadata.name, uid: 'rs-uid', controller: true }],
    },
    spec: { ...template.spec!, nodeName: 'kwok-node-1' },
    status: {
      phase: state === 'pull' ? 'Pending' : 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False' },
      ],
      initContainerStatuses: (template.spec!.initContainers ?? []).map((c) => ({
        name: c.name,
        ready: true,
        state: { terminated: { reason: 'Completed', exitCode: 0 } },
      })),
      containerStatuses: containers.map((c, i) => ({
        name: c.name,
        image: c.image,
        ready: i !== 0,
        restartCount: 0,
        state:
          i === 0 && state === 'pull'
            ? { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } }
            : { running: { startedAt: '2026-11-23T06:00:05Z' } },
      })),
    },
  };
  const first = containers[0]!;
  const event: KubeEvent = {
    metadata: { name: `${name}.1`, namespace: 'shop' },
    involvedObject: { kind: 'Pod', name, uid: 'pod-uid', fieldPath: `spec.containers{${first.name}}` },
    type: 'Warning',
    count: 9,
    firstTimestamp: '2026-11-23T06:00:10Z',
    lastTimestamp: '2026-11-23T06:09:50Z',
    ...(state === 'pull'
      ? {
          reason: 'Failed',
          message: `Failed to pull image "${first.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${first.image}": not found`,
        }
      : { reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 500' }),
  };
  return { deployment: dep, replicaSets: [rs], pods: [pod], events: [event], quotas: [] };
}

describe('the corpus is present when CI requires it', () => {
  it.skipIf(SKIP_CORPUS)('finds the 35 manifests', () => {
    expect(CORPUS_PRESENT, `no corpus at ${CORPUS_DIR}`).toBe(true);
    expect(files).toHaveLength(35);
  });
});

describe.skipIf(SKIP_CORPUS)('diagnose on the corpus', () => {
  it.each(files)('%s: an image that cannot be pulled is named with its image', (file) => {
    const dep = deploymentOf(file);
    const d = diagnose(stuck(dep, 'pull'), NOW);
    const first = dep.spec!.template!.spec!.containers[0]!;
    expect(d.findings[0]!.code).toBe(Code.ImagePullFailed);
    expect(d.findings[0]!.details).toMatchObject({ container: first.name, image: first.image, pullFailure: 'not-found' });
  });

  it.each(files)('%s: a failing readiness probe is described from the template', (file) => {
    const dep = deploymentOf(file);
    const d = diagnose(stuck(dep, 'unready'), NOW);
    const first = dep.spec!.template!.spec!.containers[0]!;
    const f = d.findings[0]!;
    if (f.code !== Code.ReadinessProbeFailing) throw new Error(`expected ${Code.ReadinessProbeFailing} first, got ${f.code}`);
    expect(f.details.container).toBe(first.name);
    const probe = first.readinessProbe;
    if (!probe) expect(f.details.probeSpec).toBeNull();
    else if (probe.httpGet) expect(f.details.probeSpec).toMatchObject({ type: 'httpGet', path: probe.httpGet.path ?? '/', port: probe.httpGet.port });
    else expect(f.details.probeSpec?.type).toBe(probe.tcpSocket ? 'tcpSocket' : probe.exec ? 'exec' : 'grpc');
    expect(f.explanation).toContain(first.name);
  });
});
