// What the rendered MutatingAdmissionPolicy (admission-policy.ts) does not do as the webhook
// does, why CEL or the API cannot, and what it does instead. docs/admission-policy.md lists them;
// `kubectl paas policy render` prints each one's note on stderr beside the rendered objects.

/** One difference between the webhook and the rendered policy. */
export interface PolicyGap {
  /** What the webhook does. */
  rule: string;
  /** Why the policy cannot do the same. */
  reason: string;
  /** What the policy does instead, and what that means for the user. */
  instead: string;
  /** The difference in one line, as `policy render` notes it. */
  note: string;
}

/** Every difference, the deploy-id first (it is the one users meet). */
export const ADMISSION_POLICY_GAPS: readonly PolicyGap[] = Object.freeze([
  {
    rule: 'A new paas.io/deploy-id (a UUID) on the pod template of every rollout.',
    reason:
      'A new rollout needs a value no earlier write had, and CEL cannot make one: it is deterministic over the request (no random, UUID or clock function), and the request a policy sees carries no UID.',
    instead:
      'The label is kept consistent, never minted: an incoming id is kept (rollout undo brings a revision\'s id back), an UPDATE that leaves the template alone gets the stored id back, and a changed template that inherited the stored id loses it, so no two rollouts share one. Rollouts the policy admits have no deploy-id: `kubectl paas rollout history` shows "-" for them and `kubectl paas logs --deploy-id` cannot find them; use `logs --revision N` (the revisions `rollout history` lists), `--new` or `--old`.',
    note: 'no new paas.io/deploy-id per rollout: `rollout history` shows "-" for its rollouts; select them with `logs --revision N`, `--new` or `--old`',
  },
  {
    rule: 'A `Warning: paas: …` line for each change, and advice (a ReadWriteOnce PVC a surge pod may wait for, a host port taken on every node).',
    reason: 'A MutatingAdmissionPolicy returns no warnings; only a ValidatingAdmissionPolicy can, and it sees the object after the mutation, not what changed.',
    instead: 'Changes are silent. `kubectl paas policy check` on the manifests lists each change the policy makes, in the same words.',
    note: 'no `Warning: paas:` lines: `kubectl paas policy check` lists the changes',
  },
  {
    rule: 'Warn mode ([webhook] mode = "warn", or a namespace labelled paas.io/mode=warn): nothing is patched or refused, and each change the policy would make comes back as a warning.',
    reason: 'A MutatingAdmissionPolicy returns no warnings (above), and a mutation it makes cannot be held back.',
    instead:
      'It matches only where the webhook would enforce: a namespace labelled paas.io/mode=warn is left alone, and with mode = "warn" or namespaces = "opt-in" only namespaces labelled paas.io/mode=enforce are mutated. `kubectl paas audit` shows what the policy would change in the others.',
    note: 'no warn mode: where the webhook would only warn, the policy leaves the namespace alone',
  },
  {
    rule: 'An invalid paas.io/* annotation, a minReadySeconds not below the progress deadline or a probe port the container does not declare is refused: 400, "paas: deployment NS/NAME: FIELD: REASON, got VALUE".',
    reason: 'A MutatingAdmissionPolicy has no deny action.',
    instead:
      "The policy's first mutation fails on purpose (failurePolicy Fail), so the write is refused all the same: 403, the same words after the API server's own (\"policy 'paas-rollout-policy' with binding 'paas-rollout-policy' denied request: expression '…' resulted in error: no such key: paas: deployment NS/NAME: …\"). A value with control characters or characters beyond U+FFFF may be quoted or cut differently in the message.",
    note: "an invalid paas.io/* annotation is refused with 403, the API server's words before ours",
  },
  {
    rule: '[webhook] on_error = "allow": a Deployment the engine fails on unexpectedly is admitted unmutated, with a warning.',
    reason: 'The policy cannot tell a failure of its own from a refusal: failurePolicy applies to both.',
    instead:
      'failurePolicy is always Fail: a policy the API server cannot evaluate (a CEL cost limit) refuses the write. Of the other [webhook] keys, mode, namespaces and excluded_namespaces say where the policy applies; the rest have nothing to act on.',
    note: 'failurePolicy is always Fail: [webhook] on_error and failure_policy do nothing',
  },
  {
    rule: "The grace period covers an exec preStop hook `sleep N` for any N JavaScript's Number() reads (0x10, 1e300).",
    reason: "CEL's double() reads decimal numbers only, and int() fails past 2^63.",
    instead:
      'N counts when it is a decimal number of at most 10^15 (5, 2.5, .5, 1e3, spaces around allowed); any other spelling counts as no sleep, as the exec of any other command does.',
    note: 'an exec preStop `sleep N` counts toward the grace period only when N is a decimal number up to 10^15',
  },
  {
    rule: 'A PodDisruptionBudget (maxUnavailable 1) kept beside each Deployment of 2 or more replicas, by the elected replica (never as a side effect of admission).',
    reason: 'An admission policy changes the object under review and nothing else: it cannot create, update or delete another object.',
    instead:
      "No budget is made: a node drain may evict several pods of a Deployment at once (the topology spread keeps them on different nodes, which helps only as far as there are nodes). Write a PodDisruptionBudget of your own (maxUnavailable 1, unhealthyPodEvictionPolicy AlwaysAllow, the Deployment's selector), or run paas-webhook.",
    note: 'no PodDisruptionBudget is kept beside a Deployment: a node drain may evict several of its pods at once',
  },
  {
    rule: "paas-webhook's metrics (paas_webhook_admissions_total by result, durations) and a log line per admission.",
    reason: 'No process of ours runs: the API server evaluates the policy.',
    instead:
      "The API server's own metrics: apiserver_mutating_admission_policy_check_total and apiserver_mutating_admission_policy_check_duration_seconds, by policy and binding; refusals are in its audit log.",
    note: "no paas_webhook_* metrics or log lines: the API server's apiserver_mutating_admission_policy_* metrics instead",
  },
]);

/** A table cell: a pipe would end the cell. */
const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** docs/admission-policy.md (`make docs`): the differences, each with its reason. */
export function admissionPolicyPage(): string {
  return [
    '# The policy without a webhook: what a MutatingAdmissionPolicy cannot do',
    '',
    '<!-- Written by `make docs` from core/policy/admission-gaps.ts; test/unit/docs/admission-policy.test.ts fails when this page differs. Do not edit by hand. -->',
    '',
    'On Kubernetes 1.36 or newer the rollout policy can run inside the API server as a MutatingAdmissionPolicy (`kubectl apply -k manifests/overlays/admission-policy`, the Helm chart with `mode: admission-policy`, or `kubectl paas policy render --as mutating-admission-policy` for your own `paas.toml`; all rendered by `core/policy/admission-policy.ts`). It applies every rule of the webhook with the same `paas.toml` knobs, `paas.io/*` annotations, opt-out label and namespaces. These are the differences; when to choose which: [install.md](install.md#without-a-webhook-a-mutatingadmissionpolicy).',
    '',
    '| the webhook | why the policy cannot | what the policy does instead |',
    '|---|---|---|',
    ...ADMISSION_POLICY_GAPS.map((g) => `| ${cell(g.rule)} | ${cell(g.reason)} | ${cell(g.instead)} |`),
    '',
  ].join('\n');
}
