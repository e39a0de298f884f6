// The REST paths of the API server, built in one place as client-go's Request builds them:
// /api/v1 for the core group, /apis/<group>/<version> for the others, then the namespace, the
// resource, the name and the subresource, every segment a caller gives percent-encoded (a name
// or a namespace is data: it must never add a segment or a query).

/** One resource the binaries read or write: its group (empty: the core group), version and plural. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

const core = (plural: string, namespaced = true): ResourceType => ({ group: '', version: 'v1', plural, namespaced });
const grouped = (group: string, plural: string, namespaced = true): ResourceType => ({ group, version: 'v1', plural, namespaced });

/** The resources the binaries use. */
export const Resource = {
  namespaces: core('namespaces', false),
  nodes: core('nodes', false),
  pods: core('pods'),
  events: core('events'),
  resourceQuotas: core('resourcequotas'),
  secrets: core('secrets'),
  configMaps: core('configmaps'),
  services: core('services'),
  persistentVolumeClaims: core('persistentvolumeclaims'),
  deployments: grouped('apps', 'deployments'),
  replicaSets: grouped('apps', 'replicasets'),
  statefulSets: grouped('apps', 'statefulsets'),
  daemonSets: grouped('apps', 'daemonsets'),
  controllerRevisions: grouped('apps', 'controllerrevisions'),
  leases: grouped('coordination.k8s.io', 'leases'),
  podDisruptionBudgets: grouped('policy', 'poddisruptionbudgets'),
  mutatingWebhookConfigurations: grouped('admissionregistration.k8s.io', 'mutatingwebhookconfigurations', false),
} as const satisfies Record<string, ResourceType>;

/** Where in a resource: a namespace (absent: every namespace, or a cluster-scoped resource), an object, a subresource. */
export interface PathOf {
  namespace?: string;
  name?: string;
  /** e.g. `log` of a pod, `status` of a Deployment. */
  subresource?: string;
  /** After the subresource, the path a `proxy` subresource forwards (`version` of
   * `services/http:paas-webhook:metrics/proxy/version`), each of its segments encoded. */
  suffix?: string;
}

/** One segment, percent-encoded as a path segment: `:` is kept, as client-go keeps it (RFC 3986
 * allows it in a segment, and a service proxy's name is `scheme:name:port`). */
const segment = (s: string): string => encodeURIComponent(s).replace(/%3A/gi, ':');

/** The path of a collection, one object or its subresource, e.g. `/api/v1/namespaces/shop/pods/web-1/log`. */
export function apiPath(r: ResourceType, at: PathOf = {}): string {
  if (at.namespace !== undefined && !r.namespaced) throw new Error(`${r.plural} are not namespaced`);
  if (at.subresource !== undefined && at.name === undefined) throw new Error(`a subresource of ${r.plural} needs an object's name`);
  if (at.suffix !== undefined && at.subresource === undefined) throw new Error(`a path after ${r.plural} needs a subresource`);
  const segments = [
    ...(r.group ? ['apis', r.group, r.version] : ['api', r.version]),
    ...(at.namespace !== undefined ? ['namespaces', segment(at.namespace)] : []),
    r.plural,
    ...(at.name !== undefined ? [segment(at.name)] : []),
    ...(at.subresource !== undefined ? [segment(at.subresource)] : []),
    ...(at.suffix !== undefined ? at.suffix.split('/').map(segment) : []),
  ];
  return `/${segments.join('/')}`;
}
