// Loads the snapshot fixtures of test/fixtures/diagnose: one YAML file per scenario, holding the
// objects as the API server returns them and the instant the diagnosis is made.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Snapshot } from '../../../plugin/diagnose/model.js';

const DIR = fileURLToPath(new URL('../../fixtures/diagnose/', import.meta.url));

export interface Fixture {
  snapshot: Snapshot;
  now: Date;
}

export function loadFixture(name: string): Fixture {
  const doc = parse(readFileSync(`${DIR}${name}.yaml`, 'utf8')) as { now: string; snapshot: Snapshot };
  return { snapshot: doc.snapshot, now: new Date(doc.now) };
}
