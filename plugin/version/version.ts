// `kubectl paas version`, the decisions: the plugin's version (core/version.ts, the one source
// both binaries print), and the installed webhook's, from the best witness that answered: its own
// GET /version (what a serving replica runs), else the tag of the image its Deployment runs, else
// the Deployment's app.kubernetes.io/version label (the Helm chart's appVersion). Pure.
import { WEBHOOK_INSTALL } from '../../core/names.js';

/** Where the webhook's version was read. */
export const VersionSource = {
  /** GET /version of a serving replica, through the API server's service proxy. */
  endpoint: 'endpoint',
  /** The tag of the image the Deployment's webhook container runs. */
  image: 'image',
  /** The Deployment's app.kubernetes.io/version label. */
  label: 'label',
} as const;
export type VersionSource = (typeof VersionSource)[keyof typeof VersionSource];

/** The plugin's version. */
export interface ClientVersion {
  version: string;
  nodeVersion: string;
}

/** The installed webhook's version, or that it is not installed. */
export interface WebhookVersion {
  /** namespace/name of the Deployment looked for. */
  deployment: string;
  installed: boolean;
  version?: string;
  nodeVersion?: string;
  source?: VersionSource;
  /** The image of the webhook container. */
  image?: string;
  /** Why GET /version was not the source (or why the version is unknown). */
  note?: string;
}

/** What GET /version of the webhook gave: its JSON body, or why there was none. */
export type EndpointAnswer = { ok: true; body: unknown } | { ok: false; reason: string };

/** The parts of the webhook's Deployment read. */
export interface WebhookDeployment {
  metadata?: { labels?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: { name?: string; image?: string }[] } } };
}

const VERSION_LABEL = 'app.kubernetes.io/version';

/** The tag of an image reference (`ghcr.io/x/paas-webhook:0.1.0` → `0.1.0`); none for a digest
 * or an untagged name (a registry's port is not a tag: `host:5000/x`). */
export function imageTag(image: string): string | undefined {
  const ref = image.split('@')[0]!;
  if (ref !== image) return undefined; // pinned by digest: the tag, if any, is not what runs
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  return colon > 0 && colon < lastPart.length - 1 ? lastPart.slice(colon + 1) : undefined;
}

/** The body of GET /version when it is the webhook's answer ({version, nodeVersion}). */
function endpointVersion(a: EndpointAnswer | undefined): { version: string; nodeVersion?: string } | string {
  if (a === undefined) return 'not asked';
  if (!a.ok) return a.reason;
  const b = a.body as { version?: unknown; nodeVersion?: unknown } | null;
  if (typeof b !== 'object' || b === null || typeof b.version !== 'string' || b.version === '') return 'its answer has no version';
  return { version: b.version, ...(typeof b.nodeVersion === 'string' ? { nodeVersion: b.nodeVersion } : {}) };
}

/** The webhook's version from its Deployment (undefined: not installed) and its GET /version. */
export function webhookVersionOf(d: WebhookDeployment | undefined, endpoint: EndpointAnswer | undefined): WebhookVersion {
  const deployment = `${WEBHOOK_INSTALL.namespace}/${WEBHOOK_INSTALL.deployment}`;
  if (d === undefined) return { deployment, installed: false };
  const containers = d.spec?.template?.spec?.containers ?? [];
  const image = (containers.find((c) => c.name === WEBHOOK_INSTALL.container) ?? containers[0])?.image;
  const base: WebhookVersion = { deployment, installed: true, ...(image ? { image } : {}) };
  const served = endpointVersion(endpoint);
  if (typeof served === 'object') return { ...base, ...served, source: VersionSource.endpoint };
  const note = `GET /version: ${served}`;
  const tag = image ? imageTag(image) : undefined;
  if (tag) return { ...base, version: tag, source: VersionSource.image, note };
  const label = d.metadata?.labels?.[VERSION_LABEL];
  if (label) return { ...base, version: label, source: VersionSource.label, note };
  return { ...base, note };
}

const SOURCE_WORDS: Record<VersionSource, string> = {
  [VersionSource.endpoint]: 'GET /version',
  [VersionSource.image]: 'the image tag',
  [VersionSource.label]: `the ${VERSION_LABEL} label`,
};

/** The webhook's part of the text report. */
function webhookWords(w: WebhookVersion): string {
  if (!w.installed) return `not installed (no Deployment ${w.deployment})`;
  if (w.version === undefined) return `unknown (${w.note ?? ''})`;
  if (w.source === VersionSource.endpoint || w.source === undefined) return w.version;
  return `${w.version} (from ${SOURCE_WORDS[w.source]}; ${w.note ?? ''})`;
}

/** The text report, as kubectl version writes its lines. */
export function versionText(client: ClientVersion, webhook?: WebhookVersion): string {
  return `Client Version: ${client.version}\n${webhook ? `Webhook Version: ${webhookWords(webhook)}\n` : ''}`;
}

/** The -o json|yaml document: kubectl version's shape, with the webhook beside the client. */
export function versionDocument(client: ClientVersion, webhook?: WebhookVersion): Record<string, unknown> {
  return { clientVersion: client, ...(webhook ? { webhookVersion: webhook } : {}) };
}

/** A warning when the plugin and the webhook are different releases: `audit` and `policy` judge
 * by the plugin's engine, the cluster by the webhook's. */
export function skewWarning(client: ClientVersion, webhook?: WebhookVersion): string | undefined {
  if (webhook?.version === undefined || webhook.version.replace(/^v/, '') === client.version) return undefined;
  return `WARNING: the plugin (${client.version}) and the webhook (${webhook.version}) are different releases: kubectl paas audit and policy judge by the plugin's policy engine, the cluster's writes by the webhook's`;
}
