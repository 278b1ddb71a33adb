/**
 * Hash routes (#/alerts/<id>): the address never reaches the server, so client routes need no
 * server fallback and never carry anything secret. Hashes not starting with "#/" (the skip link's
 * #main) are not routes.
 */
export type Route =
  | { page: 'queue'; query: URLSearchParams }
  | { page: 'alert'; id: string }
  | { page: 'principal'; principal: string }
  | { page: 'inventory'; query: URLSearchParams }
  | { page: 'overview'; query: URLSearchParams }
  | { page: 'notFound'; path: string };

export function parseRoute(hash: string): Route | null {
  if (hash !== '' && hash !== '#' && !hash.startsWith('#/')) return null;
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  const [head, arg] = parts;
  if (head === undefined || (head === 'alerts' && arg === undefined)) return { page: 'queue', query };
  if (head === 'alerts' && arg !== undefined && parts.length === 2) return { page: 'alert', id: arg };
  if (head === 'principals' && arg !== undefined && parts.length === 2) return { page: 'principal', principal: arg };
  if (head === 'inventory' && parts.length === 1) return { page: 'inventory', query };
  if (head === 'overview' && parts.length === 1) return { page: 'overview', query };
  return { page: 'notFound', path };
}

export const href = {
  queue: (q?: URLSearchParams) => `#/alerts${q && q.size > 0 ? `?${q.toString()}` : ''}`,
  alert: (id: string) => `#/alerts/${encodeURIComponent(id)}`,
  principal: (p: string) => `#/principals/${encodeURIComponent(p)}`,
  inventory: () => '#/inventory',
  overview: () => '#/overview',
};
