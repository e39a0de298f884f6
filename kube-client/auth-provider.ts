// auth-provider users. kubectl 1.37 still runs `oidc` (its id-token, refreshed with the
// refresh-token at the issuer when expired); `gcp` and `azure` are stubs that only say they were
// removed. oidc is left to @kubernetes/client-node's KubeConfig, imported only here, only for such
// a user (it costs more start-up than kubectl's whole `rollout status`); the others get kubectl's
// own words and the credential plugin to use instead.
import type { AuthProviderConfig } from './kubeconfig.js';
import { KubeError, KubeErrorKind } from './errors.js';

/** kubectl's messages for the auth providers it removed (client-go's gcp and azure stubs), on one line. */
export const REMOVED_PROVIDERS: Readonly<Record<string, string>> = {
  gcp: 'The gcp auth plugin has been removed. Please use the "gke-gcloud-auth-plugin" kubectl/client-go credential plugin instead. See https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke for further details',
  azure:
    'The azure auth plugin has been removed. Please use the https://github.com/Azure/kubelogin kubectl/client-go credential plugin instead. See https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins for further details',
};

const fail = (p: AuthProviderConfig, what: string) => new KubeError(KubeErrorKind.Credentials, `auth-provider "${p.name}" of user "${p.user}": ${what}`);

/** The Authorization header an auth-provider user sends; throws a one-line KubeError otherwise. */
export async function authProviderHeader(p: AuthProviderConfig, server: string): Promise<string | undefined> {
  const removed = REMOVED_PROVIDERS[p.name];
  if (removed) throw fail(p, removed);
  if (p.name !== 'oidc') throw fail(p, `no Auth Provider found for name "${p.name}"; use an exec credential plugin (users[].user.exec)`);
  let k8s: typeof import('@kubernetes/client-node');
  try {
    k8s = await import('@kubernetes/client-node');
  } catch {
    throw fail(
      p,
      'needs @kubernetes/client-node, which this installation leaves out (the paas-webhook image does); use an exec credential plugin such as kubelogin',
    );
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'cluster', server, skipTLSVerify: false }],
    users: [{ name: p.user, authProvider: { name: p.name, config: p.config } }],
    contexts: [{ name: 'context', cluster: 'cluster', user: p.user }],
    currentContext: 'context',
  });
  const opts: { headers: Record<string, unknown> } = { headers: {} };
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (err) {
    throw fail(p, (err as Error).message.split('\n')[0] ?? 'failed');
  }
  const header = opts.headers.Authorization;
  return typeof header === 'string' ? header : undefined;
}
