// The prose of a diagnosis: what each finding means and what to do about it, in a sentence or
// three, from the finding's typed details. Detection (pod-issues.ts, create-failures.ts,
// rollout-findings.ts) decides what is wrong; commands.ts names the commands to run next. Pure.
import { PullFailure } from '../kube/image-pull.js';
import type { DetailsByCode, Exceeds, ProbeSpec } from './details.js';
import { AdmissionBy, ProbeFailureKind, QuotaRefusal, StartFailure, VolumeFailureKind } from './messages.js';
import { isScheduling, type PodIssue, type PodIssueOf, type SchedulingCode } from './pod-issue.js';

/** What the prose needs to know besides the details: the namespace and a Deployment's surge
 * (a StatefulSet or DaemonSet replaces its pods without one). */
export interface ExplainFacts {
  ns: string;
  maxSurge?: number | string;
}

/** A probe in words: "GET /ready on port 8080, every 10s, timeout 1s, 3 failures". */
export function probeText(d: ProbeSpec | null | undefined): string {
  if (!d) return 'no probe in the template';
  const where =
    d.type === 'httpGet' ? `GET ${d.path} on port ${d.port}` : d.type === 'exec' ? `exec ${(d.command ?? []).join(' ')}` : `${d.type} port ${d.port}`;
  return `${where}, every ${d.periodSeconds}s, timeout ${d.timeoutSeconds}s, ${d.failureThreshold} failures`;
}

/** What a problem of the new pods means, by its code and details. */
export function explainPodIssue(issue: PodIssue, facts: ExplainFacts): string {
  if (isScheduling(issue)) return explainScheduling(issue, facts);
  switch (issue.code) {
    case 'ImagePullFailed':
      return imagePull(issue.details);
    case 'ConfigError':
      return `The kubelet cannot build the container's configuration: ${issue.details.reason}. Create the missing object or key in namespace ${facts.ns} (the pods start by themselves once it exists), or fix the reference in the pod template.`;
    case 'StartFailed':
      return startFailed(issue.details);
    case 'UnknownWaitingReason': {
      const d = issue.details;
      return `The container ${d.container} waits with reason ${d.reason}, which diagnose does not know${d.message ? `; the kubelet says: ${d.message}` : ''}. It is not counted as progress: read the pod's events and status.`;
    }
    case 'OOMKilled':
    case 'CrashLoop':
    case 'LivenessProbeKilling':
      return explainRestarts(issue);
    case 'ReadinessProbeFailing':
    case 'ProbeErrored':
      return explainProbe(issue);
    case 'VolumeProblem':
      return volume(issue.details);
    case 'SandboxFailed': {
      const d = issue.details;
      return `The container runtime cannot create the pod's sandbox${d.cniPlugin ? ` (network plugin ${d.cniPlugin})` : ''} on node ${d.node ?? '?'}: a node or CNI problem, not the app's.`;
    }
    case 'InitContainerFailing': {
      const d = issue.details;
      return `The init container ${d.container} fails (${d.lastTerminationReason ?? 'Error'}, exit code ${d.exitCode ?? '?'}), so the app containers never start.`;
    }
    default:
      return explainPodState(issue);
  }
}

/** A pod the scheduler does not place: no node fits, a spread it cannot meet, a DaemonSet's own node. */
function explainScheduling(issue: PodIssueOf<SchedulingCode>, facts: ExplainFacts): string {
  switch (issue.code) {
    case 'Unschedulable':
      return unschedulable(issue.details, facts);
    case 'TopologySpreadUnsatisfiable':
      return spreadUnsatisfiable(issue.details);
    case 'DaemonPodUnschedulable':
      return daemonPodUnschedulable(issue.details);
  }
}

