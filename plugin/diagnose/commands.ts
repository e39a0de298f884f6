// The next commands a diagnosis suggests, ready to paste: kubectl lines naming the rollout's
// namespace, its new pods (by deploy-id) and the objects a finding's details name. Pure.
import { newPodsSelector, nsFlag, type RolloutContext } from './context.js';
import type { DetailsByCode } from './details.js';
import { AdmissionBy, ConfigMissing } from './messages.js';
import type { PodIssue } from './pod-issue.js';

/** The new pods' logs, every container (`previous`: of the run before the last restart): this
 * plugin's `logs`, by the rollout's deploy-id when it has one. */
function logsCommand(ctx: RolloutContext, previous = false): string {
  const rollout = ctx.deployId ? `--deploy-id ${ctx.deployId}` : '--new';
  return `kubectl paas logs ${ctx.dep.metadata.name} ${nsFlag(ctx)} ${rollout}${previous ? ' --previous' : ''} --tail=100`;
}

/** Back to the previous revision. */
export function undoCommand(ctx: RolloutContext): string {
  return `kubectl rollout undo deployment/${ctx.dep.metadata.name} ${nsFlag(ctx)}`;
}

export function describePod(ctx: RolloutContext, pod: string): string {
  return `kubectl describe pod ${pod} ${nsFlag(ctx)}`;
}

export function describeReplicaSet(ctx: RolloutContext, name: string): string {
  return `kubectl describe replicaset ${name} ${nsFlag(ctx)}`;
}

/** Follow the rollout with this plugin. */
export function statusCommand(ctx: RolloutContext): string {
  return `kubectl paas rollout status ${ctx.dep.metadata.name} ${nsFlag(ctx)}`;
}

/** What to run for a problem of the new pods, after `kubectl describe pod` of the first one. */
export function podIssueCommands(ctx: RolloutContext, issue: PodIssue): string[] {
  const undo = undoCommand(ctx);
  switch (issue.code) {
    case 'ImagePullFailed':
    case 'StartFailed':
      return [undo];
    case 'ConfigError':
      return [...configCommands(ctx, issue.details), undo];
    case 'UnknownWaitingReason':
      return [];
    case 'OOMKilled':
    case 'CrashLoop':
    case 'LivenessProbeKilling':
    case 'InitContainerFailing':
      return [logsCommand(ctx, true), undo];
    case 'ReadinessProbeFailing':
      return [logsCommand(ctx), undo];
    case 'ProbeErrored':
      return [
        `kubectl get deployment ${ctx.dep.metadata.name} ${nsFlag(ctx)} -o jsonpath='{.spec.template.spec.containers[?(@.name=="${issue.details.container}")].${issue.details.probe}Probe}'`,
      ];
    case 'Unschedulable':
      return ['kubectl describe nodes', undo];
    case 'TopologySpreadUnsatisfiable':
      return [`kubectl get nodes -L ${issue.details.constraint.topologyKey}`, `kubectl get pods ${nsFlag(ctx)} -l ${ctx.selector} -o wide`];
    case 'VolumeProblem':
      return [`kubectl get pvc ${nsFlag(ctx)}`];
    case 'SandboxFailed':
      return [issue.details.node ? `kubectl describe node ${issue.details.node}` : 'kubectl get nodes'];
    case 'SchedulingGated':
      return [`kubectl get pods ${nsFlag(ctx)} -l ${newPodsSelector(ctx)} -o jsonpath='{.items[*].spec.schedulingGates}'`];
    case 'NodeNotReady':
      return [`kubectl describe node ${issue.details.node}`, undo];
    case 'Evicted':
      return [`kubectl get pods ${nsFlag(ctx)} -l ${newPodsSelector(ctx)} --field-selector=status.phase=Failed`, undo];
    case 'ReadinessGatesPending':
      return [`kubectl get pods ${nsFlag(ctx)} -l ${newPodsSelector(ctx)} -o jsonpath='{.items[*].status.conditions}'`];
  }
}

function configCommands(ctx: RolloutContext, d: DetailsByCode['ConfigError']): string[] {
  if (d.missing === ConfigMissing.ConfigMap || d.missing === ConfigMissing.ConfigMapKey) return [`kubectl get configmap ${d.name} ${nsFlag(ctx)} -o yaml`];
  if (d.missing === ConfigMissing.Secret || d.missing === ConfigMissing.SecretKey) return [`kubectl get secret ${d.name} ${nsFlag(ctx)}`];
  return [];
}

/** What to look at when admission refused the pods. */
export function admissionCommands(ctx: RolloutContext, d: DetailsByCode['AdmissionDenied']): string[] {
  switch (d.by) {
    case AdmissionBy.Webhook:
    case AdmissionBy.WebhookUnreachable:
      return ['kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations'];
    case AdmissionBy.PodSecurity:
      return [`kubectl get namespace ${ctx.ns} --show-labels`];
    case AdmissionBy.ValidatingAdmissionPolicy:
      return [`kubectl get validatingadmissionpolicy ${d.name} -o yaml`, `kubectl get validatingadmissionpolicybinding ${d.binding} -o yaml`];
    case AdmissionBy.LimitRange:
      return [`kubectl describe limitrange ${nsFlag(ctx)}`];
  }
}
