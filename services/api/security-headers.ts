import helmet, { type HelmetOptions } from 'helmet';
import type { RequestHandler } from 'express';

/**
 * The one place that decides Vigil's security headers. The API answers JSON only, so the content
 * security policy forbids everything (`default-src 'none'`) and no page may frame it. A future
 * browser UI relaxes the policy for its own path by passing `csp` for that mount, not by
 * weakening this default.
 */
export const API_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

/** HSTS only makes sense (and is only honoured by browsers) over TLS: one year, subdomains too. */
export const HSTS = { maxAge: 31_536_000, includeSubDomains: true, preload: false } as const;

export function createSecurityHeaders(opts: { tls: boolean; csp?: Record<string, readonly string[]> }): RequestHandler {
  const directives = Object.fromEntries(Object.entries(opts.csp ?? API_CSP_DIRECTIVES).map(([k, v]) => [k, [...v]]));
  const options: HelmetOptions = {
    contentSecurityPolicy: { useDefaults: false, directives },
    // JSON for API clients: nothing here is meant to be embedded by another origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: opts.tls ? HSTS : false,
  };
  return helmet(options);
}