/** The problems the pod's own state shows (not one container's). */
function explainPodState(issue: PodIssueOf<'SchedulingGated' | 'NodeNotReady' | 'Evicted' | 'ReadinessGatesPending'>): string {
  switch (issue.code) {
    case 'SchedulingGated':
      return schedulingGated(issue.details);
    case 'NodeNotReady':
      return nodeNotReady(issue.details);
    case 'Evicted':
      return evicted(issue.details);
    case 'ReadinessGatesPending':
      return readinessGates(issue.details);
  }
}

function schedulingGated(d: DetailsByCode['SchedulingGated']): string {
  const gates = d.gates.length > 0 ? d.gates.map((g) => `"${g}"`).join(', ') : 'a scheduling gate';
  return `The new pods carry ${gates} in spec.schedulingGates: the scheduler does not look at a pod until every gate is removed, by the controller that added it (Kueue, a quota or admission controller). If nothing removes it, that controller is down or waiting for something (a quota, a queue); check it, or remove the gate from the pod template if no controller should hold these pods.`;
}

function nodeNotReady(d: DetailsByCode['NodeNotReady']): string {
  const state =
    d.ready === 'Unknown'
      ? `has stopped answering: its kubelet posts no status (Ready: Unknown${d.reason ? `, ${d.reason}` : ''})`
      : d.ready === 'missing'
        ? 'reports no Ready condition'
        : `reports Ready: ${d.ready}${d.reason ? ` (${d.reason}${d.message ? `: ${d.message}` : ''})` : ''}`;
  return `The new pods are bound to node ${d.node}, which ${state}. Their containers cannot start or become Ready there, and the rollout waits on them. It is the node, not the app: check the node and its kubelet (and its network to the API server). Once the node lifecycle controller taints it, the pods are evicted after their tolerationSeconds and recreated elsewhere; deleting them now lets the ReplicaSet recreate them on a Ready node.`;
}

function evicted(d: DetailsByCode['Evicted']): string {
  const why =
    d.resource === 'ephemeral-storage'
      ? 'the pod wrote more to its local disk (container layers, logs, emptyDir) than its ephemeral-storage limit allows'
      : d.resource
        ? `the node ran low on ${d.resource}`
        : 'of node pressure';
  return `The kubelet${d.node ? ` on ${d.node}` : ''} evicted new pods because ${why}: "${d.message}". The ReplicaSet creates replacements, which meet the same fate until the cause goes: raise the limit (resources.limits.ephemeral-storage), write less (or to a volume), or free the node.`;
}

function readinessGates(d: DetailsByCode['ReadinessGatesPending']): string {
  const gates = d.gates.map((g) => `${g.conditionType} (${g.status === 'missing' ? 'never set' : `${g.status}${g.reason ? `: ${g.reason}` : ''}`})`).join(', ');
  return `Every container of the new pods is ready, but the pods are not: their readiness gates wait on conditions that another controller must set to True: ${gates}. Load balancer controllers (the AWS Load Balancer Controller, GKE's NEG controller) set these once the pod is registered and healthy behind the load balancer. Check that controller and its view of the pods; a gate no controller serves keeps every pod out forever.`;
}

function imagePull(d: DetailsByCode['ImagePullFailed']): string {
  const why: Record<PullFailure, string> = {
    [PullFailure.NotFound]: `The image ${d.image} does not exist in its registry (wrong tag or repository, or the push has not finished).`,
    [PullFailure.Unauthorized]: `The registry refused to serve ${d.image} to the node: the repository is private (add imagePullSecrets to the pod template or its ServiceAccount) or does not exist.`,
    [PullFailure.Timeout]: `Pulling ${d.image} timed out: the node cannot reach the registry in time (network, proxy, or a very large image).`,
    [PullFailure.Unreachable]: `The node cannot reach the registry of ${d.image}: the connection is refused or has no route (the registry is down, its address or port is wrong, or a firewall or proxy is in the way). The kubelet keeps retrying with a back-off.`,
    [PullFailure.InvalidName]: `"${d.image}" is not a valid image reference; fix the image field of the pod template.`,
    [PullFailure.NeverPull]: `The image ${d.image} is not on the node, and pulls are disabled for it (imagePullPolicy: Never): the kubelet only runs images already there. Load the image onto every node that may run the pods (kind load, ctr images import, a pre-pull), or set imagePullPolicy: IfNotPresent so the kubelet pulls it.`,
    [PullFailure.Other]: `The kubelet cannot pull ${d.image}.`,
  };
  const until = d.pullFailure === PullFailure.NeverPull ? 'the image is on their node' : 'the image can be pulled';
  return `${why[d.pullFailure]} The new pods will not start until ${until}.`;
}

