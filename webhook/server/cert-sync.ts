// --self-signed mode, the edges: generate certificates with `selfsigned`, keep them in a Secret
// shared by every replica, write the CA bundle into the MutatingWebhookConfiguration, and hold a
// Lease so that one replica (the leader) does the writing.
import type { X509Certificate } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { generate } from 'selfsigned';
import { KubeHttpError, type KubeRest } from './kube-rest.js';
import { leaseDecision, LeaseAction, RELEASED, shouldRelease, type LeaseView } from './lease.js';
import { DEFAULT_LIFETIMES, planCertificates, sanEntries, SecretKeys, storeFacts, type CertLifetimes, type CertPlan } from './self-signed.js';
import { checkPair, type ServingPair } from './tls.js';

/** Names of the objects self-signed mode reads and writes (all configurable by flags). */
export interface SelfSignedNames {
  namespace: string;
  secretName: string;
  webhookConfigName: string;
  leaseName: string;
}

type SecretData = Partial<Record<string, string>>;

/** The Kubernetes calls of self-signed mode; `kubeGateway` implements them over KubeRest. */
export interface CertGateway {
  readSecret(): Promise<{ data: SecretData; resourceVersion?: string } | undefined>;
  /** Creates the Secret (no resourceVersion) or replaces it; throws on a conflict. */
  writeSecret(data: SecretData, resourceVersion?: string): Promise<void>;
  readLease(): Promise<(LeaseView & { resourceVersion?: string }) | undefined>;
  writeLease(holder: string, durationSeconds: number, now: Date, resourceVersion?: string): Promise<void>;
  /** Sets every webhook's caBundle in the configuration; says whether anything changed. */
  setCaBundle(pemBundle: string): Promise<'updated' | 'unchanged' | 'not-found'>;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
const isStatus = (err: unknown, code: number): boolean => err instanceof KubeHttpError && err.code === code;
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

/**
 * CertGateway over the API. RBAC it needs (manifests/base/rbac.yaml): get/update on the Secret
 * and the Lease (create only when they do not exist yet), get/patch on the configuration.
 */
export function kubeGateway(rest: KubeRest, names: SelfSignedNames): CertGateway {
  const { namespace, secretName, leaseName, webhookConfigName } = names;
  const secrets = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const leases = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const config = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(webhookConfigName)}`;
  // Metadata of the Secret and the Lease as last read; a write replaces data/spec only.
  let secretMeta: KeptMeta & { type?: string } = {};
  let leaseMeta: KeptMeta = {};
  return {
    async readSecret() {
      const s = await orUndefined(rest.call<ObjectMeta & { type?: string; data?: Record<string, string> }>('GET', `${secrets}/${encodeURIComponent(secretName)}`));
      if (!s) return undefined;
      secretMeta = { ...keptMeta(s), ...(s.type ? { type: s.type } : {}) };
      return { data: Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, unb64(v)])), resourceVersion: s.metadata?.resourceVersion };
    },
    async writeSecret(data, resourceVersion) {
      const body = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: resourceVersion ? (secretMeta.type ?? 'Opaque') : 'Opaque', // type is immutable
        metadata: {
          name: secretName,
          namespace,
          ...(resourceVersion ? { resourceVersion } : {}),
          ...(resourceVersion && secretMeta.annotations ? { annotations: secretMeta.annotations } : {}),
          // A label someone else set wins: Helm's managed-by=Helm marks the Secret as its release's
          // (its ownership check, and its server-side apply, would fail on ours).
          labels: { 'app.kubernetes.io/managed-by': 'paas-webhook', ...(resourceVersion ? secretMeta.labels : {}) },
        },
        data: Object.fromEntries(Object.entries(data).flatMap(([k, v]) => (v === undefined ? [] : [[k, b64(v)]]))),
      };
      if (resourceVersion === undefined) await rest.call('POST', secrets, body);
      else await rest.call('PUT', `${secrets}/${encodeURIComponent(secretName)}`, body);
    },
    async readLease() {
      const l = await orUndefined(
        rest.call<ObjectMeta & { spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } }>('GET', `${leases}/${encodeURIComponent(leaseName)}`),
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
      const body = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: leaseName, namespace, ...(resourceVersion ? { resourceVersion, ...leaseMeta } : {}) },
        spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, renewTime: microTime(now), acquireTime: microTime(now) },
      };
      if (resourceVersion === undefined) await rest.call('POST', leases, body);
      else await rest.call('PUT', `${leases}/${encodeURIComponent(leaseName)}`, body);
    },
    async setCaBundle(pemBundle) {
      const current = await orUndefined(rest.call<ObjectMeta & { webhooks?: Array<{ clientConfig?: { caBundle?: string } }> }>('GET', config));
      if (!current) return 'not-found';
      const want = b64(pemBundle);
      const hooks = current.webhooks ?? [];
      if (hooks.every((h) => h.clientConfig?.caBundle === want)) return 'unchanged';
      // A JSON Patch (RBAC: patch only), guarded by a test on resourceVersion against lost updates.
      const patch = [
        { op: 'test', path: '/metadata/resourceVersion', value: current.metadata?.resourceVersion },
        ...hooks.map((_, i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: want })),
      ];
      await rest.call('PATCH', config, patch, 'application/json-patch+json');
      return 'updated';
    },
  };
}

const SKEW_MS = 5 * 60_000; // notBefore in the past, for nodes whose clocks run behind

async function newCa(now: number, life: CertLifetimes): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: `paas-webhook-ca-${new Date(now).toISOString().slice(0, 10)}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - SKEW_MS),
    notAfterDate: new Date(now + life.caValidity),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Issues a serving certificate for `sans` signed by `ca`, never outliving the CA. */
