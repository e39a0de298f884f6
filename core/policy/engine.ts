// The rollout policy engine: a pure function from a Deployment (and, on UPDATE, the stored one)
// to the minimal JSON Patch that makes it obey the policy and the object it yields, with one
// warning per change.
// No I/O, no clock, no randomness: the only novelty comes from the injected newId().
import { decideDeployId, IdAction, IdReason } from './deploy-id.js';
import { PolicyInputError, showValue } from './errors.js';
import { escapeToken, isObject, plainText } from './json.js';
import { optObject, podContainers, reqObject } from './k8s.js';
import { LABEL, OPT_OUT_VALUE } from '../names.js';
import { effectivePolicy, isOptedOut } from './overrides.js';
import { applyPatch, mergeInto } from './patch.js';
import { deadlineRule, graceRule, preStopRule, readinessRule, schedulingNotes, spreadRule, strategyRule, type Finding, type RuleContext } from './rules.js';
import { ChangeKind, type ClusterFacts, type JsonObject, type MutateInput, type MutateResult, type PatchOp, type Policy } from './types.js';

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
    return `${SkipReason.notDeployment} (${plainText(object.apiVersion)}; apps/v1 is the only Deployment API served since Kubernetes 1.16)`;
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
  spreadRule(ctx);
  schedulingNotes(ctx);
  return { object, template, ops: ctx.ops, findings: ctx.findings, notes: ctx.notes };
}

/**
 * The webhook's and `policy apply`'s entry point: the patch, the patched object, warnings and
 * change kinds for one object. Throws PolicyInputError when the Deployment is malformed or an
 * override is invalid.
 */
export function mutateDeployment(input: MutateInput): MutateResult {
  const p = plan(input.object, input.policy, input.facts);
  if ('skipped' in p) return { patch: [], object: input.object, warnings: [], changes: [], skipped: p.skipped };
  const warnings = p.findings.map((f) => f.message);
  const changes: ChangeKind[] = [];
  for (const f of p.findings) if (!changes.includes(f.kind)) changes.push(f.kind);
  if (input.stampId) {
    const stamp = stampId(p, input);
    if (stamp) {
      p.ops.push(...stamp.ops);
      warnings.push(stamp.warning);
      changes.push(ChangeKind.deployId);
    }
  }
  warnings.push(...p.notes);
  return new Mutation(p.ops, warnings, changes, p.object);
}

/** A MutateResult whose `object` is made on first read: the webhook sends only the patch and
 * need not pay for the copy (about a sixth of a mutation). */
class Mutation implements MutateResult {
  #object: JsonObject | undefined;
  readonly #input: JsonObject;
  constructor(
    readonly patch: PatchOp[],
    readonly warnings: string[],
    readonly changes: ChangeKind[],
    input: JsonObject,
  ) {
    this.#input = input;
  }

  get object(): JsonObject {
    this.#object ??= this.patch.length > 0 ? applyPatch(this.#input, this.patch) : this.#input;
    return this.#object;
  }
}

/** The deploy-id label's operations and warning, or undefined when the label stays as it is. */
function stampId(p: Plan, input: MutateInput): { ops: PatchOp[]; warning: string } | undefined {
  const isUpdate = input.oldObject != null;
  // UPDATE compares the template as it will be stored (after this policy) with the stored one.
  const templateOps = isUpdate ? p.ops.filter((op) => op.path.startsWith('/spec/template/')) : [];
  const template = templateOps.length > 0 ? ((applyPatch(p.object, templateOps).spec as JsonObject).template as JsonObject) : p.template;
  const old = isObject(input.oldObject) && isObject(input.oldObject.spec) ? input.oldObject.spec.template : undefined;
  const decision = decideDeployId(template, old, isUpdate, input.newId);
  if (decision.action === IdAction.Keep) return undefined;
  if (decision.action === IdAction.Remove) {
    return {
      ops: [{ op: 'remove', path: `/spec/template/metadata/labels/${escapeToken(LABEL.deployId)}` }],
      warning: 'paas: deploy-id label removed: pod template unchanged and the stored one has none',
    };
  }
  const ops: PatchOp[] = [];
  mergeInto(ops, p.template, '/spec/template', { metadata: { labels: { [LABEL.deployId]: decision.id } } });
  const warning =
    decision.reason === IdReason.NewRollout ? `paas: deploy-id ${decision.id} (new rollout)` : `paas: deploy-id ${decision.id} kept: pod template unchanged`;
  return { ops, warning };
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
