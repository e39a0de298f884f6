// --self-signed mode, the leader loop: each round every replica reads the Lease, the one that holds
// it plans and mints certificates and writes the Secret and the caBundle, and every replica loads
// the serving pair the Secret holds. Kubernetes calls go through CertGateway (cert-gateway.ts),
// minting through cert-mint.ts.
import type { FastifyBaseLogger } from 'fastify';
import { CaBundleResult, isStatus, type CertGateway } from './cert-gateway.js';
import { applyPlan } from './cert-mint.js';
import { LeaseElector, ReleaseOutcome } from './leader.js';
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

export { ReleaseOutcome };

/** One replica's view of self-signed mode; `sync()` is one round of lead, plan, write, load. */
export class CertSync {
  private last?: string;
  private stopped = false;
  private running?: Promise<unknown>;
  /** The election this loop runs every round; arming (arming-loop.ts) follows its verdict. */
  readonly elector: LeaseElector;
  constructor(private readonly o: CertSyncOptions) {
    this.elector = new LeaseElector({
      leases: o.gateway,
      identity: o.identity,
      logger: o.logger,
      prefix: 'self-signed',
      role: 'manages the certificates',
      ...(o.leaseSeconds !== undefined ? { leaseSeconds: o.leaseSeconds } : {}),
      ...(o.now ? { now: o.now } : {}),
    });
  }

  /** Whether this replica held the Lease at its last round. */
  get leader(): boolean {
    return this.elector.leader;
  }

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
    return this.elector.release();
  }

  private async round(): Promise<ServingPair | undefined> {
    const now = (this.o.now ?? Date.now)();
    const leader = await this.elector.lead(now);
    let secret = await this.o.gateway.readSecret();
    if (leader) secret = await this.maintain(secret, now);
    const cert = secret?.data[SecretKeys.Cert];
    const key = secret?.data[SecretKeys.Key];
    if (!cert || !key) return undefined;
    const pair = checkPair(cert, key, `Secret ${SecretKeys.Cert}/${SecretKeys.Key}`);
    if (pair.fingerprint === this.last) return undefined;
    this.last = pair.fingerprint;
    return pair;
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
