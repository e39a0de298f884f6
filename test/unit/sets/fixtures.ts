// Loads the StatefulSet and DaemonSet snapshots of test/fixtures/sets (one YAML file per
// scenario, in the API server's shapes; README.md there says how they were made).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { DaemonSetSnapshot, StatefulSetSnapshot } from '../../../plugin/diagnose/model.js';

const DIR = fileURLToPath(new URL('../../fixtures/sets/', import.meta.url));

export interface SetFixture<S> {
  snapshot: S;
  now: Date;
  /** What kubectl's status viewer says of the set's status. */
  viewer: string;
}

function load<S>(name: string): SetFixture<S> {
  const doc = parse(readFileSync(`${DIR}${name}.yaml`, 'utf8')) as { now: string; viewer: string; snapshot: S };
  return { snapshot: doc.snapshot, now: new Date(doc.now), viewer: doc.viewer };
}

export const STATEFULSETS = ['sts-crashloop-ordinal', 'sts-image-not-found', 'sts-claim-pending', 'sts-rolled-out', 'sts-ondelete'] as const;
export const DAEMONSETS = ['ds-unfit', 'ds-image-not-found'] as const;

export const statefulSetFixture = (name: (typeof STATEFULSETS)[number]): SetFixture<StatefulSetSnapshot> => load(name);
export const daemonSetFixture = (name: (typeof DAEMONSETS)[number]): SetFixture<DaemonSetSnapshot> => load(name);
