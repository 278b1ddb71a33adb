import { z } from 'zod';

/**
 * How the API listens and protects itself (services/api/server.ts, rate-limit.ts). TLS is on when
 * both PEM paths are set; one without the other is a configuration error, never a silent
 * plain-HTTP start.
 */
export const ApiSecurityConfigSchema = z
  .object({
    /** PEM certificate chain served by the API (leaf first). Env VIGIL_TLS_CERT_FILE. */
    tlsCertFile: z.string().min(1).optional(),
    /** PEM private key of that certificate; read once at start, never logged. Env VIGIL_TLS_KEY_FILE. */
    tlsKeyFile: z.string().min(1).optional(),
    /**
     * Extra PEM CA bundle the local CLI trusts when it calls a running `vigil start` over https (a
     * private CA that signed tlsCertFile). Not needed for a self-signed certificate: the CLI pins
     * the exact certificate `vigil start` serves. Env VIGIL_TLS_CA_FILE.
     */
    tlsCaFile: z.string().min(1).optional(),
    /** Requests per minute per API key (or per IP before authentication) on every route but ingest and health. 0: no limit. */
    rateLimitPerMinute: z.coerce.number().int().min(0).max(1_000_000).default(600),
    /**
     * Requests per minute per key on POST /v1/ingest. Gateways post once per request or per small
     * batch, and a 429 there makes them drop or retry logs, so this is far higher. 0: no limit.
     */
    ingestRateLimitPerMinute: z.coerce.number().int().min(0).max(10_000_000).default(60_000),
    /** Absolute lifetime of a console session (POST /v1/session), in seconds; default 8 h. Env VIGIL_SESSION_TTL_SECONDS. */
    sessionTtlSeconds: z.coerce.number().int().min(60).max(7 * 86_400).default(28_800),
    /** A console session unused this long ends (sliding), in seconds; default 30 min. Env VIGIL_SESSION_IDLE_SECONDS. */
    sessionIdleSeconds: z.coerce.number().int().min(60).max(7 * 86_400).default(1_800),
  })
  .refine((c) => (c.tlsCertFile === undefined) === (c.tlsKeyFile === undefined), {
    message: 'set both tlsCertFile and tlsKeyFile (VIGIL_TLS_CERT_FILE, VIGIL_TLS_KEY_FILE) for TLS, or neither for plain HTTP',
    path: ['tlsCertFile'],
  });
export type ApiSecurityConfig = z.infer<typeof ApiSecurityConfigSchema>;

export const API_SECURITY_DEFAULTS = { rateLimitPerMinute: 600, ingestRateLimitPerMinute: 60_000, sessionTtlSeconds: 28_800, sessionIdleSeconds: 1_800 };
