// Loads the snapshots captured from a real control plane by test/fixtures/rollout/capture.ts (and
// start-error.json, derived from one of them until a real node captures it; its note says how).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Deployment, Pod, ReplicaSet } from '../../../plugin/kube/objects.js';

export interface Snapshot {
  note: string;
  now: string;
  /** What `kubectl rollout status --watch=false` said about the same object (null: not asked). */
  kubectl: string | null;
  deployment: Deployment;
  replicaSets: ReplicaSet[];
  pods: Pod[];
}

const dir = resolve(import.meta.dirname, '../../fixtures/rollout');

/** Every snapshot of one fixture file, in capture order. */
export function snapshots(name: string): Snapshot[] {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Snapshot[];
}

/** One snapshot; `at` counts from the end when negative. */
export function snapshot(name: string, at = 0): Snapshot {
  const all = snapshots(name);
  const s = all.at(at);
  if (!s) throw new Error(`fixture ${name}.json has no snapshot ${at}`);
  return structuredClone(s);
}

/** Every fixture file's name. */
export const FIXTURES = [
  'rolling-update',
  'generation-not-observed',
  'paused',
  'never-ready',
  'deadline-exceeded',
  'image-not-found',
  'config-error',
  'crashloop',
  'rollover',
  'replica-failure',
  // Derived, not captured: config-error with a real node's start failure (see its note).
  'start-error',
] as const;
