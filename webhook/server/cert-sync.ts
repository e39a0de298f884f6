// --self-signed mode, the leader loop: each round every replica reads the Lease, the one that holds
// it plans and mints certificates and writes the Secret and the caBundle, and every replica loads
// the serving pair the Secret holds. Kubernetes calls go through CertGateway (cert-gateway.ts),
// minting through cert-mint.ts.
import type { FastifyBaseLogger } from 'fastify';
import { CaBundleResult, isStatus, type CertGateway } from './cert-gateway.js';
import { applyPlan } from './cert-mint.js';
import { leaseDecision, LeaseAction, RELEASED, shouldRelease } from './lease.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, storeFacts, type CertLifetimes } from './self-signed.js';
import { checkPair, type ServingPair } from './tls.js';

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
export const ReleaseOutcome = { Released: 'released', NotHeld: 'not-held', Failed: 'failed' } as const;
export type ReleaseOutcome = (typeof ReleaseOutcome)[keyof typeof ReleaseOutcome];

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
        return ReleaseOutcome.NotHeld;
      }
      await this.o.gateway.writeLease(RELEASED.holder, RELEASED.durationSeconds, new Date((this.o.now ?? Date.now)()), lease?.resourceVersion);
      this.leader = false;
      this.o.logger.info({ identity }, 'self-signed: Lease released; another replica can take over at once');
      return ReleaseOutcome.Released;
    } catch (err) {
      const conflict = isStatus(err, 409);
      this.o.logger.warn({ identity, err: (err as Error).message, conflict }, 'self-signed: Lease not released; another replica takes over when it expires');
      return ReleaseOutcome.Failed;
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
      const next = await applyPlan(plan, { data, cas }, this.o.sans, now, life);
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
      if (r === CaBundleResult.Updated) this.o.logger.info('self-signed: caBundle written into the MutatingWebhookConfiguration');
      if (r === CaBundleResult.NotFound) this.o.logger.warn('self-signed: MutatingWebhookConfiguration not found; caBundle not written (will retry)');
    }
    return current;
  }
}
