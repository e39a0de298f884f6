// `kubectl paas version [--client]`: the plugin's version, and (without --client) the installed
// webhook's: its Deployment read, then its GET /version through the API server's service proxy
// (the Service's plain-HTTP metrics port). As kubectl version: a cluster that cannot be asked is
// an error after the client's part is written. The decisions are plugin/version/version.ts's.
import { ErrorCode, ExitCode, PaasError } from '../../core/errors.js';
import { WEBHOOK_INSTALL } from '../../core/names.js';
import { VERSION } from '../../core/version.js';
import { apiPath, Resource } from '../../kube-client/paths.js';
import type { Writer } from '../deps.js';
import { HttpError, type KubeEdge } from '../kube/rest.js';
import { OutputFormat } from '../lib/output.js';
import {
  skewWarning,
  versionDocument,
  versionText,
  webhookVersionOf,
  type ClientVersion,
  type EndpointAnswer,
  type WebhookDeployment,
  type WebhookVersion,
} from '../version/version.js';
import type { Run } from './front-door.js';

const DEPLOYMENT = apiPath(Resource.deployments, { namespace: WEBHOOK_INSTALL.namespace, name: WEBHOOK_INSTALL.deployment });
const VERSION_ENDPOINT = apiPath(Resource.services, {
  namespace: WEBHOOK_INSTALL.namespace,
  name: `http:${WEBHOOK_INSTALL.service}:${WEBHOOK_INSTALL.metricsPort}`,
  subresource: 'proxy',
  suffix: 'version',
});

/** The webhook's version as the cluster tells it; a Deployment that cannot be read is an error. */
async function askCluster(kube: KubeEdge): Promise<WebhookVersion> {
  const { kube: where, rest } = await kube.connect();
  const at = { ...where, namespace: WEBHOOK_INSTALL.namespace };
  try {
    let deployment: WebhookDeployment | undefined;
    try {
      deployment = await rest.get<WebhookDeployment>(DEPLOYMENT);
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 404)) throw kube.describeError(err, at, `deployment "${WEBHOOK_INSTALL.deployment}"`);
    }
    let endpoint: EndpointAnswer | undefined;
    if (deployment) {
      // Any failure here (no serving replica, services/proxy forbidden, a webhook without
      // /version) only sends the version to another witness.
      endpoint = await rest.get<unknown>(VERSION_ENDPOINT).then(
        (body): EndpointAnswer => ({ ok: true, body }),
        (err: unknown): EndpointAnswer => ({ ok: false, reason: kube.describeError(err, at, `service "${WEBHOOK_INSTALL.service}"`).message }),
      );
    }
    return webhookVersionOf(deployment, endpoint);
  } finally {
    rest.close();
  }
}

async function write(out: Writer, output: OutputFormat, client: ClientVersion, webhook?: WebhookVersion): Promise<void> {
  if (output === OutputFormat.text) out.write(versionText(client, webhook));
  else if (output === OutputFormat.json) out.write(`${JSON.stringify(versionDocument(client, webhook), null, 2)}\n`);
  else out.write((await import('yaml')).stringify(versionDocument(client, webhook)));
}

/** Runs `version`; resolves to 0, or throws the cluster's error once the client's part is written. */
export const run: Run = async (argv, door, deps) => {
  const client: ClientVersion = { version: VERSION, nodeVersion: process.version };
  if (argv.client === true) {
    await write(deps.out, door.output, client);
    return ExitCode.ok;
  }
  let webhook: WebhookVersion;
  try {
    webhook = await askCluster(await door.kube());
  } catch (err) {
    await write(deps.out, door.output, client);
    throw err instanceof PaasError ? err : new PaasError(ErrorCode.Error, (err as Error).message, { cause: err });
  }
  await write(deps.out, door.output, client, webhook);
  const warning = skewWarning(client, webhook);
  if (warning) deps.err.write(`${warning}\n`);
  return ExitCode.ok;
};
