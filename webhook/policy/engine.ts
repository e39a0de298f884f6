// The rollout policy engine: a pure function from a Deployment (and, on UPDATE, the stored one)
// to the minimal JSON Patch that makes it obey the policy, with one warning per change.
// No I/O, no clock, no randomness: the only novelty comes from the injected newId().
import { decideDeployId } from './deploy-id.js';
import { PolicyInputError, showValue } from './errors.js';
import { escapeToken, isObject } from './json.js';
import { optObject, podContainers, reqObject } from './k8s.js';
import { effectivePolicy, isOptedOut, LABEL, OPT_OUT_VALUE } from './overrides.js';
import { applyPatch, mergeInto } from './patch.js';
import {
  deadlineRule,
  graceRule,
  preStopRule,
  readinessRule,
  schedulingNotes,
  strategyRule,
  type Finding,
  type RuleContext,
} from './rules.js';
import type { ChangeKind, ClusterFacts, JsonObject, MutateInput, MutateResult, PatchOp, Policy } from './types.js';

/** Why the engine leaves an object alone (MutateResult.skipped, CheckResult.skipped). */
export const SkipReason = {
  notDeployment: 'not an apps/v1 Deployment',
  optedOut: `opted out by label ${LABEL.rolloutPolicy}=${OPT_OUT_VALUE}`,
  deleting: 'being deleted',
} as const;

/** A policy violation `policy check` reports: the change the webhook would make. */
export type Violation = Finding;

/** What `policy check` learns about one Deployment. */
export interface CheckResult {
  violations: Violation[];
  /** Advice that is not a violation (no port to probe, a surge pod that may not fit). */
  notes: string[];
  skipped?: string;
}

interface Plan {
  object: JsonObject;
  template: JsonObject;
  ops: PatchOp[];
  findings: Finding[];
  notes: string[];
}

/** Why this object is out of the policy's scope, or undefined when it is in scope. */
function skipReason(object: JsonObject): string | undefined {
  if (object.kind !== 'Deployment') return SkipReason.notDeployment;
  if (object.apiVersion !== 'apps/v1') {
    return `${SkipReason.notDeployment} (${String(object.apiVersion)}; apps/v1 is the only Deployment API served since Kubernetes 1.16)`;
  }
  const metadata = isObject(object.metadata) ? object.metadata : undefined;
  if (isOptedOut(metadata?.labels)) return SkipReason.optedOut;
  if (metadata?.deletionTimestamp) return SkipReason.deleting;
  return undefined;
}

function plan(object: JsonObject, base: Policy, facts: ClusterFacts): Plan | { skipped: string } {
  if (!isObject(object)) throw new PolicyInputError('(object)', showValue(object), 'expected a Kubernetes object');
  const skipped = skipReason(object);
  if (skipped) return { skipped };
  const metadata = optObject(object, 'metadata', []);
  if (metadata) optObject(metadata, 'labels', ['metadata']);
  const eff = effectivePolicy(metadata ? optObject(metadata, 'annotations', ['metadata']) : undefined, base);
  const spec = reqObject(object, 'spec', []);
  const template = reqObject(spec, 'template', ['spec']);
  const templateMeta = optObject(template, 'metadata', ['spec', 'template']);
  if (templateMeta) optObject(templateMeta, 'labels', ['spec', 'template', 'metadata']);
  const podSpecAt = ['spec', 'template', 'spec'];
  const podSpec = reqObject(template, 'spec', ['spec', 'template']);
  const ctx: RuleContext = {
    spec,
    podSpec,
    podSpecAt,
    containers: podContainers(podSpec, podSpecAt),
    eff,
    facts,
    ops: [],
    findings: [],
    notes: [],
  };
  strategyRule(ctx);
  deadlineRule(ctx);
  const longestSleep = preStopRule(ctx);
  graceRule(ctx, longestSleep);
  readinessRule(ctx);
  schedulingNotes(ctx);
  return { object, template, ops: ctx.ops, findings: ctx.findings, notes: ctx.notes };
}

/**
 * The webhook's and `policy apply`'s entry point: the patch, warnings and change kinds for one
 * object. Throws PolicyInputError when the Deployment is malformed or an override is invalid.
 */
export function mutateDeployment(input: MutateInput): MutateResult {
  const p = plan(input.object, input.policy, input.facts);
  if ('skipped' in p) return { patch: [], warnings: [], changes: [], skipped: p.skipped };
  const warnings = p.findings.map((f) => f.message);
  const changes: ChangeKind[] = [];
  for (const f of p.findings) if (!changes.includes(f.kind)) changes.push(f.kind);
  if (input.stampId) stampId(p, input, warnings, changes);
  warnings.push(...p.notes);
  return { patch: p.ops, warnings, changes };
}

function stampId(p: Plan, input: MutateInput, warnings: string[], changes: ChangeKind[]): void {
  const isUpdate = input.oldObject != null;
  // UPDATE compares the template as it will be stored (after this policy) with the stored one.
  const templateOps = isUpdate ? p.ops.filter((op) => op.path.startsWith('/spec/template/')) : [];
  const mutated = templateOps.length > 0 ? (applyPatch(p.object, templateOps).spec as JsonObject).template as JsonObject : p.template;
  const old = isObject(input.oldObject) && isObject(input.oldObject.spec) ? input.oldObject.spec.template : undefined;
  const decision = decideDeployId(mutated, old, isUpdate, input.newId);
  if (decision.action === 'keep') return;
  changes.push('deploy-id');
  if (decision.action === 'remove') {
    p.ops.push({ op: 'remove', path: `/spec/template/metadata/labels/${escapeToken(LABEL.deployId)}` });
    warnings.push('paas: deploy-id label removed: pod template unchanged and the stored one has none');
    return;
  }
  mergeInto(p.ops, p.template, '/spec/template', { metadata: { labels: { [LABEL.deployId]: decision.id } } });
  warnings.push(decision.reason === 'new-rollout'
    ? `paas: deploy-id ${decision.id} (new rollout)`
    : `paas: deploy-id ${decision.id} kept: pod template unchanged`);
}

/**
 * `policy check`: every way the Deployment differs from the policy, as the webhook would fix it
 * (unset fields count as the API server's defaults). Never stamps a deploy-id.
 */
export function checkDeployment(object: JsonObject, policy: Policy, facts: ClusterFacts): CheckResult {
  const p = plan(object, policy, facts);
  if ('skipped' in p) return { violations: [], notes: [], skipped: p.skipped };
  return { violations: p.findings, notes: p.notes };
}
