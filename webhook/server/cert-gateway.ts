// --self-signed mode, the Kubernetes gateway: the calls that read and write the certificate
// Secret, the Lease and the MutatingWebhookConfiguration's caBundle, over the shared KubeClient. The leader
// loop (cert-sync.ts) talks to it through CertGateway, so tests replace it with a fake.
import type { KubeClient } from '../../kube-client/client.js';
import { isStatus } from '../../kube-client/errors.js';
import type { LeaseView } from './lease.js';

/** Names of the objects self-signed mode reads and writes (all configurable by flags). */
export interface SelfSignedNames {
  namespace: string;
  secretName: string;
  webhookConfigName: string;
  leaseName: string;
}

/** A Secret's data, decoded. */
export type SecretData = Partial<Record<string, string>>;

/** What writing the caBundle did. */
export const CaBundleResult = { Updated: 'updated', Unchanged: 'unchanged', NotFound: 'not-found' } as const;
export type CaBundleResult = (typeof CaBundleResult)[keyof typeof CaBundleResult];

/** The Kubernetes calls of self-signed mode; `kubeGateway` implements them over KubeClient. */
export interface CertGateway {
  readSecret(): Promise<{ data: SecretData; resourceVersion?: string } | undefined>;
  /** Creates the Secret (no resourceVersion) or replaces it; throws on a conflict. */
  writeSecret(data: SecretData, resourceVersion?: string): Promise<void>;
  readLease(): Promise<(LeaseView & { resourceVersion?: string }) | undefined>;
  writeLease(holder: string, durationSeconds: number, now: Date, resourceVersion?: string): Promise<void>;
  /** Sets every webhook's caBundle in the configuration; says whether anything changed. */
  setCaBundle(pemBundle: string): Promise<CaBundleResult>;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
/** Whether an API error is the HTTP status `code` (404 absent, 409 conflict). */
export { isStatus };
/** metav1.MicroTime wants six fractional digits. */
const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw err;
  }
}

interface ObjectMeta {
  metadata?: { resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

type KeptMeta = { labels?: Record<string, string>; annotations?: Record<string, string> };

/** The labels and annotations of an object as last read, so a PUT keeps what others put there
 * (the manifests' app labels, Flux's `ssa: IfNotPresent`, Argo CD's `Prune=false`). */
function keptMeta(o: ObjectMeta | undefined): KeptMeta {
  const m = o?.metadata;
  return { ...(m?.labels ? { labels: m.labels } : {}), ...(m?.annotations ? { annotations: m.annotations } : {}) };
}

/** The Secret to create (no resourceVersion) or replace: our data, and the labels, annotations and
 * type others put on it kept (the type is immutable). */
function secretBody(names: SelfSignedNames, data: SecretData, resourceVersion: string | undefined, kept: KeptMeta & { type?: string }): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: resourceVersion ? (kept.type ?? 'Opaque') : 'Opaque',
    metadata: {
      name: names.secretName,
      namespace: names.namespace,
      ...(resourceVersion ? { resourceVersion } : {}),
      ...(resourceVersion && kept.annotations ? { annotations: kept.annotations } : {}),
      // A label someone else set wins: Helm's managed-by=Helm marks the Secret as its release's
      // (its ownership check, and its server-side apply, would fail on ours).
      labels: { 'app.kubernetes.io/managed-by': 'paas-webhook', ...(resourceVersion ? kept.labels : {}) },
    },
    data: Object.fromEntries(Object.entries(data).flatMap(([k, v]) => (v === undefined ? [] : [[k, b64(v)]]))),
  };
}

/** The Lease to create (no resourceVersion) or replace, keeping the labels and annotations others put on it. */
function leaseBody(names: SelfSignedNames, l: { holder: string; durationSeconds: number; now: Date; resourceVersion?: string }, kept: KeptMeta): object {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: names.leaseName, namespace: names.namespace, ...(l.resourceVersion ? { resourceVersion: l.resourceVersion, ...kept } : {}) },
    spec: { holderIdentity: l.holder, leaseDurationSeconds: l.durationSeconds, renewTime: microTime(l.now), acquireTime: microTime(l.now) },
  };
}

/**
 * CertGateway over the API. RBAC it needs (manifests/base/rbac.yaml): get/update on the Secret
 * and the Lease (create only when they do not exist yet), get/patch on the configuration.
 */
export function kubeGateway(rest: KubeClient, names: SelfSignedNames): CertGateway {
  const { namespace, secretName, leaseName, webhookConfigName } = names;
  const secrets = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const leases = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const config = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(webhookConfigName)}`;
  // Metadata of the Secret and the Lease as last read; a write replaces data/spec only.
  let secretMeta: KeptMeta & { type?: string } = {};
  let leaseMeta: KeptMeta = {};
  return {
    async readSecret() {
      const s = await orUndefined(
        rest.call<ObjectMeta & { type?: string; data?: Record<string, string> }>('GET', `${secrets}/${encodeURIComponent(secretName)}`),
      );
      if (!s) return undefined;
      secretMeta = { ...keptMeta(s), ...(s.type ? { type: s.type } : {}) };
      return { data: Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, unb64(v)])), resourceVersion: s.metadata?.resourceVersion };
    },
    async writeSecret(data, resourceVersion) {
      const body = secretBody(names, data, resourceVersion, secretMeta);
      if (resourceVersion === undefined) await rest.call('POST', secrets, body);
      else await rest.call('PUT', `${secrets}/${encodeURIComponent(secretName)}`, body);
    },
    async readLease() {
      const l = await orUndefined(
        rest.call<ObjectMeta & { spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } }>(
          'GET',
          `${leases}/${encodeURIComponent(leaseName)}`,
        ),
      );
      if (!l) return undefined;
      leaseMeta = keptMeta(l);
      return {
        holder: l.spec?.holderIdentity,
        renewTime: l.spec?.renewTime ? Date.parse(l.spec.renewTime) : undefined,
        durationSeconds: l.spec?.leaseDurationSeconds,
        resourceVersion: l.metadata?.resourceVersion,
      };
    },
    async writeLease(holder, durationSeconds, now, resourceVersion) {
      const body = leaseBody(names, { holder, durationSeconds, now, resourceVersion }, leaseMeta);
      if (resourceVersion === undefined) await rest.call('POST', leases, body);
      else await rest.call('PUT', `${leases}/${encodeURIComponent(leaseName)}`, body);
    },
    async setCaBundle(pemBundle) {
      const current = await orUndefined(rest.call<ObjectMeta & { webhooks?: Array<{ clientConfig?: { caBundle?: string } }> }>('GET', config));
      if (!current) return CaBundleResult.NotFound;
      const want = b64(pemBundle);
      const hooks = current.webhooks ?? [];
      if (hooks.every((h) => h.clientConfig?.caBundle === want)) return CaBundleResult.Unchanged;
      // A JSON Patch (RBAC: patch only), guarded by a test on resourceVersion against lost updates.
      const patch = [
        { op: 'test', path: '/metadata/resourceVersion', value: current.metadata?.resourceVersion },
        ...hooks.map((_, i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: want })),
      ];
      await rest.call('PATCH', config, patch, 'application/json-patch+json');
      return CaBundleResult.Updated;
    },
  };
}
