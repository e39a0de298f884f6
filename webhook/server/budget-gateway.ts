// The budget reconciler's calls to the API server, over the shared KubeClient (each bounded there):
// list (every page) and watch the Deployments, PodDisruptionBudgets and Namespaces of the whole
// cluster, and create, patch and delete budgets. RBAC (manifests/base/rbac.yaml,
// paas-webhook-disruption-budgets): list/watch deployments and namespaces, get/list/watch/create/
// update/patch/delete poddisruptionbudgets, cluster-wide; nothing else.
import type { JsonObject } from '../../core/policy/index.js';
import type { KubeClient } from '../../kube-client/client.js';
import { hasCause, isStatus } from '../../kube-client/errors.js';
import { apiPath, Resource } from '../../kube-client/paths.js';
import { Kind } from './budget-cache.js';
import type { ListWatch } from './informer.js';

/** The collection each kind is listed and watched at: every namespace. */
export const COLLECTION: Record<Kind, string> = {
  deployments: apiPath(Resource.deployments),
  budgets: apiPath(Resource.podDisruptionBudgets),
  namespaces: apiPath(Resource.namespaces),
};

/** How a write ended when it did not land: someone else's write came first (our cache will hear
 * of it), or the object is gone already (or, for a create, its namespace is being deleted: the
 * namespace controller takes everything in it, and the API server refuses new objects there).
 * Neither is a failure. */
export const WriteOutcome = { done: 'done', conflict: 'conflict', gone: 'gone' } as const;
export type WriteOutcome = (typeof WriteOutcome)[keyof typeof WriteOutcome];

/** The calls of the reconciler; `kubeBudgetGateway` makes them, tests fake them. */
export interface BudgetGateway extends ListWatch {
  /** Creates a budget; resolves the stored object, `conflict` when one of that name exists, or
   * `gone` when the namespace is being deleted. */
  create(namespace: string, body: JsonObject): Promise<JsonObject | typeof WriteOutcome.conflict | typeof WriteOutcome.gone>;
  /** Replaces a budget's spec, guarded by its resourceVersion; `conflict` when it changed since. */
  replaceSpec(
    namespace: string,
    name: string,
    resourceVersion: string,
    spec: JsonObject,
  ): Promise<JsonObject | typeof WriteOutcome.conflict | typeof WriteOutcome.gone>;
  /** Deletes a budget, only if its uid is still `uid`. */
  remove(namespace: string, name: string, uid: string): Promise<WriteOutcome>;
}

/** The cause the API server names when it refuses a new object in a namespace being deleted. */
export const NAMESPACE_TERMINATING = 'NamespaceTerminating';

/** A list page as the API server sends it. */
interface Page {
  items?: JsonObject[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** BudgetGateway over the API; lists read `pageSize` items a request, as kubectl pages. */
export function kubeBudgetGateway(kube: KubeClient, pageSize = 500): BudgetGateway {
  const budget = (namespace: string, name?: string) => apiPath(Resource.podDisruptionBudgets, { namespace, ...(name !== undefined ? { name } : {}) });
  return {
    async list(path) {
      const items: JsonObject[] = [];
      let resourceVersion = '';
      let cont: string | undefined;
      do {
        const page = await kube.get<Page>(path, { limit: String(pageSize), ...(cont ? { continue: cont } : {}) });
        items.push(...(page.items ?? []));
        // Every page of a list is read at the first page's resourceVersion.
        if (!resourceVersion) resourceVersion = page.metadata?.resourceVersion ?? '';
        cont = page.metadata?.continue || undefined;
      } while (cont);
      return { items, resourceVersion };
    },
    watch(path, resourceVersion, onEvent, signal) {
      return kube.watch<JsonObject>(path, { resourceVersion, allowWatchBookmarks: 'true' }, onEvent, signal);
    },
    async create(namespace, body) {
      try {
        return await kube.call<JsonObject>('POST', budget(namespace), body);
      } catch (err) {
        if (isStatus(err, 409)) return WriteOutcome.conflict;
        if (isStatus(err, 403) && hasCause(err, NAMESPACE_TERMINATING)) return WriteOutcome.gone;
        throw err;
      }
    },
    async replaceSpec(namespace, name, resourceVersion, spec) {
      const patch = [
        { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
        { op: 'replace', path: '/spec', value: spec },
      ];
      try {
        return await kube.call<JsonObject>('PATCH', budget(namespace, name), patch, 'application/json-patch+json');
      } catch (err) {
        if (isStatus(err, 404)) return WriteOutcome.gone;
        // A failed `test` is 422 (Unprocessable Entity); a write racing ours, 409.
        if (isStatus(err, 409) || isStatus(err, 422)) return WriteOutcome.conflict;
        throw err;
      }
    },
    async remove(namespace, name, uid) {
      try {
        await kube.call('DELETE', budget(namespace, name), { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } });
        return WriteOutcome.done;
      } catch (err) {
        if (isStatus(err, 404)) return WriteOutcome.gone;
        if (isStatus(err, 409)) return WriteOutcome.conflict; // another object of that name now
        throw err;
      }
    },
  };
}