function startFailed(d: DetailsByCode['StartFailed']): string {
  const argv = [...(d.command ?? []), ...(d.args ?? [])];
  const runs = d.command ? `its command ${JSON.stringify(argv)}` : `the image's entrypoint${argv.length ? ` with args ${JSON.stringify(argv)}` : ''}`;
  const why: Record<StartFailure, string> = {
    [StartFailure.ExecutableNotFound]: `The executable ${d.executable} is not in the image ${d.image}, and the container runs ${runs}. Fix the command in the pod template, or the image's ENTRYPOINT/CMD: a typo, a path from another base image, a binary the build did not copy.`,
    [StartFailure.PermissionDenied]: `${d.executable} in the image ${d.image} may not be executed (${runs}): check its mode in the image (chmod +x) and that its volume is not mounted noexec.`,
    [StartFailure.ExecFormat]: `The kernel refuses to run ${d.executable ?? 'the executable'} from the image ${d.image} ("exec format error"): it was built for another CPU architecture than the node's (an arm64 image on amd64, or the reverse), or it is not a program (a script without its #! line). Build the image for the nodes' platform (docker buildx --platform, a multi-arch manifest), or schedule the pods onto nodes of its architecture.`,
    [StartFailure.NoCommand]: `Neither the image ${d.image} (ENTRYPOINT/CMD) nor the pod template names a command to run. Set command in the pod template, or build the image with an ENTRYPOINT.`,
    [StartFailure.Other]: `The runtime says: ${d.runtimeMessage || 'nothing'}. Check the image ${d.image} and ${runs}, then the container's mounts and securityContext.`,
  };
  const never =
    d.startFailure === StartFailure.ExecFormat
      ? 'Its log holds only that line; every restart fails the same way until the image changes.'
      : 'The container never ran, so it has no logs; every restart fails the same way until the pod template or the image changes.';
  return `The container runtime cannot start the container ${d.container}${d.initContainer ? ' (an init container)' : ''}. ${why[d.startFailure]} ${never}`;
}

function readiness(d: DetailsByCode['ReadinessProbeFailing']): string {
  let why = `The container ${d.container} runs but its ${d.probe} probe fails (${probeText(d.probeSpec)}), so the pods never become Ready and the rollout cannot move on.`;
  if (d.redirect) {
    why += ` The app answers ${d.statusCode ? `HTTP ${d.statusCode}` : 'with a redirect'}: it probably redirects HTTP to HTTPS. TLS ends before the pod, so make the probe say it came over HTTPS: add httpHeaders X-Forwarded-Proto: https (and X-Forwarded-Ssl: on) to the probe (with paas-webhook: the annotation paas.io/readiness-probe-headers: "X-Forwarded-Proto=https", or readiness_probe_headers in paas.toml), or probe a path the app serves over plain HTTP.`;
  } else if (d.failure === ProbeFailureKind.ConnectionRefused) why += ' Nothing listens on the probed port: check the port and that the app binds to 0.0.0.0.';
  else if (d.failure === ProbeFailureKind.Timeout) why += ' The app does not answer within the probe timeout.';
  else if (d.statusCode) why += ` The app answers HTTP ${d.statusCode} on the probe path.`;
  return why;
}

/** Requests no node of the pod's can ever hold, in words: "cpu 3, more than <nodes> allocates (2)". */
function requestsAbove(exceeds: readonly Exceeds[], nodes: string): string {
  return exceeds.map((e) => `${e.resource} ${e.requested}, more than ${nodes} allocates (${e.largestAllocatable})`).join(' and ');
}

