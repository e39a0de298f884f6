// The rollout policy engine's public interface, shared by the webhook and `kubectl paas policy`.
// Front doors import the engine from here only.
export * from './types.js';
export { ConfigError, PolicyInputError } from './errors.js';
export { DEFAULT_POLICY, TOML_KEY, checkSections, parseToml, readPolicy, readSection, tomlKeys, type Parser, type SectionKeys } from './config.js';
export { checkOneOf, checkSeconds, type Checked } from './values.js';
export { mutateDeployment, checkDeployment, SkipReason, type CheckResult, type Violation } from './engine.js';
export { graceSeconds, PROBE_TIMING, SHUTDOWN_SECONDS } from './rules.js';
export { applyPatch, parsePointer } from './patch.js';
export { deepEqual } from './json.js';
export { LABEL, ANNOTATION, OPT_OUT_VALUE } from '../names.js';
export {
  admissionPolicyObjects,
  renderAdmissionPolicy,
  ADMISSION_POLICY_API_VERSION,
  DEFAULT_ADMISSION_POLICY_SCOPE,
  PolicyFormat,
  type AdmissionPolicyScope,
  type PolicyConfig,
} from './admission-policy.js';
export { ADMISSION_POLICY_GAPS, admissionPolicyPage, type PolicyGap } from './admission-gaps.js';
export { wouldLine, wouldLines } from './would.js';
export {
  BUDGET_MANAGED_BY,
  BUDGET_SUFFIX,
  MIN_BUDGET_REPLICAS,
  NoBudget,
  SINGLE_REPLICA_NOTE,
  budgetBody,
  budgetDecision,
  budgetName,
  budgetSpec,
  budgetWanted,
  budgetWouldLine,
  drainNotes,
  enforcedIn,
  ownerOfBudget,
  planBudgets,
  replicasOf,
  selectorMatches,
  userBudgetsOf,
  type BudgetAction,
  type BudgetWant,
  type NamespaceView,
} from './budget.js';
