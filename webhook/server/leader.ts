// The elected replica, over a coordination.k8s.io Lease: one replica writes the self-signed Secret
// and the caBundle (cert-sync.ts) and arms the MutatingWebhookConfiguration (arming-loop.ts), so
// replicas never race to mint different CAs or to write the configuration. The decisions are
// lease.ts's; this is the edge that reads and writes the Lease.
import type { FastifyBaseLogger } from 'fastify';
import { isStatus } from '../../kube-client/errors.js';
import { leaseDecision, LeaseAction, RELEASED, shouldRelease, type LeaseView } from './lease.js';

/** The Lease calls the election needs (CertGateway has them; kubeGateway implements them). */
export interface LeaseGateway {
  readLease(): Promise<(LeaseView & { resourceVersion?: string }) | undefined>;
  writeLease(holder: string, durationSeconds: number, now: Date, resourceVersion?: string): Promise<void>;
}

/** How `release()` ended: the Lease written released, not ours to release, or not written. */
export const ReleaseOutcome = { Released: 'released', NotHeld: 'not-held', Failed: 'failed' } as const;
export type ReleaseOutcome = (typeof ReleaseOutcome)[keyof typeof ReleaseOutcome];

export interface ElectorOptions {
  leases: LeaseGateway;
  identity: string; // this replica's Lease holder identity (the pod name)
  logger: FastifyBaseLogger;
  /** Log prefix and what the leader does: "self-signed", "manages the certificates". */
  prefix: string;
  role: string;
  leaseSeconds?: number;
  now?: () => number;
}

/** One replica's view of the election; `lead()` is one round of it. */
export class LeaseElector {
  leader = false;
  private stopped = false;
  private running?: Promise<unknown>;
  constructor(private readonly o: ElectorOptions) {}

  /** Takes or renews the Lease when it is free, expired or ours; false while another replica holds
   * it, and always false after `release()` (a late round must not take the Lease back). */
  async lead(now: number = (this.o.now ?? Date.now)()): Promise<boolean> {
    if (this.stopped) return false;
    const round = this.round(now);
    this.running = round.catch(() => undefined);
    return round;
  }

  private async round(now: number): Promise<boolean> {
    const seconds = this.o.leaseSeconds ?? 60;
    const lease = await this.o.leases.readLease();
    const action = leaseDecision(lease, this.o.identity, now, seconds);
    if (action === LeaseAction.Follow) {
      this.leader = false;
      return false;
    }
    try {
      await this.o.leases.writeLease(this.o.identity, seconds, new Date(now), lease?.resourceVersion);
    } catch (err) {
      if (isStatus(err, 409)) {
        this.leader = false; // another replica won this round
        return false;
      }
      throw err;
    }
    if (!this.leader) this.o.logger.info({ lease: action, identity: this.o.identity }, `${this.o.prefix}: this replica now ${this.o.role}`);
    this.leader = true;
    return true;
  }

  /**
   * On shutdown: when this replica holds the Lease, write it released (no holder, see RELEASED)
   * guarded by its resourceVersion, so another replica takes over on its next round instead of
   * waiting the lease out. Best effort: logs the outcome, never throws; the caller bounds it.
   */
  async release(): Promise<ReleaseOutcome> {
    this.stopped = true;
    await this.running; // a round in flight could renew the Lease after we release it
    const identity = this.o.identity;
    try {
      const lease = await this.o.leases.readLease();
      if (!shouldRelease(lease, identity)) {
        this.o.logger.info({ identity, holder: lease?.holder ?? null }, `${this.o.prefix}: not holding the Lease; nothing to release`);
        return ReleaseOutcome.NotHeld;
      }
      await this.o.leases.writeLease(RELEASED.holder, RELEASED.durationSeconds, new Date((this.o.now ?? Date.now)()), lease?.resourceVersion);
      this.leader = false;
      this.o.logger.info({ identity }, `${this.o.prefix}: Lease released; another replica can take over at once`);
      return ReleaseOutcome.Released;
    } catch (err) {
      const conflict = isStatus(err, 409);
      this.o.logger.warn(
        { identity, err: (err as Error).message, conflict },
        `${this.o.prefix}: Lease not released; another replica takes over when it expires`,
      );
      return ReleaseOutcome.Failed;
    }
  }
}

/**
 * One election round shared by the loops that ask whether this replica leads (arming, disruption
 * budgets): a round at most every `everyMs`, the last answer in between, so that two loops do
 * not write the Lease twice as often. A round that failed is not remembered.
 */
export function sharedRounds(round: () => Promise<boolean>, everyMs: number, now: () => number = Date.now): () => Promise<boolean> {
  let last: { at: number; answer: Promise<boolean> } | undefined;
  return () => {
    const t = now();
    if (last && t - last.at < everyMs) return last.answer;
    const answer = round();
    const mine = { at: t, answer };
    last = mine;
    answer.catch(() => {
      if (last === mine) last = undefined;
    });
    return answer;
  };
}
