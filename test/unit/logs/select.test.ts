// `kubectl paas logs`: which ReplicaSets, pods and container instances make up one rollout,
// over snapshots captured from a real control plane (test/fixtures/rollout/capture.ts).
import { describe, expect, it } from 'vitest';
import type { Pod, ReplicaSet } from '../../../plugin/kube/objects.js';
import { formatLine, logStreams, podsOf, rolloutGone, selectReplicaSets, type Selection } from '../../../plugin/logs/select.js';
import { snapshot } from '../rollout/fixtures.js';

/** rolling-update, mid-way: web:1 (revision 1) has 2 pods wanted, web:2 (revision 2) its first. */
const mid = snapshot('rolling-update', 1);
/** rollover: revision 3 replaced a stuck revision 2; revision 1 still runs. */
const rollover = snapshot('rollover', 1);

/** A ReplicaSet of a snapshot by its name (the names below are read off the fixture files). */
const rsNamed = (s: { replicaSets: ReplicaSet[] }, name: string): ReplicaSet => {
  const rs = s.replicaSets.find((r) => r.metadata?.name === name);
  if (!rs) throw new Error(`no ReplicaSet ${name} in the snapshot`);
  return rs;
};

const names = (r: ReturnType<typeof selectReplicaSets>): string[] | string => ('error' in r ? r.error : r.replicaSets.map((rs) => rs.metadata!.name!));

describe('selectReplicaSets', () => {
  // rollover[1]: roll-7df5895f7 is revision 3 (the template's), roll-7c7c557cd revision 2 (stuck,
  // scaled to 0), roll-b5fd469f7 revision 1 (3 pods).
  const rows: { name: string; sel: Selection; want: string[] | string }[] = [
    { name: '--new: the ReplicaSet of the current template', sel: { kind: 'new' }, want: ['roll-7df5895f7'] },
    { name: '--old: only old ReplicaSets that still want or have pods', sel: { kind: 'old' }, want: ['roll-b5fd469f7'] },
    {
      name: '--deploy-id: the ReplicaSet stamped with it, even one scaled to 0',
      sel: { kind: 'deployId', id: 'roll-registryexampleroll2' },
      want: ['roll-7c7c557cd'],
    },
    { name: '--revision: the ReplicaSet holding it', sel: { kind: 'revision', revision: 2 }, want: ['roll-7c7c557cd'] },
    {
      name: '--deploy-id none has: names the Deployment and where to look',
      sel: { kind: 'deployId', id: 'nope' },
      want: 'no ReplicaSet of deployment "roll" has deploy-id nope (kubectl paas rollout history lists them)',
    },
    {
      name: '--revision none holds',
      sel: { kind: 'revision', revision: 9 },
      want: 'deployment "roll" has no revision 9 left (kubectl paas rollout history lists them)',
    },
  ];
  it.each(rows)('$name', ({ sel, want }) => {
    expect(names(selectReplicaSets(rollover.deployment, rollover.replicaSets, sel))).toEqual(want);
  });

  it('--old once the rollout is over: an error, not an empty read', () => {
    const done = snapshot('rolling-update', -1);
    expect(names(selectReplicaSets(done.deployment, done.replicaSets, { kind: 'old' }))).toBe('deployment "web" has no old pods: no rollout is replacing them');
  });
});

describe('pods and log streams', () => {
  // rolling-update[1]: web-5fb7585ddc is revision 2 (the template's), web-5d56585dc5 revision 1.
  const newRS = rsNamed(mid, 'web-5fb7585ddc');
  const oldRSs = [rsNamed(mid, 'web-5d56585dc5')];

  it('splits the pods by rollout: every pod of the snapshot in exactly one of new and old', () => {
    expect(podsOf([newRS], mid.pods).map((p) => p.metadata!.name)).toEqual(['web-5fb7585ddc-p69dj', 'web-5fb7585ddc-v54sw']);
    expect(podsOf(oldRSs, mid.pods).map((p) => p.metadata!.name)).toEqual(['web-5d56585dc5-prl8k', 'web-5d56585dc5-wcphr']);
  });

  const pod = (name: string, statuses: Pod['status']): Pod => ({
    metadata: { name, uid: `uid-${name}` },
    spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'app' }, { name: 'sidecar' }] },
    status: statuses,
  });
  const running = { state: { running: {} }, restartCount: 0 };
  const p = pod('p', {
    initContainerStatuses: [{ name: 'init', state: { terminated: { exitCode: 0 } }, restartCount: 0 }],
    containerStatuses: [
      { name: 'app', ...running, restartCount: 2, lastState: { terminated: { exitCode: 1 } } },
      { name: 'sidecar', state: { waiting: { reason: 'PodInitializing' } }, restartCount: 0 },
    ],
  });

  const rows = [
    {
      name: 'every container that has run, init first; one not started yet is left for later',
      which: { kind: 'all' },
      previous: false,
      want: ['p/init/uid-p/init/0', 'p/app/uid-p/app/2'],
    },
    { name: '--previous: only containers with a run before the last restart', which: { kind: 'all' }, previous: true, want: ['p/app/uid-p/app/2'] },
    { name: '-c NAME', which: { kind: 'named', name: 'app' }, previous: false, want: ['p/app/uid-p/app/2'] },
    { name: "kubectl's default: the first container", which: { kind: 'default' }, previous: false, want: ['p/app/uid-p/app/2'] },
  ] as const;
  it.each(rows)('$name', ({ which, previous, want }) => {
    expect(logStreams([p], which, previous).map((s) => `${s.pod}/${s.container}/${s.key}`)).toEqual(want);
  });

  it('a restart is a new stream (the restart count is in the key)', () => {
    const again = structuredClone(p);
    again.status!.containerStatuses![0]!.restartCount = 3;
    expect(logStreams([again], { kind: 'named', name: 'app' }, false)[0]!.key).not.toBe(logStreams([p], { kind: 'named', name: 'app' }, false)[0]!.key);
  });

  it('a rollout is gone once its ReplicaSets want no pod and none is left', () => {
    const done = snapshot('rolling-update', -1);
    expect(rolloutGone([rsNamed(done, 'web-5d56585dc5')], done.pods)).toBe(true);
    expect(rolloutGone(oldRSs, mid.pods)).toBe(false);
  });

  it('writes lines with kubectl’s [pod/NAME/CONTAINER] prefix, bare, or as JSON', () => {
    const s = { key: 'k', pod: 'web-1', container: 'app' };
    expect(formatLine(s, 'hello', { prefix: true, json: false })).toBe('[pod/web-1/app] hello\n');
    expect(formatLine(s, 'hello', { prefix: false, json: false })).toBe('hello\n');
    expect(JSON.parse(formatLine(s, 'a "q"', { prefix: true, json: true }))).toEqual({ pod: 'web-1', container: 'app', line: 'a "q"' });
  });
});
