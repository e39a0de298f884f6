// Turns rollout views into text: the detail block, the one-line change log, the live progress
// bar, the multi-Deployment table, and the JSON/YAML documents. Pure: strings in, strings out.
import { humanDuration } from '../../kube-client/duration.js';
import { paint as makePaint, visibleLength, type Paint } from '../lib/term.js';
import { RESOURCE_WORD, resourceArg, WorkloadKind } from '../kube/workloads.js';
import { ReplicaSetRole, RolloutState, worstState, type RolloutView } from './status.js';

/** Rendering choices made at the edge. */
export interface RenderOptions {
  paint?: Paint;
  /** Terminal width for the progress bar and table truncation. */
  width?: number;
}

const plain = makePaint(false);

function stateWord(state: RolloutState, p: Paint): string {
  switch (state) {
    case RolloutState.Completed:
      return p.green(state);
    case RolloutState.Failed:
    case RolloutState.Timeout:
      return p.red(state);
    case RolloutState.Paused:
      return p.yellow(state);
    case RolloutState.InProgress:
      return p.cyan(state);
  }
}

function shortId(id: string | null): string {
  return id ? id.slice(0, 8) : '-';
}

// The API server's defaults, for what a spec leaves out: a Deployment surges 25% and may have 25%
// unavailable; a StatefulSet updates one pod at a time from partition 0; a DaemonSet one node at a time.
function strategyText(v: RolloutView): string {
  const s = v.strategy;
  if (s.type !== 'RollingUpdate') return s.type;
  if (v.kind === WorkloadKind.StatefulSet) return `RollingUpdate partition=${s.partition ?? 0} maxUnavailable=${s.maxUnavailable ?? 1}`;
  if (v.kind === WorkloadKind.DaemonSet) return `RollingUpdate maxSurge=${s.maxSurge ?? 0} maxUnavailable=${s.maxUnavailable ?? 1}`;
  return `RollingUpdate maxSurge=${s.maxSurge ?? '25%'} maxUnavailable=${s.maxUnavailable ?? '25%'}`;
}

function deadlineText(v: RolloutView): string {
  if (!v.deadline) return '-';
  return `${humanDuration(v.deadline.secondsLeft * 1000)} left (progressDeadlineSeconds ${v.deadline.seconds})`;
}

/** The full report of one workload, printed once at the end (or with --watch=false). */
export function renderDetail(v: RolloutView, opts: RenderOptions = {}): string {
  const p = opts.paint ?? plain;
  const r = v.replicas;
  const lines = [
    `${p.bold(`${RESOURCE_WORD[v.kind]} ${v.namespace}/${v.name}`)}  ${stateWord(v.rollout_status, p)} (${v.status})  revision ${v.revision ?? '-'}  deploy-id ${v.id ?? '-'}`,
    `  ${v.message}`,
    `  images:    ${v.images.join(', ') || '-'}`,
    `  strategy:  ${strategyText(v)}`,
    `  deadline:  ${deadlineText(v)}`,
    `  replicas:  ${r.desired} desired, ${r.updated} updated, ${r.ready} ready, ${r.available} available, ${r.unavailable} unavailable, ${r.oldPending} ${v.kind === WorkloadKind.Deployment ? 'old pending termination' : 'of an earlier revision'}`,
  ];
  if (v.replicaSets.length) {
    lines.push('  replica sets:');
    for (const rs of v.replicaSets) {
      const role = rs.role === ReplicaSetRole.new ? p.bold(rs.role) : p.dim(rs.role);
      lines.push(
        `    ${role}  ${rs.name}  revision ${rs.revision ?? '-'}  deploy-id ${shortId(rs.deployId)}  ${rs.ready}/${rs.desired} ready, ${rs.available} available, ${rs.pods} pods${rs.terminating ? ` (${rs.terminating} terminating)` : ''}`,
      );
    }
  }
  if (v.podProblems.length) lines.push('  pod problems:', renderProblems(v, p).trimEnd());
  return `${lines.join('\n')}\n`;
}

/** The new pods' problems, one indented line each ('' when none). */
export function renderProblems(v: RolloutView, p: Paint = plain): string {
  return v.podProblems
    .map((pr) => {
      const where = pr.container ? `${pr.pod} (${pr.container})` : pr.pod;
      return `    ${where}: ${p.red(pr.reason)}${pr.permanent ? ' [permanent]' : ''}${pr.message ? `: ${pr.message}` : ''}\n`;
    })
    .join('');
}

