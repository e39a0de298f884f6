// Shell completion for `kubectl paas`: the words typed so far, the word being completed and the
// facts the edge looked up, in; Cobra's candidates and directive, out.
import { describe, expect, it } from 'vitest';
import { complete, completionNeeds, Directive, formatCompletion, type CompletionFacts } from '../../../plugin/completion/complete.js';

// kubectl's connection flags, in the order kubectl lists them; -n and -s right after their long names.
const CONNECTION = [
  '--kubeconfig',
  '--context',
  '--cluster',
  '--user',
  '--namespace',
  '--server',
  '--token',
  '--certificate-authority',
  '--client-certificate',
  '--client-key',
  '--insecure-skip-tls-verify',
  '--tls-server-name',
  '--as',
  '--as-group',
  '--as-uid',
  '--request-timeout',
];
const CONNECTION_WITH_SHORT = CONNECTION.flatMap((f) => (f === '--namespace' ? [f, '-n'] : f === '--server' ? [f, '-s'] : [f]));

const facts: CompletionFacts = {
  contexts: ['prod', 'staging', 'kind-dev'],
  namespaces: ['default', 'shop', 'shipping'],
  deployments: ['web', 'worker', 'api'],
};

/** The candidate names, without their descriptions. */
const names = (candidates: string[]) => candidates.map((c) => c.split('\t')[0]);

