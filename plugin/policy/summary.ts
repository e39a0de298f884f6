// `policy show`: the effective policy as plain data (for -o json|yaml), with the rules it yields
// in words. The words are the CLI's; the figures come from the engine (core/policy/index.ts)
// and the webhook's settings (core/config.ts), so what is shown is what is enforced.
import { WEBHOOK_TOML_KEY, type PaasConfig } from '../../core/config.js';
import {
  ANNOTATION,
  BudgetMode,
  graceSeconds,
  MIN_BUDGET_REPLICAS,
  LABEL,
  OPT_OUT_VALUE,
  PreStopMode,
  PROBE_TIMING,
  ProbeKind,
  SHUTDOWN_SECONDS,
  SPREAD_OFF,
  TOML_KEY,
  type ClusterFacts,
  type Policy,
} from '../../core/policy/index.js';

/** The effective configuration under paas.toml's own key names, and what it does. */
export interface PolicySummary {
  deploy: Record<string, string | number | Record<string, string>>;
  webhook: Record<string, string | number | readonly string[]>;
  /** One line per rule, in the order the engine applies them. */
  rules: { rule: string; effect: string }[];
}

/** Summarizes the policy a config yields; `facts` decides how `prestop_mode = "auto"` reads. */
export function summarizePolicy(config: PaasConfig, facts?: ClusterFacts): PolicySummary {
  const p = config.deploy;
  const deploy: PolicySummary['deploy'] = {};
  for (const key of Object.keys(TOML_KEY) as (keyof Policy)[]) {
    const v = p[key];
    // The headers as paas.toml writes them: a table of names to values.
    deploy[TOML_KEY[key]] = typeof v === 'object' ? Object.fromEntries(v.map((h) => [h.name, h.value])) : v;
  }
  const webhook: PolicySummary['webhook'] = {};
  for (const key of Object.keys(WEBHOOK_TOML_KEY) as (keyof PaasConfig['webhook'])[]) webhook[WEBHOOK_TOML_KEY[key]] = config.webhook[key];
  return {
    deploy,
    webhook,
    rules: [
      { rule: 'strategy', effect: `RollingUpdate, maxSurge ${p.surge}, maxUnavailable ${p.maxUnavailable} (Recreate is converted)` },
      { rule: 'progressDeadlineSeconds', effect: String(p.timeout) },
      { rule: 'readinessProbe', effect: probeText(p) },
      { rule: 'preStop', effect: `${preStopText(p, facts)} on containers and native sidecars without a preStop hook` },
      { rule: 'terminationGracePeriodSeconds', effect: `at least ${graceSeconds(p)} (and longest preStop sleep + ${SHUTDOWN_SECONDS}); never lowered` },
      { rule: 'topologySpreadConstraints', effect: spreadText(p) },
      { rule: 'PodDisruptionBudget', effect: budgetText(p) },
      { rule: `label ${LABEL.deployId}`, effect: 'a UUID per rollout on the pod template (webhook only)' },
      { rule: 'opt out', effect: `label ${LABEL.rolloutPolicy}=${OPT_OUT_VALUE} on the Deployment` },
      { rule: 'overrides', effect: `annotations ${Object.values(ANNOTATION).join(', ')}` },
    ],
  };
}

function probeText(p: Policy): string {
  if (p.readinessProbe === ProbeKind.off) return 'none added (readiness_probe = "off")';
  const headers = p.readinessProbeHeaders.length > 0 ? ` with ${p.readinessProbeHeaders.map((h) => `${h.name}: ${h.value}`).join(', ')}` : '';
  const how = p.readinessProbe === ProbeKind.http ? `HTTP GET ${p.readinessProbePath}${headers}` : 'TCP';
  return (
    `${how} on the first TCP port (one named "http" first), initialDelay ${PROBE_TIMING.initialDelaySeconds}s, ` +
    `period ${PROBE_TIMING.periodSeconds}s, ${PROBE_TIMING.failureThreshold} failures; only containers with none that declare a port`
  );
}

function spreadText(p: Policy): string {
  if (p.topologySpread === SPREAD_OFF) return 'none added (topology_spread = "off")';
  return `across ${p.topologySpread}, maxSkew 1, ScheduleAnyway, over the Deployment's selector and pod-template-hash; only where the pod template has none`;
}

function budgetText(p: Policy): string {
  if (p.disruptionBudget === BudgetMode.off) return 'none kept (disruption_budget = "off")';
  return `maxUnavailable 1, unhealthyPodEvictionPolicy AlwaysAllow, for ${MIN_BUDGET_REPLICAS} or more replicas, kept by the webhook (none where one of yours selects the pods)`;
}

function preStopText(p: Policy, facts: ClusterFacts | undefined): string {
  if (p.prestopSleep === 0) return 'none added (prestop_sleep = 0)';
  const native = `sleep action ${p.prestopSleep}s`;
  const exec = `exec "sleep ${p.prestopSleep}"`;
  if (p.prestopMode === PreStopMode.sleep) return native;
  if (p.prestopMode === PreStopMode.exec) return exec;
  if (facts) return facts.nativeSleep ? native : exec;
  return `${native} (${exec} where the cluster lacks it)`;
}
