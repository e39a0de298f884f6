// The Deployment the cluster benches write, and how they write it: server-side applies by one
// field manager, writers taking turns between an update (a new image) and a re-apply. Shared by admission.bench.ts, admission-retries.bench.ts and
// admission-logging.bench.ts.
import type { JsonObject } from '../../../core/policy/index.js';
import { WriteKind } from './admission-stats.js';
import type { ApiClient, Timed } from './api-writer.js';

/** The content type of a server-side apply. */
export const APPLY = 'application/apply-patch+yaml';
/** The query of every apply: one field manager, taking fields over from any other. */
export const applyQuery = '?fieldManager=paas-bench&force=true';

export const deploymentsPath = (ns: string, name?: string) => `/apis/apps/v1/namespaces/${ns}/deployments${name ? `/${name}` : ''}`;

/** A bench Deployment: a port (so the policy adds a readiness probe), no pods (replicas 0), and
 * paused: a new image (`seq`) is a new pod template admission sees as a rollout (the webhook mints
 * a deploy-id), but the controller makes no ReplicaSet of it, whose churn would load the two cores
 * for every set-up alike: noise, not admission. */
export function benchDeployment(name: string, seq: number): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 0,
      paused: true,
      revisionHistoryLimit: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: `registry.example/bench/app:${seq}`, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

/** The benches' writers: each Deployment's image number, bumped by every update. */
export class DeploymentWriters {
  /** The writes the API server did not answer 200, each named. */
  readonly failures: string[] = [];
  private readonly seq = new Map<string, number>();

  constructor(private readonly api: ApiClient) {}

  /** One server-side apply of writer `name` in `ns`: a new image (update) or the same manifest again. */
  write(ns: string, name: string, kind: WriteKind): Promise<Timed> {
    const key = `${ns}/${name}`;
    const seq = (this.seq.get(key) ?? 0) + (kind === WriteKind.update ? 1 : 0);
    this.seq.set(key, seq);
    return this.api.send('PATCH', deploymentsPath(ns, name) + applyQuery, JSON.stringify(benchDeployment(name, seq)), APPLY);
  }

  /** `writes` writes in `ns` shared by `writers` concurrent writers (w0, w1, ...), each alternating an
   * update and a re-apply; each answer's latency to `onWrite`; a failure is kept under `label`. */
  async inTurn(ns: string, writers: number, writes: number, label: string, onWrite: (kind: WriteKind, ms: number) => void = () => {}): Promise<void> {
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < writes / writers; i++) {
          const kind = i % 2 === 0 ? WriteKind.update : WriteKind.reapply;
          const r = await this.write(ns, `w${w}`, kind);
          if (r.status !== 200) this.failures.push(`${label} ${kind} w${w}: ${r.status} ${r.body.slice(0, 300)}`);
          onWrite(kind, r.ms);
        }
      }),
    );
  }
}
