// The Deployment the cluster benches write, and how they write it: server-side applies by one
// field manager. Shared by admission.bench.ts, admission-retries.bench.ts and
// admission-logging.bench.ts.
import type { JsonObject } from '../../../core/policy/index.js';

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