function unschedulable(d: DetailsByCode['Unschedulable'], facts: ExplainFacts): string {
  const reasons = d.reasons ?? [];
  const parts: string[] = [];
  const exceeds = d.exceedsEveryNode ?? [];
  if (exceeds.length) parts.push(`The pod requests ${requestsAbove(exceeds, 'the largest node')}: it can never fit; lower its requests.`);
  // Room on a node does not bind a claim: no capacity advice when only volumes stand in the way.
  const capacity = exceeds.length === 0 && !(reasons.length > 0 && reasons.every((r) => r.kind === 'volume'));
  if (capacity && reasons.some((r) => r.kind.startsWith('insufficient-'))) parts.push("No node has enough free capacity for the pod's requests.");
  if (reasons.some((r) => r.kind === 'taint')) parts.push('Some nodes carry taints the pod does not tolerate.');
  if (reasons.some((r) => r.kind === 'affinity' || r.kind === 'anti-affinity')) parts.push("The pod's node selector or (anti-)affinity rules exclude nodes.");
  if (reasons.some((r) => r.kind === 'volume'))
    parts.push(
      "The pod's volumes stand in the way: a PersistentVolumeClaim that is not bound (its StorageClass or provisioner; the claim's events say why), or volumes the nodes cannot use.",
    );
  if (capacity && facts.maxSurge !== undefined)
    parts.push(
      `With maxSurge ${facts.maxSurge} the rollout needs room for one more pod on top of the running ones before any old pod goes: free capacity or add a node.`,
    );
  else if (capacity) parts.push('Free capacity or add a node.');
  return `The scheduler finds no node for the new pods. ${parts.join(' ')}`;
}

function spreadUnsatisfiable(d: DetailsByCode['TopologySpreadUnsatisfiable']): string {
  const c = d.constraint;
  const ask = `The pod template asks for at most ${c.maxSkew} more of its pods in one ${c.topologyKey} domain than in another, and for a pod to stay Pending rather than break that (whenUnsatisfiable: DoNotSchedule).`;
  const emptiest = d.domains.at(-1);
  let why: string;
  if (d.domains.length === 0) why = ' The nodes were not read, so the skew is not known here.';
  else if (d.skewIfPlaced === null) why = ' No domain has a node that takes a new pod (cordoned, or tainted against it).';
  else if (emptiest && !emptiest.schedulable) {
    const policy = c.nodeTaintsPolicy === 'Honor' ? '' : ' (nodeTaintsPolicy Ignore, the default: a cordoned or tainted node still counts as a domain)';
    why = ` The emptiest domain, ${emptiest.domain} (${emptiest.pods} pods), takes no new pod, yet it counts${policy}; anywhere the pod may go the skew would be ${d.skewIfPlaced}. That is what a node drain does to a Deployment spread this way: its pods cannot move to the other nodes.`;
  } else why = ` Anywhere the pod may go the skew would be ${d.skewIfPlaced}.`;
  return `${ask}${why} Use whenUnsatisfiable: ScheduleAnyway (a preference, as paas-webhook's own spread does), nodeTaintsPolicy: Honor (cordoned and tainted nodes stop counting), or a larger maxSkew; or uncordon the node.`;
}

function daemonPodUnschedulable(d: DetailsByCode['DaemonPodUnschedulable']): string {
  const one = d.targetNodes.length === 1;
  const where = d.targetNodes.length ? `node${one ? '' : 's'} ${d.targetNodes.join(', ')}` : 'its node';
  const why = d.reasons?.length ? d.reasons.map((r) => r.reason).join(', ') : d.schedulerMessage;
  const exceeds = d.exceedsEveryNode ?? [];
  const fix = exceeds.length
    ? `It can never fit there: the pod requests ${requestsAbove(exceeds, one ? `node ${d.targetNodes[0]}` : 'its node')}, so neither room made nor preemption helps. Lower the DaemonSet's requests below that, or keep it off such nodes (narrow its nodeSelector or affinity).`
    : "Make room there (move or shrink other pods), lower the DaemonSet's requests, or give it a priorityClassName that may preempt others (cluster agents use system-node-critical); to keep it off such nodes, narrow its nodeSelector or affinity.";
  return `A DaemonSet runs one pod on each node it selects, and its controller pins each pod to its node: the scheduler may not place it anywhere else. On ${where} it does not fit (${why}). ${fix}`;
}

