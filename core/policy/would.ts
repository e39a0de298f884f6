// Warn mode's words: the change the policy would make, said before it is made. The webhook's warn
// path (and, later, an audit of running Deployments) turns each finding of `checkDeployment` into
// one line in the same shape as the enforce path's warning, so the two read alike:
//   enforce: "paas: preStop sleep 5 added to container app"  warn: "paas: would add preStop sleep 5 to container app"
//   enforce: "paas: maxUnavailable 25% -> 0"                   warn: "paas: would change maxUnavailable 25% -> 0"
import type { Finding } from './rules.js';

const PREFIX = 'paas: ';
const ADDED = ' added to ';

/** The warn-mode line of one finding: "would add X to container c" or "would change A -> B". */
export function wouldLine(finding: Pick<Finding, 'message'>): string {
  const body = finding.message.startsWith(PREFIX) ? finding.message.slice(PREFIX.length) : finding.message;
  const at = body.lastIndexOf(ADDED);
  if (at > 0) return `${PREFIX}would add ${body.slice(0, at)} to ${body.slice(at + ADDED.length)}`;
  return `${PREFIX}would change ${body}`;
}

/** The warn-mode lines of a Deployment's findings, in the engine's order. */
export function wouldLines(findings: readonly Pick<Finding, 'message'>[]): string[] {
  return findings.map(wouldLine);
}
