// The next commands a diagnosis suggests, ready to paste: kubectl lines naming the rollout's
// namespace, its new pods (by deploy-id) and the objects a finding's details name. Pure.
import { RESOURCE_WORD, resourceArg, WorkloadKind } from '../kube/workloads.js';
import { newPodsSelector, nsFlag, type RolloutContext } from './context.js';
import type { DetailsByCode } from './details.js';
import { AdmissionBy, ConfigMissing } from './messages.js';
import { isScheduling, type PodIssue, type PodIssueOf, type SchedulingCode } from './pod-issue.js';

/** The new pods' logs, every container (`previous`: of the run before the last restart): this
 * plugin's `logs` of a Deployment, by the rollout's deploy-id when it has one; kubectl's by the
 * current revision's labels for a StatefulSet or DaemonSet. */
function logsCommand(ctx: RolloutContext, previous = false): string {
  if (ctx.kind !== WorkloadKind.Deployment) {
    return `kubectl logs ${nsFlag(ctx)} -l ${newPodsSelector(ctx)} --all-containers --prefix${previous ? ' --previous' : ''} --tail=100`;
  }
  const rollout = ctx.deployId ? `--deploy-id ${ctx.deployId}` : '--new';
  return `kubectl paas logs ${ctx.workload.metadata.name} ${nsFlag(ctx)} ${rollout}${previous ? ' --previous' : ''} --tail=100`;
}

/** The workload as kubectl's commands take it: `deployment/web`, `statefulset/db`. */
export function workloadArg(ctx: RolloutContext): string {
  return resourceArg(ctx.kind, ctx.workload.metadata.name);
}

/** Back to the previous revision, when there is one (at a first revision kubectl refuses): none or one command. */
export function undoCommands(ctx: RolloutContext): string[] {
  return ctx.undoTo === undefined ? [] : [`kubectl rollout undo ${workloadArg(ctx)} ${nsFlag(ctx)}`];
}

export function describePod(ctx: RolloutContext, pod: string): string {
  return `kubectl describe pod ${pod} ${nsFlag(ctx)}`;
}

export function describeReplicaSet(ctx: RolloutContext, name: string): string {
  return `kubectl describe replicaset ${name} ${nsFlag(ctx)}`;
}

/** Follow the rollout with this plugin (a Deployment by its bare name, as always). */
export function statusCommand(ctx: RolloutContext): string {
  const what = ctx.kind === WorkloadKind.Deployment ? ctx.workload.metadata.name : workloadArg(ctx);
  return `kubectl paas rollout status ${what} ${nsFlag(ctx)}`;
}

/** What to run for a problem of the new pods, after `kubectl describe pod` of the first one. */
export function podIssueCommands(ctx: RolloutContext, issue: PodIssue): string[] {
  const undo = undoCommands(ctx);
  if (isScheduling(issue)) return schedulingCommands(ctx, issue, undo);
  switch (issue.code) {
    case 'ImagePullFailed':
    case 'StartFailed':
      return undo;
    case 'ConfigError':
      return [...configCommands(ctx, issue.details), ...undo];
    case 'UnknownWaitingReason':
      return [];
    case 'OOMKilled':
    case 'CrashLoop':
    case 'LivenessProbeKilling':
    case 'InitContainerFailing':
      return [logsCommand(ctx, true), ...undo];
    case 'ReadinessProbeFailing':
      return [logsCommand(ctx), ...undo];
    case 'ProbeErrored':
      return [
        `kubectl get ${RESOURCE_WORD[ctx.kind]} ${ctx.workload.metadata.name} ${nsFlag(ctx)} -o jsonpath='{.spec.template.spec.containers[?(@.name=="${issue.details.container}")].${issue.details.probe}Probe}'`,
      ];
    case 'VolumeProblem':
      return [`kubectl get pvc ${nsFlag(ctx)}`];
    case 'SandboxFailed':
      return [issue.details.node ? `kubectl describe node ${issue.details.node}` : 'kubectl get nodes'];
    case 'SchedulingGated':
      return [`kubectl get pods ${nsFlag(ctx)} -l ${newPodsSelector(ctx)} -o jsonpath='{.items[*].spec.schedulingGates}'`];
    case 'NodeNotReady':
      return [`kubectl describe node ${issue.details.node}`, ...undo];
    case 'Evicted':
      return [`kubectl get pods ${nsFlag(ctx)} -l ${newPodsSelector(ctx)} --field-selector=status.phase=Failed`, ...undo];
    case 'ReadinessGatesPending':
      return [`kubectl get pods ${nsFlag(ctx)} -l ${newPodsSelector(ctx)} -o jsonpath='{.items[*].status.conditions}'`];
  }
}

/** A pod no node takes: the nodes (a DaemonSet's pod: its own node), and back; a spread the
 * scheduler cannot meet: the nodes by its topology key, and where the pods run. */
function schedulingCommands(ctx: RolloutContext, issue: PodIssueOf<SchedulingCode>, undo: string[]): string[] {
  if (issue.code === 'Unschedulable') return ['kubectl describe nodes', ...undo];
  if (issue.code === 'TopologySpreadUnsatisfiable')
    return [`kubectl get nodes -L ${issue.details.constraint.topologyKey}`, `kubectl get pods ${nsFlag(ctx)} -l ${ctx.selector} -o wide`];
  return issue.details.targetNodes.length ? [`kubectl describe node ${issue.details.targetNodes[0]}`] : ['kubectl describe nodes'];
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