function problemsSummary(v: RolloutView): string {
  if (!v.podProblems.length || v.rollout_status === RolloutState.Failed || v.rollout_status === RolloutState.Completed) return '';
  const counts = new Map<string, number>();
  for (const pr of v.podProblems) counts.set(pr.reason, (counts.get(pr.reason) ?? 0) + 1);
  return ` (pods: ${[...counts].map(([reason, n]) => `${n} ${reason}`).join(', ')})`;
}

/** One line per change for a log or a pipe, worded as kubectl's rollout status lines; a rollout
 * that completed while its new containers keep restarting gets a warning line for each. */
export function renderLine(v: RolloutView): string {
  return `${v.message}${problemsSummary(v)}\n${restartWarnings(v)}`;
}

/** "warning: ..." lines for a completed rollout whose new containers restarted within the last ten
 * minutes: Kubernetes counts them available, yet they keep exiting ('' when none). */
export function restartWarnings(v: RolloutView): string {
  if (v.rollout_status !== RolloutState.Completed) return '';
  return v.podProblems
    .map(
      (pr) =>
        `warning: ${pr.container ? `container ${pr.container} of ` : ''}pod ${pr.pod}: ${pr.message ?? pr.reason}: it keeps exiting; see kubectl paas diagnose ${resourceArg(v.kind, v.name)} -n ${v.namespace}\n`,
    )
    .join('');
}

/** The live progress line on a TTY: a bar of available new replicas, the state and the deadline. */
export function renderProgress(v: RolloutView, opts: RenderOptions = {}): string {
  const p = opts.paint ?? plain;
  const width = Math.max(40, opts.width ?? 80);
  const r = v.replicas;
  const slots = 20;
  const done = r.desired > 0 ? Math.min(slots, Math.round((Math.min(r.available, r.updated) / r.desired) * slots)) : slots;
  const started = r.desired > 0 ? Math.min(slots - done, Math.round((Math.max(0, r.updated - r.available) / r.desired) * slots)) : 0;
  const bar = `${p.green('█'.repeat(done))}${p.yellow('▒'.repeat(started))}${p.dim('░'.repeat(slots - done - started))}`;
  const left = v.deadline ? `  ${humanDuration(v.deadline.secondsLeft * 1000)} left` : '';
  const head = `${v.name} [${bar}] ${Math.min(r.available, r.updated)}/${r.desired} available  ${stateWord(v.rollout_status, p)}${left}`;
  const msg = `  ${v.message}${problemsSummary(v)}`;
  return `${truncate(head, width)}\n${truncate(msg, width)}\n`;
}

function truncate(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  // Styled text is only truncated when plain; cutting inside an escape would garble the terminal.
  return s.includes('\x1b[') ? s : `${s.slice(0, width - 1)}…`;
}

/** What the table shows besides the rows: NAMESPACE with -A, and the kind beside each name once
 * not every row is a Deployment (kubectl get's `statefulset.apps/db`, shorter). */
export interface TableOptions extends RenderOptions {
  namespaces?: boolean;
}

/** Several workloads as a table, kubectl get's style; the reason names why a row is not done. */
export function renderTable(views: readonly RolloutView[], opts: TableOptions = {}): string {
  const p = opts.paint ?? plain;
  const kinds = views.some((v) => v.kind !== WorkloadKind.Deployment);
  const ns = opts.namespaces === true;
  const header = [...(ns ? ['NAMESPACE'] : []), 'NAME', 'STATE', 'STATUS', 'REVISION', 'UP-TO-DATE', 'READY', 'AVAILABLE', 'DEADLINE', 'DEPLOY-ID', 'REASON'];
  const state = header.indexOf('STATE');
  const rows = views.map((v) => [
    ...(ns ? [v.namespace] : []),
    kinds ? resourceArg(v.kind, v.name) : v.name,
    v.rollout_status,
    v.status,
    String(v.revision ?? '-'),
    `${v.replicas.updated}/${v.replicas.desired}`,
    `${v.replicas.ready}/${v.replicas.desired}`,
    String(v.replicas.available),
    v.deadline ? humanDuration(v.deadline.secondsLeft * 1000) : '-',
    shortId(v.id),
    v.rollout_status === RolloutState.Completed ? '' : v.reason,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[], style = false) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!);
        return style && i === state ? padded.replace(c, stateWord(c as RolloutState, p)) : padded;
      })
      .join('   ')
      .trimEnd();
  return `${[fmt(header), ...rows.map((r) => fmt(r, true))].join('\n')}\n`;
}

/** The JSON document: one view for one named workload, else a list with the worst state. */
export function toDocument(views: readonly RolloutView[], single: boolean): unknown {
  if (single && views.length === 1) return views[0];
  return {
    rollout_status: worstState(views.map((v) => v.rollout_status)),
    items: views,
  };
}

/** JSON with two-space indent and a final newline. */
export function renderJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
