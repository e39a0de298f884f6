// Warn mode's words, from the real engine: every change `checkDeployment` finds becomes one
// "would ..." line, and each line says what the enforce path's warning says it did.
import { describe, expect, it } from 'vitest';
import { checkDeployment, wouldLine, wouldLines } from '../../../core/policy/index.js';
import { deployment, mutate, policy } from './fixtures.js';

describe('wouldLines over the engine', () => {
  it.each([
    {
      name: 'a plain Deployment (API defaults): every rule',
      object: deployment(),
      facts: { nativeSleep: true },
      want: [
        'paas: would change maxSurge 25% -> 1',
        'paas: would change maxUnavailable 25% -> 0',
        'paas: would add preStop sleep 5 to container app',
        'paas: would add readinessProbe GET / on port 8080 to container app',
        'paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template',
      ],
    },
    {
      name: 'Recreate, a short deadline and grace period, exec sleep',
      object: deployment({
        spec: { strategy: { type: 'Recreate' }, progressDeadlineSeconds: 120 },
        podSpec: { terminationGracePeriodSeconds: 10 },
        containers: [{ name: 'api', image: 'api:1', ports: [{ name: 'http', containerPort: 3000 }], readinessProbe: { tcpSocket: { port: 3000 } } }],
      }),
      facts: { nativeSleep: false },
      want: [
        'paas: would change strategy Recreate -> RollingUpdate (maxSurge 1, maxUnavailable 0)',
        'paas: would change progressDeadlineSeconds 120 -> 600',
        'paas: would add preStop exec "sleep 5" (image needs a sleep binary) to container api',
        'paas: would change terminationGracePeriodSeconds 10 -> 30',
        'paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template',
      ],
    },
    {
      name: 'a native sidecar gets its preStop too',
      object: deployment({
        spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, progressDeadlineSeconds: 600 },
        podSpec: {
          initContainers: [{ name: 'proxy', image: 'envoy:1', restartPolicy: 'Always' }],
          topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }],
        },
        containers: [{ name: 'app', image: 'app:1', readinessProbe: { httpGet: { path: '/', port: 80 } }, lifecycle: { preStop: { sleep: { seconds: 5 } } } }],
      }),
      facts: { nativeSleep: true },
      want: ['paas: would add preStop sleep 5 to sidecar proxy'],
    },
  ])('$name', ({ object, facts, want }) => {
    const check = checkDeployment(object, policy(), facts);
    expect(wouldLines(check.violations)).toEqual(want);
    // The same changes the enforce path makes and announces, one line for one line.
    const enforced = mutate(object, { nativeSleep: facts.nativeSleep }).warnings.filter((w) => !w.startsWith('paas: container '));
    expect(enforced).toHaveLength(want.length);
  });

  it('a compliant Deployment yields no line', () => {
    const fixed = mutate(deployment()).object;
    expect(wouldLines(checkDeployment(fixed, policy(), { nativeSleep: true }).violations)).toEqual([]);
  });

  it.each([
    { message: 'paas: maxSurge 25% -> 1', want: 'paas: would change maxSurge 25% -> 1' },
    { message: 'paas: readinessProbe TCP on port 5432 added to container db', want: 'paas: would add readinessProbe TCP on port 5432 to container db' },
    // A header value may hold the separator; a container name (an RFC 1123 label) cannot: the last one is the engine's.
    {
      message: 'paas: readinessProbe GET / on port 80 with X-Note: added to cart added to container web',
      want: 'paas: would add readinessProbe GET / on port 80 with X-Note: added to cart to container web',
    },
    { message: 'a line without the prefix', want: 'paas: would change a line without the prefix' },
  ])('wouldLine($message)', ({ message, want }) => {
    expect(wouldLine({ message })).toBe(want);
  });
});
