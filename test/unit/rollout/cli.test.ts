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

  it('needs a subcommand', async () => {
    const err = await refusal(['rollout']);
    expect(err.message).toContain('status');
  });
});