/** A StatefulSet's claims that do not bind. */
export function explainClaimPending(d: DetailsByCode['VolumeClaimPending']): string {
  const c = d.claims[0];
  const words = c?.message ? `: ${c.message}` : '';
  const cls = c?.storageClass ? `StorageClass ${c.storageClass}` : 'no StorageClass (and no default one)';
  return `The claim ${c?.name ?? ''}${c?.template ? ` (volumeClaimTemplate ${c.template})` : ''} is ${c?.phase ?? 'Pending'}, with ${cls}${words}. Its pod is not scheduled until the claim binds, and each ordinal gets a claim of its own from the template, so the next pods meet the same. Fix the StorageClass or its provisioner (or create a PersistentVolume that matches); the claim binds by itself then. A claim made with the wrong class keeps it: delete the claim (and its pod) for the StatefulSet to make it again from the template.`;
}

/** A StatefulSet waiting on one ordinal. */
export function explainOrdinal(d: DetailsByCode['OrdinalNotReady'], name: string): string {
  const order =
    d.podManagementPolicy === 'Parallel'
      ? 'updates its pods one at a time (from the highest ordinal) and waits for each updated pod to be Running and Ready before the next'
      : 'creates, updates and deletes its pods one at a time in ordinal order (podManagementPolicy OrderedReady), and waits for each to be Running and Ready before the next';
  const behind = d.waiting.length ? ` Ordinals ${d.waiting.join(', ')} wait behind it.` : '';
  return `StatefulSet ${name} ${order}: it waits on ${d.pod} (ordinal ${d.ordinal}), which is not Ready${d.cause ? ` (${d.cause})` : ''}.${behind} Once the template is fixed, a pod stuck this way is not replaced by itself: delete it (kubectl delete pod ${d.pod}) for the controller to recreate it from the fixed template (Kubernetes' "forced rollback" of StatefulSets).`;
}

/** A StatefulSet or DaemonSet whose pods are replaced only when deleted. */
export function explainOnDelete(d: DetailsByCode['UpdateOnDelete']): string {
  return `updateStrategy OnDelete: the controller replaces a pod with the current template only once that pod is deleted. ${d.pods.length} pod(s) still run the previous one and will until someone deletes them (kubectl rollout status refuses OnDelete for this reason: no rollout to follow).`;
}

function volume(d: DetailsByCode['VolumeProblem']): string {
  if (d.failure === VolumeFailureKind.MultiAttach) {
    return `The volume ${d.volume ?? ''} is ReadWriteOnce and still attached for the old pod${d.usedBy?.length ? ` (${d.usedBy.join(', ')})` : ''}; a surge pod on another node cannot attach it. A rolling update with surge needs a volume that can attach twice (ReadWriteMany), or use strategy Recreate for this Deployment.`;
  }
  return `The kubelet cannot mount the pod's volumes${d.volume ? ` (${d.volume})` : ''}; the containers will not start until it can.`;
}

/** Who refused the pods at admission, in words. */
export function admissionWho(d: DetailsByCode['AdmissionDenied']): string {
  const who: Record<AdmissionBy, string> = {
    [AdmissionBy.Webhook]: `admission webhook "${d.name}"`,
    [AdmissionBy.WebhookUnreachable]: `admission webhook "${d.name}" (unreachable)`,
    [AdmissionBy.PodSecurity]: `PodSecurity "${d.name}"`,
    [AdmissionBy.ValidatingAdmissionPolicy]: `ValidatingAdmissionPolicy "${d.name}" (binding "${d.binding}")`,
    [AdmissionBy.LimitRange]: 'LimitRange',
  };
  return who[d.by];
}

