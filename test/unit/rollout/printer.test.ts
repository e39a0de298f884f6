import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { paint } from '../../../plugin/lib/term.js';
import { renderDetail, renderJson, renderLine, renderProgress, renderTable, toDocument } from '../../../plugin/rollout/printer.js';
import { exitCodeOf, rolloutStatus } from '../../../plugin/rollout/status.js';
import { snapshot, type Snapshot } from './fixtures.js';

const view = (s: Snapshot) => rolloutStatus(s.deployment, s.replicaSets, s.pods, Date.parse(s.now));

describe('renderLine (one line per change, off a TTY)', () => {
  it("is kubectl's line for a rollout kubectl describes", () => {
    const s = snapshot('rolling-update', 0);
    expect(renderLine(view(s))).toBe(`${s.kubectl}\n`);
  });

  it('adds the pod problems when waiting on broken pods', () => {
    expect(renderLine(view(snapshot('crashloop')))).toMatch(/\(pods: \d+ CrashLoopBackOff\)\n$/);
  });
});

describe('renderDetail', () => {
  it('names the deployment, state, revision, deploy-id, images, strategy and both ReplicaSets', () => {
    const v = view(snapshot('rolling-update', 0));
    const text = renderDetail(v);
    expect(text).toContain(`deployment ${v.namespace}/web  InProgress (deploying)  revision ${v.revision}  deploy-id ${v.id}`);
    expect(text).toContain('images:    registry.example/web:2');
    expect(text).toContain('strategy:  RollingUpdate maxSurge=1 maxUnavailable=0');
    expect(text).toMatch(/new {2}web-\w+ {2}revision 2/);
    expect(text).toMatch(/old {2}web-\w+ {2}revision 1/);
    expect(text).not.toContain('\x1b[');
  });

  it('lists permanent pod errors with their message', () => {
    const text = renderDetail(view(snapshot('image-not-found')));
    expect(text).toMatch(/\(app\): (ErrImagePull|ImagePullBackOff) \[permanent\]: .*manifest unknown/);
  });

  it('colours only when asked', () => {
    expect(renderDetail(view(snapshot('rolling-update', -1)), { paint: paint(true) })).toContain('\x1b[32mCompleted');
  });
});

describe('a container the runtime cannot start (start-error), printed', () => {
  const RUNC =
    'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory';

  it("fails with the runtime's words in text, marked permanent, and exits 1", () => {
    const v = view(snapshot('start-error'));
    const text = renderDetail(v);
    expect(text).toContain('Failed (failed)');
    expect(text).toContain(`  deployment "badconfig" failed: the new pod is stuck on RunContainerError: ${RUNC}`);
    const pod = v.podProblems[0]!.pod;
    expect(text.split('\n')).toContain(`    ${pod} (app): RunContainerError [permanent]: ${RUNC}`);
    expect(exitCodeOf([v.rollout_status], undefined)).toBe(1);
  });

  it('carries the problem in the JSON document', () => {
    const doc = JSON.parse(renderJson(toDocument([view(snapshot('start-error'))], true)));
    expect(doc).toMatchObject({ status: 'failed', rollout_status: 'Failed', reason: 'RunContainerError' });
    expect(doc.podProblems).toEqual([
      { pod: expect.stringMatching(/^badconfig-/), container: 'app', reason: 'RunContainerError', message: RUNC, permanent: true },
    ]);
  });
});

describe('renderProgress (TTY)', () => {
  it('draws a bar of available new replicas and the time left', () => {
    const v = view(snapshot('never-ready'));
    const text = renderProgress(v, { width: 200 });
    expect(text.split('\n')).toHaveLength(3);
    expect(text).toMatch(/^slow \[[█▒░]{20}\] 0\/2 available {2}InProgress {2}\d+s left\n/);
  });

  it('fills the bar when complete', () => {
    expect(renderProgress(view(snapshot('rolling-update', -1)))).toContain(`[${'█'.repeat(20)}] 3/3 available`);
  });
});

describe('renderTable', () => {
  it('one row per Deployment, aligned, with the reason of those not done', () => {
    const rows = renderTable([view(snapshot('rolling-update', -1)), view(snapshot('paused'))])
      .trimEnd()
      .split('\n');
    expect(rows[0]).toMatch(/^NAME\s+STATE\s+STATUS\s+REVISION\s+UP-TO-DATE\s+READY\s+AVAILABLE\s+DEADLINE\s+DEPLOY-ID\s+REASON$/);
    expect(rows[1]).toMatch(/^web\s+Completed\s+ready\s+2\s+3\/3\s+3\/3\s+3\s+-\s+\S+$/);
    expect(rows[2]).toMatch(/^paused\s+Paused\s+deploying\s+1\s+0\/3\s+3\/3\s+3\s+-\s+\S+\s+DeploymentPaused$/);
    expect(rows[1]!.indexOf('Completed')).toBe(rows[2]!.indexOf('Paused'));
  });
});

describe('the JSON and YAML documents', () => {
  it('has the documented shape for one Deployment', () => {
    const v = view(snapshot('rolling-update', -1));
    const doc = JSON.parse(renderJson(toDocument([v], true)));
    expect(doc).toMatchObject({
      kind: 'Deployment',
      id: v.id,
      status: 'ready',
      rollout_status: 'Completed',
      replicas: { desired: 3, updated: 3, ready: 3, available: 3 },
      revision: 2,
      reason: 'NewReplicaSetAvailable',
      deadline: null,
    });
    expect(Object.keys(doc).slice(0, 8)).toEqual(['kind', 'name', 'namespace', 'id', 'status', 'rollout_status', 'reason', 'message']);
    expect(Array.isArray(doc.conditions) && Array.isArray(doc.replicaSets) && Array.isArray(doc.podProblems)).toBe(true);
  });

  it('lists several Deployments under items with the worst state on top', () => {
    const doc = toDocument([view(snapshot('rolling-update', -1)), view(snapshot('deadline-exceeded'))], false) as { rollout_status: string; items: unknown[] };
    expect(doc.rollout_status).toBe('Timeout');
    expect(doc.items).toHaveLength(2);
  });

  it('YAML carries the same document', () => {
    const doc = toDocument([view(snapshot('paused'))], true);
    expect(parseYaml(stringify(doc))).toEqual(JSON.parse(renderJson(doc)));
  });
});
