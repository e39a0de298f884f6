// Resolving the API server and credentials from a kubeconfig or the in-cluster ServiceAccount.
import { describe, expect, it } from 'vitest';
import { inClusterTarget, KubeConfigError, kubeconfigTarget } from '../../../webhook/server/kube-rest.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const files: Record<string, string> = {
  '/home/me/.kube/ca.pem': 'CA-FROM-FILE',
  '/etc/certs/admin.pem': 'CERT-FROM-FILE',
  '/home/me/.kube/admin-key.pem': 'KEY-FROM-FILE',
  '/home/me/.kube/token': 'tok-from-file\n',
  '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt': 'SA-CA',
  '/var/run/secrets/kubernetes.io/serviceaccount/token': 'sa-token\n',
};
const read = (p: string): string => {
  const v = files[p];
  if (v === undefined) throw new Error(`ENOENT ${p}`);
  return v;
};

const config = (user: string, extra = '') => `
apiVersion: v1
kind: Config
current-context: e2e
contexts:
- name: e2e
  context: {cluster: c1, user: u1}
- name: other
  context: {cluster: c2, user: u1}
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64('CA-INLINE')}
- name: c2
  cluster:
    server: https://127.0.0.1:7443
    certificate-authority: ca.pem
    insecure-skip-tls-verify: true
${extra}
users:
- name: u1
  user:
${user}
`;

describe('kubeconfigTarget', () => {
  it('reads inline certificate data of the current context', () => {
    const t = kubeconfigTarget('/home/me/.kube/config', config(`    client-certificate-data: ${b64('CERT')}\n    client-key-data: ${b64('KEY')}`), read);
    expect(t).toMatchObject({ server: 'https://127.0.0.1:6443', ca: 'CA-INLINE', cert: 'CERT', key: 'KEY', insecure: false });
    expect(t.token).toBeUndefined();
  });

  it('reads files relative to the kubeconfig folder, absolute ones as they are', () => {
    const t = kubeconfigTarget('/home/me/.kube/config', config('    client-certificate: /etc/certs/admin.pem\n    client-key: admin-key.pem'), read, 'other');
    expect(t).toMatchObject({ server: 'https://127.0.0.1:7443', ca: 'CA-FROM-FILE', cert: 'CERT-FROM-FILE', key: 'KEY-FROM-FILE', insecure: true });
  });

  it('uses a token, or a token file read on every call', () => {
    expect(kubeconfigTarget('/home/me/.kube/config', config('    token: abc'), read).token?.()).toBe('abc');
    expect(kubeconfigTarget('/home/me/.kube/config', config('    tokenFile: token'), read).token?.()).toBe('tok-from-file');
  });

  it.each([
    { name: 'an exec plugin', text: config('    exec: {command: aws}'), error: /exec or auth-provider plugin/ },
    { name: 'a missing context', text: config('    token: x').replace('current-context: e2e', 'current-context: nope'), error: /context "nope" not found/ },
    { name: 'no current-context', text: config('    token: x').replace('current-context: e2e', ''), error: /no current-context/ },
    { name: 'broken YAML', text: 'clusters: [', error: /not valid YAML/ },
  ])('refuses $name, naming the file', ({ text, error }) => {
    expect(() => kubeconfigTarget('/home/me/.kube/config', text, read)).toThrow(KubeConfigError);
    expect(() => kubeconfigTarget('/home/me/.kube/config', text, read)).toThrow(error);
    expect(() => kubeconfigTarget('/home/me/.kube/config', text, read)).toThrow(/\/home\/me\/\.kube\/config/);
  });
});

describe('inClusterTarget', () => {
  it('uses the service host and port with the mounted ServiceAccount', () => {
    const t = inClusterTarget({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, read);
    expect(t).toMatchObject({ server: 'https://10.96.0.1:443', ca: 'SA-CA' });
    expect(t.token?.()).toBe('sa-token');
  });
  it('brackets an IPv6 service host', () => {
    expect(inClusterTarget({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, read).server).toBe('https://[fd00::1]:443');
  });
});
