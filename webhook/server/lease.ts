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

/** What this replica (`me`) should do with the Lease at `now`. */
export function leaseDecision(lease: LeaseView | undefined, me: string, now: number, defaultDurationSeconds: number): LeaseAction {
  if (lease === undefined) return LeaseAction.Create;
  if (lease.holder === me) return LeaseAction.Renew;
  if (!lease.holder || lease.renewTime === undefined) return LeaseAction.Takeover;
  const expires = lease.renewTime + (lease.durationSeconds ?? defaultDurationSeconds) * 1000;
  return now >= expires ? LeaseAction.Takeover : LeaseAction.Follow;
}