export async function newServing(ca: { cert: string; key: string; notAfter: number }, sans: readonly string[], now: number, life: CertLifetimes): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: sans.find((s) => s.includes('.svc')) ?? sans[0] ?? 'paas-webhook' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - SKEW_MS),
    notAfterDate: new Date(Math.min(now + life.servingValidity, ca.notAfter)),
    ca: { cert: ca.cert, key: ca.key },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: sanEntries(sans) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Carries out a plan on the Secret's data: new CA first in the bundle, expired ones dropped. */
export async function applyPlan(plan: CertPlan, data: SecretData, cas: X509Certificate[], sans: readonly string[], now: number, life: CertLifetimes): Promise<SecretData> {
  let bundle = cas.filter((_, i) => !plan.dropCas.includes(i)).map((c) => c.toString());
  const caKey = data[SecretKeys.CaKey];
  let ca = cas[0] && caKey && !plan.dropCas.includes(0) ? { cert: cas[0].toString(), key: caKey, notAfter: Date.parse(cas[0].validTo) } : undefined;
  if (plan.newCa || ca === undefined) {
    const fresh = await newCa(now, life);
    ca = { ...fresh, notAfter: now + life.caValidity };
    bundle = [fresh.cert, ...bundle];
  }
  const serving = plan.newServing ? await newServing(ca, sans, now, life) : { cert: data[SecretKeys.Cert] ?? '', key: data[SecretKeys.Key] ?? '' };
  return {
    [SecretKeys.CaBundle]: bundle.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''),
    [SecretKeys.CaKey]: ca.key,
    [SecretKeys.Cert]: serving.cert,
    [SecretKeys.Key]: serving.key,
  };
}

export interface CertSyncOptions {
  gateway: CertGateway;
  sans: readonly string[];
  identity: string; // this replica's Lease holder identity (the pod name)
  logger: FastifyBaseLogger;
  leaseSeconds?: number;
  lifetimes?: CertLifetimes;
  now?: () => number;
}

/** How `release()` ended: the Lease written released, not ours to release, or not written. */
export type ReleaseOutcome = 'released' | 'not-held' | 'failed';

/** One replica's view of self-signed mode; `sync()` is one round of lead, plan, write, load. */
export class CertSync {
  private last?: string;
  private stopped = false;
  private running?: Promise<unknown>;
  leader = false;
  constructor(private readonly o: CertSyncOptions) {}

  /** One round: returns the serving pair to use when it changed since the last round. After
   * `release()` it does nothing, so a late timer tick cannot take the Lease back. */
  async sync(): Promise<ServingPair | undefined> {
    if (this.stopped) return undefined;
    const round = this.round();
    this.running = round.catch(() => undefined);
    return round;
  }

