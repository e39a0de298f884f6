// The record `rollout status --undo-on-failure` leaves in ROLLED_BACK_ANNOTATION (core/names.ts):
// undo.ts writes it, `rollout history` reads it back from the ReplicaSet the controller brought back.
import { ROLLED_BACK_ANNOTATION } from '../../core/names.js';
import type { ReplicaSet } from './objects.js';

/** The record the annotation holds (JSON). */
export interface RolledBackRecord {
  revision: number | null;
  deployId: string | null;
  reason: string;
}

/** A ReplicaSet's record, if it holds one that parses (a hand-edited one is no evidence). */
export function rolledBackRecordOf(rs: ReplicaSet): RolledBackRecord | undefined {
  const raw = rs.metadata?.annotations?.[ROLLED_BACK_ANNOTATION];
  if (!raw) return undefined;
  try {
    const r = JSON.parse(raw) as Partial<RolledBackRecord>;
    return {
      revision: typeof r.revision === 'number' ? r.revision : null,
      deployId: typeof r.deployId === 'string' ? r.deployId : null,
      reason: typeof r.reason === 'string' ? r.reason : '',
    };
  } catch {
    return undefined; // not ours, or edited by hand: no evidence
  }
}
