// Reading a whole list: the API server pages a list at `limit` items and hands a `continue`
// token for the rest (client-go's pager), so a large namespace never comes back in one body.
// Every list the plugin reads goes through here, the list of a watch included.
import type { Query } from '../../kube-client/client.js';
import type { Rest } from './rest.js';

/** Items a page, as kubectl's and client-go's pagers ask. */
export const PAGE_SIZE = 500;

/** A list as the API server sends one page of it. */
interface Page<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** Every item of a list and the resourceVersion it was read at (the first page's: every page of
 * one list is served from the same snapshot), to watch from. */
export interface Listed<T> {
  items: T[];
  resourceVersion: string;
}

/** Reads every page of the list at `path`; an API error (HttpError) propagates. */
export async function listAll<T>(rest: Rest, path: string, query: Query = {}, pageSize = PAGE_SIZE): Promise<Listed<T>> {
  const first = await rest.get<Page<T>>(path, { ...query, limit: String(pageSize) });
  const items: T[] = [...(first.items ?? [])];
  for (let next = first.metadata?.continue; next;) {
    const page = await rest.get<Page<T>>(path, { ...query, limit: String(pageSize), continue: next });
    items.push(...(page.items ?? []));
    next = page.metadata?.continue;
  }
  return { items, resourceVersion: first.metadata?.resourceVersion ?? '' };
}

/** Every item of the list at `path`. */
export async function listItems<T>(rest: Rest, path: string, query: Query = {}, pageSize = PAGE_SIZE): Promise<T[]> {
  return (await listAll<T>(rest, path, query, pageSize)).items;
}
