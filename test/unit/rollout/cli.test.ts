// The flags of `kubectl paas rollout status`, parsed by the real CLI: every refusal happens
// before any kubeconfig is read or any connection is made, as one line naming the flag.
import { describe, expect, it } from 'vitest';
import { main } from '../../../plugin/cli.js';
import { PaasError } from '../../../core/errors.js';
import { cliRun } from '../plugin/cli-harness.js';

async function refusal(argv: string[]): Promise<PaasError> {
  try {
    await main(argv, cliRun().deps);
  } catch (err) {
    if (err instanceof PaasError) return err;
    throw err;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('rollout status flags', () => {
  it.each([
    { name: 'a --timeout without a unit', argv: ['web', '--timeout', '5'], says: '--timeout: invalid duration "5"' },
    { name: 'a negative --timeout', argv: ['web', '--timeout=-5s'], says: '--timeout' },
    { name: 'an unknown output format', argv: ['web', '-o', 'xml'], says: 'invalid value "xml" for -o/--output' },
    { name: 'a negative --revision', argv: ['web', '--revision', '-1'], says: 'invalid value "-1" for --revision' },
    { name: 'a fractional --revision', argv: ['web', '--revision', '1.5'], says: '--revision' },
    { name: 'names and a selector together', argv: ['web', '-l', 'app=web'], says: 'not both' },
    { name: 'an invalid Deployment name', argv: ['Web_1'], says: 'invalid deployment name "Web_1"' },
    { name: 'a Deployment name longer than 253 characters', argv: ['a'.repeat(254)], says: `invalid deployment name "${'a'.repeat(254)}"` },
    { name: 'an unknown flag', argv: ['web', '--frobnicate'], says: 'frobnicate' },
    { name: 'a name with -A', argv: ['web', '-A'], says: 'a workload is named in one namespace: give -n, not -A/--all-namespaces' },
    {
      name: 'a kind rollout status cannot follow',
      argv: ['pod/web'],
      says: 'invalid resource "pod/web": name a deployment, statefulset (sts) or daemonset (ds), as TYPE/NAME',
    },
    { name: 'an invalid StatefulSet name', argv: ['sts/DB'], says: 'invalid statefulset name "DB"' },
    {
      name: '--revision with a StatefulSet',
      argv: ['sts/db', '--revision', '2'],
      says: '--revision pins a Deployment: name no statefulset or daemonset with it',
    },
    {
      name: '--undo-on-failure of a DaemonSet',
      argv: ['ds/agent', '--undo-on-failure'],
      says: '--undo-on-failure rolls back one Deployment: name exactly one',
    },
    { name: '--undo-on-failure with -A', argv: ['-A', '--undo-on-failure'], says: '--undo-on-failure rolls back one Deployment: name exactly one' },
  ])('refuses $name with exit 5 and one line', async ({ argv, says }) => {
    const err = await refusal(['rollout', 'status', ...argv, '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(err.exit).toBe(5);
    expect(err.message).toContain(says);
    expect(err.message).not.toContain('\n');
  });

  it("accepts kubectl's type/name form and reads the kubeconfig next (here: missing)", async () => {
    const err = await refusal([
      'rollout',
      'status',
      'deployment/web',
      '--timeout',
      '1h2m',
      '--revision',
      '3',
      '-o',
      'yaml',
      '--kubeconfig',
      '/nonexistent/kubeconfig',
    ]);
    expect(err.message).toBe("cannot read kubeconfig /nonexistent/kubeconfig: ENOENT: no such file or directory, open '/nonexistent/kubeconfig'");
  });

  it.each([
    { name: 'sts/ and ds/ with -n', argv: ['sts/db', 'ds/agent', 'deploy/web', '-n', 'data'] },
    { name: '-A with -l', argv: ['-A', '-l', 'team=shop', '--watch=false'] },
  ])('accepts $name and reads the kubeconfig next', async ({ argv }) => {
    const err = await refusal(['rollout', 'status', ...argv, '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(err.message).toMatch(/^cannot read kubeconfig \/nonexistent\/kubeconfig/);
  });

  it('needs a subcommand', async () => {
    const err = await refusal(['rollout']);
    expect(err.message).toContain('status');
  });
});
