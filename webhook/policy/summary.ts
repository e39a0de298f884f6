// `policy show`: the effective policy as plain data (for -o json|yaml) and as rules in words.
import { TOML_KEY } from './config.js';
import { ANNOTATION, LABEL, OPT_OUT_VALUE } from './overrides.js';
import { graceSeconds, PROBE_TIMING, SHUTDOWN_SECONDS } from './rules.js';
import type { ClusterFacts, PaasConfig, Policy } from './types.js';

/** The effective configuration under paas.toml's own key names, and what it does. */
export interface PolicySummary {
  deploy: Record<string, string | number>;
  webhook: { on_error: string; max_body_bytes: number; drain_seconds: number };
  /** One line per rule, in the order the engine applies them. */
  rules: { rule: string; effect: string }[];
}

/** Summarizes the policy a config yields; `facts` decides how `prestop_mode = "auto"` reads. */
export function summarizePolicy(config: PaasConfig, facts?: ClusterFacts): PolicySummary {
  const p = config.deploy;
  const deploy: Record<string, string | number> = {};
  for (const key of Object.keys(TOML_KEY) as (keyof Policy)[]) deploy[TOML_KEY[key]] = p[key];
  const grace = graceSeconds(p);
  const hook = preStopText(p, facts);
  const probe =
    p.readinessProbe === 'off'
      ? 'none added (readiness_probe = "off")'
      : `${p.readinessProbe === 'http' ? `HTTP GET ${p.readinessProbePath}` : 'TCP'} on the first TCP port (one named "http" ` +
        `first), initialDelay ${PROBE_TIMING.initialDelaySeconds}s, period ${PROBE_TIMING.periodSeconds}s, ` +
        `${PROBE_TIMING.failureThreshold} failures; only containers with none that declare a port`;
  return {
    deploy,
    webhook: {
      on_error: config.webhook.onError,
      max_body_bytes: config.webhook.maxBodyBytes,
      drain_seconds: config.webhook.drainSeconds,
    },
    rules: [
      { rule: 'strategy', effect: `RollingUpdate, maxSurge ${p.surge}, maxUnavailable ${p.maxUnavailable} (Recreate is converted)` },
      { rule: 'progressDeadlineSeconds', effect: String(p.timeout) },
      { rule: 'readinessProbe', effect: probe },
      { rule: 'preStop', effect: `${hook} on containers and native sidecars without a preStop hook` },
      { rule: 'terminationGracePeriodSeconds', effect: `at least ${grace} (and longest preStop sleep + ${SHUTDOWN_SECONDS}); never lowered` },
      { rule: `label ${LABEL.deployId}`, effect: 'a UUID per rollout on the pod template (webhook only)' },
      { rule: 'opt out', effect: `label ${LABEL.rolloutPolicy}=${OPT_OUT_VALUE} on the Deployment` },
      { rule: 'overrides', effect: `annotations ${Object.values(ANNOTATION).join(', ')}` },
    ],
  };
}

function preStopText(p: Policy, facts: ClusterFacts | undefined): string {
  if (p.prestopSleep === 0) return 'none added (prestop_sleep = 0)';
  const native = `sleep action ${p.prestopSleep}s`;
  const exec = `exec "sleep ${p.prestopSleep}"`;
  if (p.prestopMode === 'sleep') return native;
  if (p.prestopMode === 'exec') return exec;
  if (facts) return facts.nativeSleep ? native : exec;
  return `${native} (${exec} where the cluster lacks it)`;
}
