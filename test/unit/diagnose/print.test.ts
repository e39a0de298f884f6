import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { DIAGNOSIS_SCHEMA, diagnosisJson, diagnosisText, exitCodeOf, timelineText } from '../../../plugin/diagnose/print.js';
import { Verdict } from '../../../plugin/diagnose/findings.js';
import { loadFixture } from './fixtures.js';

import { validate, type Schema } from './schema-check.js';

const FIXTURES = [
  'image-not-found',
  'quota-exceeded',
  'unschedulable-cpu',
  'healthy',
  'progressing',
  'mixed-pull-and-deadline',
  'superseded',
  'paused',
  'start-failed',
];

describe('-o json', () => {
  it.each(FIXTURES)('%s matches the documented schema, with and without --events', (name) => {
    const { snapshot, now } = loadFixture(name);
    const d = diagnose(snapshot, now);
    for (const withEvents of [false, true]) {
      const doc = JSON.parse(diagnosisJson(d, withEvents)) as Record<string, unknown>;
      expect(validate(DIAGNOSIS_SCHEMA as unknown as Schema, doc)).toEqual([]);
      expect('events' in doc).toBe(withEvents);
      expect(doc.exitCode).toBe(exitCodeOf(d.verdict));
    }
  });

  it('the validator catches a document that breaks the schema', () => {
    const { snapshot, now } = loadFixture('healthy');
    const doc = JSON.parse(diagnosisJson(diagnose(snapshot, now), false)) as Record<string, unknown>;
    delete (doc.replicas as Record<string, unknown>).desired;
    doc.extra = 1;
    expect(validate(DIAGNOSIS_SCHEMA as unknown as Schema, doc)).toEqual(['$.replicas.desired: missing', '$.extra: not in the schema']);
  });

  it('the validator catches a document that names no workload, or two', () => {
    const { snapshot, now } = loadFixture('healthy');
    const doc = JSON.parse(diagnosisJson(diagnose(snapshot, now), false)) as Record<string, unknown>;
    const none = { ...doc };
    delete none.deployment;
    expect(validate(DIAGNOSIS_SCHEMA as unknown as Schema, none)).toEqual(['$: holds 0 of oneOf, not exactly one']);
    const two = { ...doc, daemonSet: { namespace: 'shop', name: 'web', updateStrategy: 'RollingUpdate' } };
    expect(validate(DIAGNOSIS_SCHEMA as unknown as Schema, two)).toEqual(['$: holds 2 of oneOf, not exactly one']);
  });

  it('exit code is 1 only when problems were found', () => {
    expect([Verdict.Healthy, Verdict.Progressing, Verdict.Problems].map(exitCodeOf)).toEqual([0, 0, 1]);
  });
});

describe('text', () => {
  it('leads with the root cause, then the evidence once for all pods, then the next commands', () => {
    const { snapshot, now } = loadFixture('image-not-found');
    const text = diagnosisText(diagnose(snapshot, now), { color: false, events: false, now });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Deployment shop/web  revision 1  new ReplicaSet web-7d4f8b9c6  deploy-id 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10');
    expect(lines[1]).toBe('Replicas: 3 desired, 3 updated, 0 ready, 0 available, 0 old');
    expect(lines[2]).toBe('Verdict: 1 problem found');
    expect(text).toContain('✖ ImagePullFailed  3/3 new pods: ImagePullBackOff (manifest unknown)');
    expect(text).toMatch(/Warning Failed ×15 on 3 pods \(first 9m57s ago, last 2m49s ago\)/);
    expect(text.match(/Failed to pull image "docker\.io\/acme\/web:v2"/g)).toHaveLength(1);
    expect(text).toContain('kubectl describe pod web-7d4f8b9c6-9qv7d -n shop');
    expect(text).not.toContain('\x1b[');
  });

  it('names a container that cannot start, its command and image, and no logs to read', () => {
    const { snapshot, now } = loadFixture('start-failed');
    const d = diagnose(snapshot, now);
    const text = diagnosisText(d, { color: false, events: false, now });
    expect(text).toContain('Verdict: 1 problem found');
    expect(text).toContain('✖ StartFailed  1/1 new pods: RunContainerError (exec: "/nope": stat /nope: no such file or directory)');
    expect(text).toContain('The executable /nope is not in the image ghcr.io/acme/web:v2, and the container runs its command ["/nope"].');
    expect(text).not.toMatch(/kubectl (paas )?logs|Nothing is wrong|Progressing/);
    const doc = JSON.parse(diagnosisJson(d, false));
    expect(doc).toMatchObject({ verdict: 'Problems', exitCode: 1 });
    expect(doc.findings[0]).toMatchObject({
      code: 'StartFailed',
      severity: 'error',
      details: {
        container: 'app',
        image: 'ghcr.io/acme/web:v2',
        command: ['/nope'],
        args: null,
        reason: 'RunContainerError',
        startFailure: 'executable-not-found',
        executable: '/nope',
        exitCode: 128,
        runtimeMessage:
          'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory',
      },
    });
    expect(exitCodeOf(d.verdict)).toBe(1);
  });

  it('colours only when asked', () => {
    const { snapshot, now } = loadFixture('crashloop');
    const d = diagnose(snapshot, now);
    expect(diagnosisText(d, { color: true, events: false, now })).toContain('\x1b[31m✖ CrashLoop\x1b[39m');
    expect(diagnosisText(d, { color: false, events: false, now })).not.toContain('\x1b[');
  });

  it('says healthy plainly', () => {
    const { snapshot, now } = loadFixture('healthy');
    const text = diagnosisText(diagnose(snapshot, now), { color: false, events: false, now });
    expect(text).toContain('Verdict: healthy');
    expect(text).toContain('✓ Healthy  successfully rolled out: 3/3 pods available on revision 2');
  });

  it('appends the event timeline with --events, oldest first', () => {
    const { snapshot, now } = loadFixture('quota-exceeded');
    const text = diagnosisText(diagnose(snapshot, now), { color: false, events: true, now });
    const tl = text.slice(text.indexOf('Events (oldest first):'));
    const rows = tl.split('\n').slice(2).filter(Boolean);
    expect(tl.split('\n')[1]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(rows[0]).toMatch(/Normal\s+ScalingReplicaSet\s+Deployment\/web\s+Scaled up replica set web-7d4f8b9c6 from 0 to 1/);
    expect(rows[1]).toMatch(/Warning\s+FailedCreate ×18\s+ReplicaSet\/web-7d4f8b9c6\s+Error creating: pods "web-7d4f8b9c6-8xk2q" is forbidden: exceeded quota/);
  });

  it('says so when there are no events', () => {
    expect(timelineText([], new Date())).toMatch(/^No events/);
  });
});
