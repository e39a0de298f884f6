// Leader election over a coordination.k8s.io Lease, the decision part: only the leader writes
// the self-signed Secret and the caBundle, so replicas never race to mint different CAs.

/** The Lease fields the decision reads. */
export interface LeaseView {
  holder?: string;
  renewTime?: number; // ms since epoch
  durationSeconds?: number;
}

export const LeaseAction = {
  Create: 'create', // no Lease: create it holding it
  Renew: 'renew', // we hold it: bump renewTime
  Takeover: 'takeover', // held by nobody or expired: take it
  Follow: 'follow', // another replica holds a live Lease
} as const;
export type LeaseAction = (typeof LeaseAction)[keyof typeof LeaseAction];

/** What this replica (`me`) should do with the Lease at `now`. A released Lease (empty holder, see
 * RELEASED) is taken at once, whatever its times say. */
export function leaseDecision(lease: LeaseView | undefined, me: string, now: number, defaultDurationSeconds: number): LeaseAction {
  if (lease === undefined) return LeaseAction.Create;
  if (lease.holder === me) return LeaseAction.Renew;
  if (!lease.holder || lease.renewTime === undefined) return LeaseAction.Takeover;
  const expires = lease.renewTime + (lease.durationSeconds ?? defaultDurationSeconds) * 1000;
  return now >= expires ? LeaseAction.Takeover : LeaseAction.Follow;
}

/**
 * What a replica writes into the Lease it gives up on shutdown (as client-go's leader election does
 * with ReleaseOnCancel): no holder, and a one-second duration for readers that look at the times
 * only. Renew and acquire time are set to the moment of release.
 */
export const RELEASED = { holder: '', durationSeconds: 1 } as const;

/** Whether `me`, shutting down, should release the Lease: only its holder gives it up; a Lease
 * another replica has taken meanwhile, or nobody holds, is left alone. */
export function shouldRelease(lease: LeaseView | undefined, me: string): boolean {
  return lease !== undefined && me !== '' && lease.holder === me;
}