describe('complete', () => {
  it.each([
    {
      name: 'offers the commands on an empty line',
      args: [],
      word: '',
      want: ['policy', 'rollout', 'diagnose', 'logs', 'audit', 'version'],
      directive: Directive.noFileComp,
    },
    { name: 'narrows the commands to the prefix', args: [], word: 'ro', want: ['rollout'], directive: Directive.noFileComp },
    { name: 'offers the policy verbs', args: ['policy'], word: '', want: ['apply', 'check', 'show', 'render'], directive: Directive.noFileComp },
    {
      name: 'offers what policy render renders as (its --as, not kubectl impersonation)',
      args: ['policy', 'render', '--as'],
      word: '',
      want: ['mutating-admission-policy'],
      directive: Directive.noFileComp,
    },
    { name: 'offers rollout status and history', args: ['rollout'], word: '', want: ['status', 'history'], directive: Directive.noFileComp },
    {
      name: 'offers the rollout selectors of logs',
      args: ['logs', 'web'],
      word: '--',
      want: [
        ...CONNECTION,
        '--output',
        '--no-color',
        '--help',
        '--deploy-id',
        '--revision',
        '--new',
        '--old',
        '--container',
        '--all-containers',
        '--previous',
        '--since',
        '--tail',
        '--follow',
        '--prefix',
        '--max-log-requests',
      ],
      directive: Directive.noFileComp,
    },
    {
      name: "offers audit's own flags after kubectl's",
      args: ['audit'],
      word: '--',
      want: [...CONNECTION, '--output', '--no-color', '--help', '--selector', '--all-namespaces', '--config'],
      directive: Directive.noFileComp,
    },
    { name: 'offers the Deployments to audit', args: ['audit'], word: 'w', want: ['web', 'worker'], directive: Directive.noFileComp },
    {
      name: "offers version's --client",
      args: ['version'],
      word: '--cl',
      want: ['--cluster', '--client-certificate', '--client-key', '--client'],
      directive: Directive.noFileComp,
    },
    {
      name: 'finds the command after a global flag and its value',
      args: ['-n', 'shop', 'rollout'],
      word: 's',
      want: ['status'],
      directive: Directive.noFileComp,
    },
    { name: 'offers the -o values', args: ['diagnose', '-o'], word: '', want: ['text', 'json', 'yaml'], directive: Directive.noFileComp },
    { name: 'narrows the --output values', args: ['rollout', 'status', '--output'], word: 'j', want: ['json'], directive: Directive.noFileComp },
    { name: 'completes the value in --output=', args: ['diagnose'], word: '--output=y', want: ['yaml'], directive: Directive.noFileComp },
    {
      name: 'offers the manifest extensions for -f',
      args: ['policy', 'apply', '-f'],
      word: '',
      want: ['yaml', 'yml', 'json'],
      directive: Directive.filterFileExt,
    },
    { name: 'offers toml files for --config', args: ['policy', 'show', '--config'], word: 'pa', want: ['toml'], directive: Directive.filterFileExt },
    { name: "leaves --kubeconfig to the shell's file completion", args: ['diagnose', '--kubeconfig'], word: '', want: [], directive: Directive.default },
    { name: 'offers nothing for --timeout', args: ['rollout', 'status', '--timeout'], word: '', want: [], directive: Directive.noFileComp },
    { name: 'offers nothing for -l', args: ['rollout', 'status', '-l'], word: 'app=', want: [], directive: Directive.noFileComp },
    { name: 'offers true and false after --watch=', args: ['rollout', 'status'], word: '--watch=f', want: ['false'], directive: Directive.noFileComp },
    {
      name: 'offers the contexts for --context',
      args: ['diagnose', '--context'],
      word: '',
      want: ['prod', 'staging', 'kind-dev'],
      directive: Directive.noFileComp,
    },
    { name: 'offers the namespaces for -n', args: ['rollout', 'status', '-n'], word: 'sh', want: ['shop', 'shipping'], directive: Directive.noFileComp },
    { name: 'offers the Deployments for diagnose', args: ['diagnose'], word: 'w', want: ['web', 'worker'], directive: Directive.noFileComp },
    {
      name: 'offers the Deployments not yet named for diagnose',
      args: ['diagnose', 'web'],
      word: '',
      want: ['worker', 'api'],
      directive: Directive.noFileComp,
    },
    {
      name: 'offers the Deployments not yet named for rollout status',
      args: ['rollout', 'status', 'web'],
      word: '',
      want: ['worker', 'api'],
      directive: Directive.noFileComp,
    },
    {
      name: 'treats a flag value as no Deployment name',
      args: ['rollout', 'status', '--timeout', '5m'],
      word: '',
      want: ['web', 'worker', 'api'],
      directive: Directive.noFileComp,
    },
    {
      name: 'offers only the -- flags of rollout status for --',
      args: ['rollout', 'status'],
      word: '--',
      want: [
        ...CONNECTION,
        '--output',
        '--no-color',
        '--help',
        '--selector',
        '--all-namespaces',
        '--watch',
        '--timeout',
        '--revision',
        '--final-only',
        '--undo-on-failure',
        '--dry-run',
      ],
      directive: Directive.noFileComp,
    },
    {
      name: 'offers long and short flags for -',
      args: ['diagnose'],
      word: '-',
      want: [
        ...CONNECTION_WITH_SHORT,
        '--output',
        '-o',
        '--no-color',
        '--help',
        '-h',
        '--selector',
        '-l',
        '--all-namespaces',
        '-A',
        '--summary',
        '--events',
        '--logs',
        '--no-logs',
      ],
      directive: Directive.noFileComp,
    },
    {
      name: 'leaves out a flag already given',
      args: ['diagnose', '-o', 'json'],
      word: '--',
      want: [...CONNECTION, '--no-color', '--help', '--selector', '--all-namespaces', '--summary', '--events', '--logs', '--no-logs'],
      directive: Directive.noFileComp,
    },
    { name: 'offers -f again (it repeats)', args: ['policy', 'check', '-f', 'a.yaml'], word: '--f', want: ['--filename'], directive: Directive.noFileComp },
    {
      name: 'offers policy apply its flags, and no connection flag (it reads no cluster)',
      args: ['policy', 'apply'],
      word: '--n',
      want: ['--no-color', '--native-sleep', '--no-native-sleep'],
      directive: Directive.noFileComp,
    },
    { name: "offers a subcommand's flags nowhere else", args: ['diagnose'], word: '--w', want: [], directive: Directive.noFileComp },
    { name: 'takes a word after -- as a positional', args: ['diagnose', '--'], word: '-x', want: [], directive: Directive.noFileComp },
  ])('$name', ({ args, word, want, directive }) => {
    const got = complete(args, word, facts);
    expect(names(got.candidates)).toEqual(want);
    expect(got.directive).toBe(directive);
  });

  it('gives no candidates and no file completion when a lookup failed', () => {
    expect(complete(['diagnose'], '', {})).toEqual({ candidates: [], directive: Directive.noFileComp });
    expect(complete(['diagnose', '-n'], '', {})).toEqual({ candidates: [], directive: Directive.noFileComp });
  });

  it('describes each command and flag after a tab', () => {
    expect(complete([], 'diag', facts).candidates).toEqual([
      'diagnose\tName the cause of stuck rollouts, with evidence and next commands: one workload, several, or all',
    ]);
    expect(complete(['diagnose'], '--ev', facts).candidates).toEqual([
      '--events\tAlso print every event of the rollout as a timeline (in -o json: an "events" array)',
    ]);
  });
});

