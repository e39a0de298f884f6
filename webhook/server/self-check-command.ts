// `paas-webhook self-check`: the leader's self-check as a command (the chart's `helm test` runs it
// in the webhook's own image, with its ServiceAccount). Passes once a server-side dry run of the
// probe comes back mutated and, with --expect-armed, the configuration holds the policy's entries;
// retries every 2 s until --timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject } from '../../core/policy/index.js';
import { Entry } from './arming.js';
import { kubeArmGateway } from './arming-loop.js';
import { ServeError } from './serve-options.js';
import { kubeOf } from './startup.js';

/** What the command is told. */
export interface SelfCheckOptions {
  namespace: string;
  configuration: string;
  expectArmed: boolean;
  timeoutSeconds: number;
  kubeconfig?: string;
}

/** The policy entries a configuration holds, with their failure policies, as one line; undefined when not armed. */
export function armedLine(configuration: JsonObject | undefined): string | undefined {
  const hooks = (Array.isArray(configuration?.webhooks) ? configuration.webhooks : []).filter(
    (h): h is JsonObject => typeof h === 'object' && h !== null && !Array.isArray(h),
  );
  const parts: string[] = [];
  for (const name of [Entry.enforce, Entry.warn]) {
    const hook = hooks.find((h) => h.name === name);
    if (!hook) return undefined;
    parts.push(`${name} (failurePolicy ${typeof hook.failurePolicy === 'string' ? hook.failurePolicy : 'Fail'})`);
  }
  return parts.join(', ');
}

/** Runs the check until it passes or the time is up; resolves the lines to print, throws ServeError with the last reason. */
export async function runSelfCheckCommand(o: SelfCheckOptions, env: Readonly<Record<string, string | undefined>>): Promise<string[]> {
  const kube = await kubeOf(o, env);
  if (!kube) throw new ServeError('self-check needs the Kubernetes API: run in a cluster (ServiceAccount) or pass --kubeconfig');
  const gateway = kubeArmGateway(kube, { configuration: o.configuration, namespace: o.namespace });
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  let last: string;
  try {
    for (;;) {
      const check = await gateway.selfCheck();
      if (check.ok) {
        if (!o.expectArmed) return [check.detail];
        const armed = armedLine(await gateway.readConfiguration().catch(() => undefined));
        if (armed) return [check.detail, `armed: ${armed}`];
        last = `MutatingWebhookConfiguration ${o.configuration} is not armed yet (no ${Entry.enforce} and ${Entry.warn} entries)`;
      } else {
        last = check.reason;
      }
      if (Date.now() + 2000 > deadline) throw new ServeError(`self-check failed after ${o.timeoutSeconds} s: ${last}`);
      await sleep(2000);
    }
  } finally {
    kube.close();
  }
}
