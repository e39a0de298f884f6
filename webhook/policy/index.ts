// The rollout policy engine's public interface, shared by the webhook and `kubectl paas policy`.
export * from './types.js';
export { ConfigError, PolicyInputError } from './errors.js';
export { DEFAULT_CONFIG, parseConfig } from './config.js';
export { mutateDeployment, checkDeployment, SkipReason, type CheckResult, type Violation } from './engine.js';
export { summarizePolicy, type PolicySummary } from './summary.js';
export { graceSeconds } from './rules.js';
export { applyPatch } from './patch.js';
export { LABEL, ANNOTATION, OPT_OUT_VALUE } from './overrides.js';
