// API paths (kube-client/paths.ts) against the paths kubectl requests (`kubectl get -v=6` prints
// them): the core group under /api/v1, the others under /apis/<group>/v1, names encoded.
import { describe, expect, it } from 'vitest';
import { apiPath, Resource } from '../../../kube-client/paths.js';

describe('apiPath', () => {
  it.each([
    { name: 'a core collection of a namespace', path: apiPath(Resource.pods, { namespace: 'shop' }), want: '/api/v1/namespaces/shop/pods' },
    { name: 'a core object', path: apiPath(Resource.pods, { namespace: 'shop', name: 'web-1' }), want: '/api/v1/namespaces/shop/pods/web-1' },
    {
      name: 'a subresource',
      path: apiPath(Resource.pods, { namespace: 'shop', name: 'web-1', subresource: 'log' }),
      want: '/api/v1/namespaces/shop/pods/web-1/log',
    },
    { name: 'a cluster-scoped collection', path: apiPath(Resource.nodes), want: '/api/v1/nodes' },
    {
      name: 'a grouped collection of every namespace',
      path: apiPath(Resource.podDisruptionBudgets),
      want: '/apis/policy/v1/poddisruptionbudgets',
    },
    { name: 'a cluster-scoped object', path: apiPath(Resource.nodes, { name: 'node-a' }), want: '/api/v1/nodes/node-a' },
    { name: 'the namespaces', path: apiPath(Resource.namespaces), want: '/api/v1/namespaces' },
    { name: 'every namespace', path: apiPath(Resource.pods), want: '/api/v1/pods' },
    {
      name: 'a grouped object',
      path: apiPath(Resource.deployments, { namespace: 'shop', name: 'web' }),
      want: '/apis/apps/v1/namespaces/shop/deployments/web',
    },
    { name: 'ReplicaSets', path: apiPath(Resource.replicaSets, { namespace: 'shop' }), want: '/apis/apps/v1/namespaces/shop/replicasets' },
    { name: 'events', path: apiPath(Resource.events, { namespace: 'shop' }), want: '/api/v1/namespaces/shop/events' },
    { name: 'quotas', path: apiPath(Resource.resourceQuotas, { namespace: 'shop' }), want: '/api/v1/namespaces/shop/resourcequotas' },
    { name: 'Secrets', path: apiPath(Resource.secrets, { namespace: 'paas-system' }), want: '/api/v1/namespaces/paas-system/secrets' },
    {
      name: 'Leases',
      path: apiPath(Resource.leases, { namespace: 'paas-system', name: 'leader' }),
      want: '/apis/coordination.k8s.io/v1/namespaces/paas-system/leases/leader',
    },
    {
      name: 'a webhook configuration',
      path: apiPath(Resource.mutatingWebhookConfigurations, { name: 'paas-webhook' }),
      want: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/paas-webhook',
    },
    {
      name: 'ConfigMaps',
      path: apiPath(Resource.configMaps, { namespace: 'paas-system', name: 'paas-webhook-config' }),
      want: '/api/v1/namespaces/paas-system/configmaps/paas-webhook-config',
    },
    // `kubectl get --raw /api/v1/namespaces/paas-system/services/http:paas-webhook:metrics/proxy/version -v=6`
    {
      name: "a path through a service's proxy (the colons kept, as kubectl sends them)",
      path: apiPath(Resource.services, { namespace: 'paas-system', name: 'http:paas-webhook:metrics', subresource: 'proxy', suffix: 'version' }),
      want: '/api/v1/namespaces/paas-system/services/http:paas-webhook:metrics/proxy/version',
    },
    {
      name: 'a proxied path of several segments, each encoded',
      path: apiPath(Resource.services, { namespace: 'shop', name: 'web', subresource: 'proxy', suffix: 'a b/c?d' }),
      want: '/api/v1/namespaces/shop/services/web/proxy/a%20b/c%3Fd',
    },
    {
      name: 'a name that would add a segment or a query, encoded',
      path: apiPath(Resource.deployments, { namespace: 'a/b', name: 'web?watch=1#x' }),
      want: '/apis/apps/v1/namespaces/a%2Fb/deployments/web%3Fwatch%3D1%23x',
    },
  ])('$name', ({ path, want }) => {
    expect(path).toBe(want);
  });

  it.each([
    { name: 'a namespace for a cluster-scoped resource', call: () => apiPath(Resource.nodes, { namespace: 'shop' }), says: 'nodes are not namespaced' },
    { name: 'a subresource without an object', call: () => apiPath(Resource.pods, { namespace: 'shop', subresource: 'log' }), says: "needs an object's name" },
    {
      name: 'a proxied path without a subresource',
      call: () => apiPath(Resource.services, { namespace: 'shop', name: 'web', suffix: 'version' }),
      says: 'needs a subresource',
    },
  ])('refuses $name', ({ call, says }) => {
    expect(call).toThrow(says);
  });
});
