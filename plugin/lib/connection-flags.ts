// kubectl's connection flags (genericclioptions' ConfigFlags), the ones every kubectl plugin is
// expected to take, in one table: every command that talks to a cluster takes them (the one
// declaration of commands, plugin/commands/table.ts, gives them to yargs and to the completion
// table), and connectionFlags() reads them back. Their meaning and precedence over the
// kubeconfig are kube-client/kubeconfig.ts's.
import type { ConnectionFlags } from '../../kube-client/kubeconfig.js';
import type { FlagSpec } from './flag-spec.js';

/** The flags, in kubectl's order. */
export const CONNECTION_FLAGS: readonly FlagSpec[] = [
  { name: 'kubeconfig', describe: 'Path to the kubeconfig file (default: $KUBECONFIG, merged as kubectl merges it, else ~/.kube/config)', value: 'file' },
  { name: 'context', describe: 'The kubeconfig context to use', value: 'context' },
  { name: 'cluster', describe: "The kubeconfig cluster to use (instead of the context's)", value: 'cluster' },
  { name: 'user', describe: "The kubeconfig user to use (instead of the context's)", value: 'user' },
  { name: 'namespace', short: 'n', describe: "Namespace (default: the kubeconfig context's)", value: 'namespace' },
  { name: 'server', short: 's', describe: 'The address and port of the Kubernetes API server', value: 'free' },
  { name: 'token', describe: 'Bearer token for authentication to the API server', value: 'free' },
  { name: 'certificate-authority', describe: 'Path to a cert file for the certificate authority', value: 'file' },
  { name: 'client-certificate', describe: 'Path to a client certificate file for TLS', value: 'file' },
  { name: 'client-key', describe: 'Path to a client key file for TLS', value: 'file' },
  { name: 'insecure-skip-tls-verify', describe: "Don't check the server's certificate (insecure)", value: 'none' },
  { name: 'tls-server-name', describe: "Server name to verify the server certificate against (default: the server's host)", value: 'free' },
  { name: 'as', describe: 'Username to impersonate for the operation (a user or a service account)', value: 'free' },
  { name: 'as-group', describe: 'Group to impersonate for the operation; repeat for several', value: 'free', repeat: true },
  { name: 'as-uid', describe: 'UID to impersonate for the operation', value: 'free' },
  {
    name: 'request-timeout',
    describe:
      'How long to wait for one answer from the server (1s, 2m; a bare number is seconds); 0 waits, though connecting and the first byte are always bounded',
    value: 'free',
  },
];

const text = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
/** A repeated flag's values (yargs gives one value, or an array when repeated). */
const list = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).map(text).filter((x): x is string => x !== undefined);
/** The last value of a flag given more than once (kubectl's pflag keeps the last). */
const last = (v: unknown): string | undefined => list(v).at(-1);

/** The flags a command line gave, as the access layer takes them. */
export function connectionFlags(argv: Readonly<Record<string, unknown>>): ConnectionFlags {
  const out: ConnectionFlags = {};
  const set = <K extends keyof ConnectionFlags>(k: K, v: ConnectionFlags[K] | undefined) => {
    if (v !== undefined && v !== '') out[k] = v;
  };
  set('kubeconfig', last(argv.kubeconfig));
  set('context', last(argv.context));
  set('cluster', last(argv.cluster));
  set('user', last(argv.user));
  set('namespace', last(argv.namespace));
  set('server', last(argv.server));
  set('token', last(argv.token));
  set('certificateAuthority', last(argv['certificate-authority']));
  set('clientCertificate', last(argv['client-certificate']));
  set('clientKey', last(argv['client-key']));
  if (argv['insecure-skip-tls-verify'] === true) out.insecureSkipTlsVerify = true;
  set('tlsServerName', last(argv['tls-server-name']));
  set('as', last(argv.as));
  const groups = list(argv['as-group']);
  if (groups.length) out.asGroup = groups;
  set('asUid', last(argv['as-uid']));
  set('requestTimeout', last(argv['request-timeout']));
  return out;
}
