// The flags of `kubectl paas diagnose`, parsed by the real CLI: every refusal happens before any
// kubeconfig is read or any connection is made, as one line naming the flag.
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

describe('diagnose flags', () => {
  it.each([
    { name: 'names and a selector together', argv: ['web', '-l', 'app=web'], says: 'name workloads or give -l/--selector, not both' },
    { name: 'a name with -A', argv: ['sts/db', '--all-namespaces'], says: 'a workload is named in one namespace: give -n, not -A/--all-namespaces' },
    { name: 'another kind', argv: ['job/x'], says: 'invalid resource "job/x": name a deployment, statefulset (sts) or daemonset (ds), as TYPE/NAME' },
    { name: 'a bad DaemonSet name', argv: ['ds/Agent'], says: 'invalid daemonset name "Agent"' },
    { name: '--logs past its bound', argv: ['web', '--logs', '1001'], says: 'invalid value "1001" for --logs' },
  ])('refuses $name with exit 5 and one line', async ({ argv, says }) => {
    const err = await refusal(['diagnose', ...argv, '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(err.exit).toBe(5);
    expect(err.message).toContain(says);
    expect(err.message).not.toContain('\n');
  });

  it.each([
    { name: 'several workloads of every kind', argv: ['web', 'deployment/api', 'sts/db', 'ds/agent'] },
    { name: '-A --summary', argv: ['-A', '--summary'] },
    { name: '-l with -n', argv: ['-l', 'team=shop', '-n', 'shop'] },
    { name: 'no name at all', argv: [] },
  ])('accepts $name and reads the kubeconfig next', async ({ argv }) => {
    const err = await refusal(['diagnose', ...argv, '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(err.message).toMatch(/^cannot read kubeconfig \/nonexistent\/kubeconfig/);
  });
});
