// `kubectl paas diagnose` at run time, the edge: read one snapshot of the Deployment (gather.ts),
// judge it (the pure diagnose() of analyse.ts) and write the diagnosis as text, JSON or YAML
// (print.ts). The verdict gives the exit code.
import type { KubeEdge } from '../kube/rest.js';
import { OutputFormat } from '../lib/output.js';

/** The parsed and validated flags of `diagnose`. */
export interface DiagnoseOptions {
  name: string;
  output: OutputFormat;
  events: boolean;
  /** Lines of each failing container's log shown as evidence (0: none). */
  logLines: number;
  color: boolean;
}

/** The edges `diagnose` runs against. */
export interface DiagnoseDeps extends KubeEdge {
  out: { write(s: string): unknown };
  now(): Date;
}

/** Gathers, diagnoses and prints; resolves to the exit code (0 healthy or progressing, 1 problems). */
export async function runDiagnose(opts: DiagnoseOptions, deps: DiagnoseDeps): Promise<number> {
  const [{ gather, DEFAULT_LIMITS }, { diagnose }, print] = await Promise.all([import('./gather.js'), import('./analyse.js'), import('./print.js')]);
  const { kube, rest } = await deps.connect();
  let snapshot;
  try {
    snapshot = await gather(rest, kube.namespace, opts.name, { timeline: opts.events }, { ...DEFAULT_LIMITS, logLines: opts.logLines });
  } catch (err) {
    throw deps.describeError(err, kube, `deployment "${opts.name}"`);
  } finally {
    rest.close();
  }
  const now = deps.now();
  const d = diagnose(snapshot, now);
  if (opts.output === OutputFormat.json) deps.out.write(print.diagnosisJson(d, opts.events));
  else if (opts.output === OutputFormat.yaml) {
    const { stringify } = await import('yaml');
    deps.out.write(stringify(JSON.parse(print.diagnosisJson(d, opts.events))));
  } else deps.out.write(print.diagnosisText(d, { color: opts.color, events: opts.events, now }));
  return print.exitCodeOf(d.verdict);
}
