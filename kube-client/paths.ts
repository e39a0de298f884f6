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
  deployments: grouped('apps', 'deployments'),
  replicaSets: grouped('apps', 'replicasets'),
  leases: grouped('coordination.k8s.io', 'leases'),
  mutatingWebhookConfigurations: grouped('admissionregistration.k8s.io', 'mutatingwebhookconfigurations', false),
} as const satisfies Record<string, ResourceType>;

/** Where in a resource: a namespace (absent: every namespace, or a cluster-scoped resource), an object, a subresource. */
export interface PathOf {
  namespace?: string;
  name?: string;
  /** e.g. `log` of a pod, `status` of a Deployment. */
  subresource?: string;
}

/** The path of a collection, one object or its subresource, e.g. `/api/v1/namespaces/shop/pods/web-1/log`. */
export function apiPath(r: ResourceType, at: PathOf = {}): string {
  if (at.namespace !== undefined && !r.namespaced) throw new Error(`${r.plural} are not namespaced`);
  if (at.subresource !== undefined && at.name === undefined) throw new Error(`a subresource of ${r.plural} needs an object's name`);
  const segments = [
    ...(r.group ? ['apis', r.group, r.version] : ['api', r.version]),
    ...(at.namespace !== undefined ? ['namespaces', encodeURIComponent(at.namespace)] : []),
    r.plural,
    ...(at.name !== undefined ? [encodeURIComponent(at.name)] : []),
    ...(at.subresource !== undefined ? [encodeURIComponent(at.subresource)] : []),
  ];
  return `/${segments.join('/')}`;
}