/** Why the new ReplicaSet cannot create its pods. */
export function explainCreateFailure(
  f:
    | { code: 'QuotaExceeded'; details: DetailsByCode['QuotaExceeded'] }
    | { code: 'AdmissionDenied'; details: DetailsByCode['AdmissionDenied'] }
    | { code: 'ServiceAccountMissing'; details: DetailsByCode['ServiceAccountMissing'] }
    | { code: 'PriorityClassMissing'; details: DetailsByCode['PriorityClassMissing'] }
    | { code: 'PodCreateFailed' },
): string {
  switch (f.code) {
    case 'QuotaExceeded':
      return f.details.kind === QuotaRefusal.Exceeded
        ? `The ResourceQuota "${f.details.quota}" has no room for one more pod. During a rollout maxSurge creates new pods before old ones go, so the namespace needs headroom for the surge pods: raise the quota, lower the pods' requests, or free room in the namespace.`
        : `The ResourceQuota "${f.details.quota}" requires every pod to declare ${f.details.mustSpecify}. Add those requests/limits to the pod template (or a LimitRange with defaults).`;
    case 'AdmissionDenied':
      return f.details.by === AdmissionBy.WebhookUnreachable
        ? `The API server could not call the webhook "${f.details.name}" and its failurePolicy is Fail, so no pod can be created. Check the webhook's Service and pods.`
        : `Admission refused the new pods, so the ReplicaSet cannot create them. Change the pod template to satisfy ${admissionWho(f.details)}, or have the policy changed.`;
    case 'ServiceAccountMissing':
      return `The pod template runs as the ServiceAccount "${f.details.serviceAccount}", which does not exist in this namespace, so the API server refuses every new pod. Create it (with the RoleBindings the app needs), or fix serviceAccountName in the pod template. The ReplicaSet retries by itself once it exists.`;
    case 'PriorityClassMissing':
      return `The pod template names the PriorityClass "${f.details.priorityClass}", which does not exist in the cluster, so the API server refuses every new pod. Create it (PriorityClasses are cluster-wide), or fix priorityClassName in the pod template. The ReplicaSet retries by itself once it exists.`;
    case 'PodCreateFailed':
      return 'The ReplicaSet controller cannot create the new pods; the API server refused them.';
  }
}

/** preStop hooks the kubelet could not run. */
export function explainPreStopHook(d: DetailsByCode['PreStopHookFailed']): string {
  const why = d.execSleep
    ? ' The hook runs `sleep` with exec: an image without a sleep binary (distroless, scratch) cannot run it. Use the native sleep action instead (lifecycle.preStop.sleep: {seconds: 5}, Kubernetes 1.30 and later), which needs nothing in the image; paas-webhook writes it with prestop_mode = "auto" or "sleep".'
    : ' Check that the hook can run in the image (its command exists, its URL answers).';
  return `The kubelet could not run the preStop hook of ${d.pods.length} pod(s) (it says "${d.kubeletMessage}"), so each got SIGTERM at once. The hook was there to keep the pod serving while endpoints and load balancers stop sending it traffic; without it, requests still routed to the pod fail.${why}`;
}

/** Old pods that do not go away. */
export function explainStuckTerminating(d: DetailsByCode['OldPodsNotTerminating']): string {
  const held = d.finalizers.length ? `; finalizers ${d.finalizers.join(', ')} hold them` : '';
  const where = d.nodes.length ? ` (nodes ${d.nodes.join(', ')}: check that their kubelets are up)` : '';
  return `Pods were asked to stop but are still there${held}${where}. They keep counting against quota and capacity the rollout needs.`;
}