describe('completionNeeds', () => {
  it.each([
    { name: 'needs nothing for commands', args: [], word: '', want: undefined },
    { name: 'needs nothing for -o', args: ['diagnose', '-o'], word: '', want: undefined },
    {
      name: 'needs the contexts of --kubeconfig for --context',
      args: ['--kubeconfig', '/k', 'diagnose', '--context'],
      word: '',
      want: { fact: 'contexts', flags: { kubeconfig: '/k' } },
    },
    {
      name: 'needs the namespaces for -n, with --context',
      args: ['--context=prod', 'rollout', 'status', '-n'],
      word: '',
      want: { fact: 'namespaces', flags: { context: 'prod' } },
    },
    {
      name: 'needs the Deployments of -n for rollout status',
      args: ['rollout', 'status', '-n', 'shop'],
      word: '',
      want: { fact: 'deployments', flags: { namespace: 'shop' } },
    },
    {
      name: 'reads -nshop and --namespace=shop',
      args: ['diagnose', '-nshop', '--namespace=shipping'],
      word: 'w',
      want: { fact: 'deployments', flags: { namespace: 'shipping' } },
    },
    {
      name: 'needs the Deployments for diagnose with every kube flag',
      args: ['diagnose', '-n', 'shop', '--context', 'prod', '--kubeconfig', '/k'],
      word: '',
      want: { fact: 'deployments', flags: { namespace: 'shop', context: 'prod', kubeconfig: '/k' } },
    },
    {
      name: 'needs the Deployments after a first one for diagnose (it takes several)',
      args: ['diagnose', 'web'],
      word: '',
      want: { fact: 'deployments', flags: {} },
    },
    {
      name: 'needs the Deployments for rollout history',
      args: ['rollout', 'history', '-n', 'shop'],
      word: '',
      want: { fact: 'deployments', flags: { namespace: 'shop' } },
    },
    { name: 'needs the Deployments for logs', args: ['logs', '-n', 'shop', '-f'], word: 'w', want: { fact: 'deployments', flags: { namespace: 'shop' } } },
    { name: 'needs nothing once logs has its Deployment', args: ['logs', 'web'], word: '', want: undefined },
    { name: 'needs nothing for a flag name', args: ['diagnose'], word: '--n', want: undefined },
  ])('$name', ({ args, word, want }) => {
    expect(completionNeeds(args, word)).toEqual(want);
  });
});

describe('formatCompletion', () => {
  it('writes one candidate a line, then the directive', () => {
    expect(formatCompletion({ candidates: ['a\tthe a', 'b'], directive: 8 })).toBe('a\tthe a\nb\n:8\n');
    expect(formatCompletion({ candidates: [], directive: 4 })).toBe(':4\n');
  });

  it('keeps a candidate on its own line', () => {
    expect(formatCompletion({ candidates: ['a\nb'], directive: 0 })).toBe('a b\n:0\n');
  });
});