  /**
   * On shutdown: stop syncing and, when this replica holds the Lease, write it released (no
   * holder, see RELEASED) guarded by its resourceVersion, so another replica takes over on its
   * next round instead of waiting the lease out. Best effort: logs the outcome, never throws;
   * the caller bounds it with a timeout.
   */
  async release(): Promise<ReleaseOutcome> {
    this.stopped = true;
    await this.running; // a round in flight could renew the Lease after we release it
    const identity = this.o.identity;
    try {
      const lease = await this.o.gateway.readLease();
      if (!shouldRelease(lease, identity)) {
        this.o.logger.info({ identity, holder: lease?.holder ?? null }, 'self-signed: not holding the Lease; nothing to release');
        return 'not-held';
      }
      await this.o.gateway.writeLease(RELEASED.holder, RELEASED.durationSeconds, new Date((this.o.now ?? Date.now)()), lease?.resourceVersion);
      this.leader = false;
      this.o.logger.info({ identity }, 'self-signed: Lease released; another replica can take over at once');
      return 'released';
    } catch (err) {
      const conflict = isStatus(err, 409);
      this.o.logger.warn({ identity, err: (err as Error).message, conflict }, 'self-signed: Lease not released; another replica takes over when it expires');
      return 'failed';
    }
  }

  private async round(): Promise<ServingPair | undefined> {
    const now = (this.o.now ?? Date.now)();
    this.leader = await this.lead(now);
    let secret = await this.o.gateway.readSecret();
    if (this.leader) secret = await this.maintain(secret, now);
    const cert = secret?.data[SecretKeys.Cert];
    const key = secret?.data[SecretKeys.Key];
    if (!cert || !key) return undefined;
    const pair = checkPair(cert, key, `Secret ${SecretKeys.Cert}/${SecretKeys.Key}`);
    if (pair.fingerprint === this.last) return undefined;
    this.last = pair.fingerprint;
    return pair;
  }

  private async lead(now: number): Promise<boolean> {
    const seconds = this.o.leaseSeconds ?? 60;
    const lease = await this.o.gateway.readLease();
    const action = leaseDecision(lease, this.o.identity, now, seconds);
    if (action === LeaseAction.Follow) return false;
    try {
      await this.o.gateway.writeLease(this.o.identity, seconds, new Date(now), lease?.resourceVersion);
    } catch (err) {
      if (isStatus(err, 409)) return false; // another replica won this round
      throw err;
    }
    if (!this.leader) this.o.logger.info({ lease: action, identity: this.o.identity }, 'self-signed: this replica now manages the certificates');
    return true;
  }

  private async maintain(secret: Awaited<ReturnType<CertGateway['readSecret']>>, now: number): Promise<typeof secret> {
    const data = secret?.data ?? {};
    const { facts, cas } = storeFacts(data);
    const life = this.o.lifetimes ?? DEFAULT_LIFETIMES;
    const plan = planCertificates(facts, now, this.o.sans, life);
    let current = secret;
    if (plan.newCa || plan.newServing || plan.dropCas.length > 0) {
      const next = await applyPlan(plan, data, cas, this.o.sans, now, life);
      try {
        await this.o.gateway.writeSecret(next, secret?.resourceVersion);
      } catch (err) {
        if (isStatus(err, 409)) return this.o.gateway.readSecret(); // someone else wrote first: use theirs
        throw err;
      }
      this.o.logger.info({ reasons: plan.reasons, newCa: plan.newCa, newServing: plan.newServing }, 'self-signed: certificates issued');
      current = { data: next };
    }
    const bundle = current?.data[SecretKeys.CaBundle];
    if (bundle) {
      const r = await this.o.gateway.setCaBundle(bundle);
      if (r === 'updated') this.o.logger.info('self-signed: caBundle written into the MutatingWebhookConfiguration');
      if (r === 'not-found') this.o.logger.warn('self-signed: MutatingWebhookConfiguration not found; caBundle not written (will retry)');
    }
    return current;
  }
}
