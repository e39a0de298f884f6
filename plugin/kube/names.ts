// Object names as kubectl takes them on the command line.

/** A DNS-1123 subdomain, the rule for a Deployment's name (lowercase, '-' and '.', at most 253). */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The Deployment name in a command-line argument (`web`, `deploy/web`, `deployments.apps/web`),
 * or undefined when it cannot be the name of a Deployment.
 */
export function deploymentName(arg: string): string | undefined {
  const name = arg.replace(/^(deployments?|deploy)(\.apps)?\//, '');
  return SUBDOMAIN.test(name) && name.length <= 253 ? name : undefined;
}
