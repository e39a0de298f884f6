// The self-check: does the API server reach and trust a serving replica? A server-side dry run
// (dryRun=All: nothing is stored, nothing runs) of a small Deployment in the webhook's own
// namespace, labelled so that only the configuration's self-check.paas.io entry matches it, must
// come back with the policy applied. The leader runs it before arming; `paas-webhook self-check`
// (and so `helm test`) runs it with the same ServiceAccount.
import type { JsonObject } from '../../core/policy/index.js';
import type { KubeClient } from '../../kube-client/client.js';
import { HttpError, KubeError } from '../../kube-client/errors.js';
import { SelectorLabel } from './arming.js';

/** The probe's name and label value. */
export const PROBE = { name: 'paas-webhook-self-check', label: 'probe' } as const;

/** What the webhook stamps on every Deployment it admits on CREATE: its mark on the answer. */
const DEPLOY_ID = 'paas.io/deploy-id';

/** The probe: valid for the API server and for the restricted Pod Security profile, never run. */
export function probeDeployment(namespace: string): JsonObject {
  const labels = { 'app.kubernetes.io/name': PROBE.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: PROBE.name, namespace, labels: { ...labels, [SelectorLabel.selfCheck]: PROBE.label } },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'probe',
              image: 'paas-webhook-self-check:dry-run', // never pulled: a dry run creates no pod
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

/** The self-check's verdict, with the words for the log and the subcommand. */
export type SelfCheckResult = { ok: true; detail: string } | { ok: false; reason: string };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Judges what the dry run returned: the stored object as the API server would have stored it. */
export function judgeProbe(stored: unknown, namespace: string): SelfCheckResult {
  const where = `a server-side dry run of Deployment ${namespace}/${PROBE.name}`;
  const spec = isObject(stored) && isObject(stored.spec) ? stored.spec : undefined;
  const template = spec && isObject(spec.template) ? spec.template : undefined;
  const labels = template && isObject(template.metadata) && isObject(template.metadata.labels) ? template.metadata.labels : undefined;
  const id = labels?.[DEPLOY_ID];
  if (typeof id === 'string' && id !== '') return { ok: true, detail: `${where} came back mutated (${DEPLOY_ID} ${id})` };
  return {
    ok: false,
    reason: `${where} came back unmutated: the API server did not call the webhook (is the self-check.paas.io entry in the MutatingWebhookConfiguration?)`,
  };
}

/** The API server's Status message in an error body, else the error's own. */
function statusMessage(err: HttpError): string {
  try {
    const body = JSON.parse(err.body) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not a Status
  }
  return err.message;
}

/** Judges a failed dry run: the API server refusing it says why it could not call the webhook. */
export function judgeProbeError(err: unknown, namespace: string): SelfCheckResult {
  if (err instanceof HttpError) {
    const message = statusMessage(err);
    if (err.status === 403) return { ok: false, reason: `not allowed to dry-run a Deployment in ${namespace} (RBAC: create deployments): ${message}` };
    if (/failed calling webhook/.test(message)) return { ok: false, reason: `the API server could not call the webhook: ${message}` };
    return { ok: false, reason: `the dry run was refused (HTTP ${err.status}): ${message}` };
  }
  if (err instanceof KubeError) return { ok: false, reason: `the API server did not answer: ${err.message}` };
  return { ok: false, reason: `the dry run failed: ${err instanceof Error ? err.message : String(err)}` };
}

/** Runs the self-check (one bounded request of `kube`); never throws. */
export async function runSelfCheck(kube: KubeClient, namespace: string): Promise<SelfCheckResult> {
  const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`;
  try {
    const stored = await kube.call<unknown>('POST', path, probeDeployment(namespace), 'application/json', { dryRun: 'All' });
    return judgeProbe(stored, namespace);
  } catch (err) {
    return judgeProbeError(err, namespace);
  }
}
