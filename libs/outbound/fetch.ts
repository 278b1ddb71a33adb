import { outboundRequest, type OutboundOptions } from './request.js';

/** The subset of fetch that JSON-over-GET clients (OIDC discovery, jose's JWKS fetch) use. */
export type OutboundFetch = (url: string, init?: { headers?: Headers | Record<string, string>; signal?: AbortSignal | null }) => Promise<Response>;

/**
 * A fetch-shaped GET through the guarded outbound client, for libraries that take a fetch
 * implementation (jose's `customFetch`): same timeouts, TLS verification, no redirects (a 3xx is
 * returned as is, so the caller fails on it) and the same address policy as SIEM destinations.
 * NOTE: the response body is capped at `maxResponseBytes`; a truncated body is an error here, so a
 * cut JSON document is never parsed as if whole.
 */
export function createOutboundFetch(opts: OutboundOptions): OutboundFetch {
  return async (url, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    init?.signal?.throwIfAborted();
    const res = await outboundRequest({ method: 'GET', url, headers }, opts);
    if (res.truncated) throw new Error(`${new URL(url).origin} answered more than ${opts.maxResponseBytes ?? 65536} bytes`);
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (typeof v === 'string') out.set(k, v);
      else if (Array.isArray(v)) for (const one of v) out.append(k, one);
    }
    // Response cannot carry a body with these statuses.
    const bodiless = res.status === 204 || res.status === 304;
    return new Response(bodiless ? null : res.body, { status: res.status, headers: out });
  };
}