/** Old pods inside a long grace period: a long preStop hook, or an app slow to exit on SIGTERM. */
export function explainStillStopping(d: DetailsByCode['OldPodsStillStopping']): string {
  const holder = d.hooks.length
    ? `their preStop hook (${d.hooks.map((h) => `${h.container}: ${h.hook}`).join('; ')}) holds them, and the kubelet waits for it`
    : 'the app has not exited after SIGTERM, and the kubelet waits for it';
  return `${d.pods.length} old pod(s) were asked to stop ${d.stoppingForSeconds}s ago and are still stopping: ${holder} up to the grace period (${d.gracePeriodSeconds}s, ending in ${d.secondsLeft}s at the latest). Nothing is broken and the Deployment does not wait for them, but until then they keep their node capacity and quota. If the drain is longer than it needs to be, shorten the hook or terminationGracePeriodSeconds.`;
}

/** Ready pods not yet counted available. */
export function explainMinReady(minReadySeconds: number, newestReadyAgo: string): string {
  return `The Deployment counts a pod available only after it has been Ready for ${minReadySeconds}s; the newest became Ready ${newestReadyAgo} ago. Nothing is wrong: wait.`;
}

/** A paused Deployment: a state when nothing is left to roll out, a stall otherwise. */
export function explainPaused(rolledOut: boolean): string {
  return rolledOut
    ? 'Every pod runs the current template. While paused, template changes are not rolled out.'
    : 'A paused Deployment does not roll out template changes and its progress deadline does not run. Resume it when you are ready.';
}

/** The controller gave up waiting for progress. */
export function explainDeadline(progressDeadlineSeconds: number): string {
  return `progressDeadlineSeconds (${progressDeadlineSeconds}) passed without a new pod becoming available. Kubernetes does not roll back by itself: fix the cause (the other findings, or the new pods' logs and events) and apply again, or undo.`;
}

/** Earlier rollouts replaced before they finished. */
export const EXPLAIN_SUPERSEDED =
  "The Deployment's template changed again before the earlier rollout finished; the controller scales the replaced ReplicaSets down and rolls the newest template only.";

/** Nothing wrong yet; the deadline's distance in words when one runs. */
export function explainProgressing(deadlineAway: string | undefined): string {
  return `Nothing is wrong so far.${deadlineAway !== undefined ? ` The progress deadline is ${deadlineAway} away.` : ''}`;
}

/** A drain a disruption budget holds: what the budget computed, and what would let it go. */
export function explainDrainBlocked(d: DetailsByCode['DrainBlocked'], deployment: string): string {
  const asks = d.minAvailable !== null ? `minAvailable ${d.minAvailable}` : d.maxUnavailable !== null ? `maxUnavailable ${d.maxUnavailable}` : 'no figure';
  const healthy = `${d.currentHealthy ?? '?'} of its ${d.expectedPods ?? '?'} pods are healthy and it requires ${d.desiredHealthy ?? '?'} (${asks})`;
  const head = `kubectl drain evicts pods through the Eviction API, and the API server refuses each eviction (429 Too Many Requests) while PodDisruptionBudget ${d.budget} allows no disruption: ${healthy}. So ${d.protectedPods.length} pod(s) of ${deployment} stay on ${d.nodes.join(', ')}, and the drain retries until one may go.`;
  let why: string;
  if (d.desiredHealthy !== null && d.expectedPods !== null && d.desiredHealthy >= d.expectedPods) {
    why =
      ' It never will: the budget lets no pod of it go at all (a single replica, or minAvailable equal to the replicas). Run more replicas, or let one pod go at a time (maxUnavailable: 1).';
  } else if (d.currentHealthy !== null && d.expectedPods !== null && d.currentHealthy < d.expectedPods) {
    why = ` Some of its pods are not Ready: once they are, one may go.${d.unhealthyPodEvictionPolicy === 'AlwaysAllow' ? '' : ' With unhealthyPodEvictionPolicy: AlwaysAllow a pod that is not Ready could be evicted at once instead of holding the drain.'}`;
  } else why = ' Another of its pods is down or being replaced: the drain goes on once it is Ready again.';
  return `${head}${why}${d.ours ? " The budget is paas-webhook's, kept beside the Deployment (maxUnavailable 1)." : ''}`;
}

/** The only replica on a node being drained. */
export function explainSingleReplica(d: DetailsByCode['SingleReplica']): string {
  return `The Deployment runs one replica, ${d.pod}, on node ${d.node}, which is cordoned (a drain, or kubectl cordon). One replica cannot survive a node drain: the eviction takes the only pod, and its Service has no ready endpoint until the replacement is ready on another node. Run 2 or more replicas: paas-webhook then spreads them across nodes and keeps a PodDisruptionBudget (maxUnavailable 1). A budget for one replica would not help: it would block the drain for ever.`;
}

/** Rolled out. */
export const EXPLAIN_HEALTHY = 'Every pod runs the current template and is available. Nothing to do.';
export const EXPLAIN_UNEXPLAINED_WARNINGS =
  'The kubelet or a controller reported these about the new pods, and diagnose has no rule that explains them: read them, they may name a cause.';
export const EXPLAIN_HEALTHY_WITH_WARNINGS = 'Every pod runs the current template and is available, but the warnings here need a look.';

/** A probe the kubelet cannot run: its result is thrown away, never counted as a failure. */
function probeErrored(d: DetailsByCode['ProbeErrored']): string {
  const cause = d.executable ? `the image has no ${d.executable}` : `the kubelet says: ${d.error}`;
  const effect =
    d.probe === 'liveness'
      ? `so liveness checking is silently off: the container is never restarted, however it hangs`
      : `so the container never turns ${d.probe === 'startup' ? 'started (and never Ready)' : 'Ready'}: an errored result counts neither as success nor as failure`;
  return `The ${d.probe} probe of ${d.container} cannot run (${probeText(d.probeSpec)}): ${cause}, ${effect}. Use an httpGet, tcpSocket or grpc probe, or a command the image has.`;
}

/** A probe that fails, or one the kubelet cannot run. */
function explainProbe(issue: PodIssueOf<'ReadinessProbeFailing' | 'ProbeErrored'>): string {
  return issue.code === 'ProbeErrored' ? probeErrored(issue.details) : readiness(issue.details);
}

/** A container the kubelet keeps restarting: for memory, for its liveness probe, or because it exits. */
function explainRestarts(issue: PodIssueOf<'OOMKilled' | 'CrashLoop' | 'LivenessProbeKilling'>): string {
  switch (issue.code) {
    case 'OOMKilled': {
      const d = issue.details;
      return `The container ${d.container} used more memory than its limit${d.memoryLimit ? ` (${d.memoryLimit})` : ''} and was killed (exit code 137), then restarted in a back-off loop. Raise resources.limits.memory, or find what grows the app's memory.`;
    }
    case 'LivenessProbeKilling': {
      const d = issue.details;
      return `The kubelet kills ${d.container} because its ${d.probe} probe fails (${probeText(d.probeSpec)}). The app may be slow to start (add a startupProbe or raise initialDelaySeconds/failureThreshold) or the probe targets the wrong path or port.`;
    }
    case 'CrashLoop':
      return crashLoop(issue.details);
  }
}

function crashLoop(d: DetailsByCode['CrashLoop']): string {
  const last = `last: ${d.lastTerminationReason}, exit code ${d.exitCode ?? '?'}`;
  const now = d.running
    ? `The container ${d.container} runs again, and Kubernetes counts it available, but it exited ${d.restarts} time${d.restarts === 1 ? '' : 's'} (${last}) and the kubelet restarted it.`
    : `The container ${d.container} keeps exiting (${last}) and the kubelet restarts it with a growing back-off.`;
  const zero =
    d.exitCode === 0
      ? " Exit code 0 is no success here: a Deployment's containers must keep running, so the kubelet restarts one that returns, whatever its code. A one-shot task belongs in a Job; a server that returns from main (configuration missing?) says why in its log."
      : '';
  return `${now}${zero} Its logs of the previous run say why.`;
}
