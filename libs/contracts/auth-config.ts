import { z } from 'zod';
import { RoleSchema } from './keys.js';

/** A list from config files (JSON array) or environment variables ("a,b"). */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)
        : v,
    z.array(item).min(1),
  );

/** Role mapping from a config file (object) or VIGIL_OIDC_ROLE_MAPPING (the same object as JSON text). */
const roleMapping = z.preprocess((v, ctx) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a JSON object such as {"vigil-admins":"admin"}' });
    return z.NEVER;
  }
}, z.record(z.string(), RoleSchema));

export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/**
 * Single sign-on for analysts: bearer JWTs from an OpenID Connect provider, verified against its
 * JWKS. Unset: only API keys are accepted.
 */
export const OidcConfigSchema = z.object({
  /** Exact `iss` the tokens must carry, e.g. https://idp.example.org/realms/soc. */
  issuer: z.url(),
  /** `aud` the tokens must carry (one of them, when a list). */
  audience: list(z.string().min(1)),
  /** Unset: discovered from `<issuer>/.well-known/openid-configuration`. */
  jwksUri: z.url().optional(),
  /** Allowed clock difference for exp/nbf/iat between the IdP and Vigil. */
  clockToleranceSeconds: z.coerce.number().int().min(0).max(600).default(60),
  /** Signature algorithms accepted; `none` and HMAC (shared-secret) algorithms are never accepted. */
  algorithms: list(z.enum(OIDC_ALGORITHMS)).default(['RS256', 'ES256']),
  /** Claim holding the user's groups/roles; dotted paths reach nested claims (realm_access.roles). */
  roleClaim: z.string().min(1).default('roles'),
  /** Claim value -> Vigil role; the highest mapped role wins, no mapped value answers 403. */
  roleMapping: roleMapping.default({}),
  /**
   * Public OAuth client id of the analyst console (authorization code + PKCE, no secret). Set: the
   * sign-in page offers "Sign in with SSO"; the IdP must allow redirect URI <vigil>/console/.
   */
  consoleClientId: z.string().min(1).max(256).optional(),
  /** Scopes the console asks for; openid is needed for an id_token. */
  consoleScope: z.string().min(1).max(1024).default('openid profile'),
});
export type OidcConfig = z.infer<typeof OidcConfigSchema>;

export const AUDIT_DEFAULTS = { retentionDays: 400, batchSize: 500, flushIntervalMs: 1000, maxBuffered: 100_000 };

export const AuthConfigSchema = z.object({
  oidc: OidcConfigSchema.optional(),
  audit: z
    .object({
      /** audit_log TTL, set when the table is created (0010_audit.sql). */
      retentionDays: z.coerce.number().int().min(30).max(3650).default(AUDIT_DEFAULTS.retentionDays),
      /** Rows per insert. */
      batchSize: z.coerce.number().int().min(1).max(100_000).default(AUDIT_DEFAULTS.batchSize),
      /** Longest an audit row waits in memory before it is written. */
      flushIntervalMs: z.coerce.number().int().min(10).max(60_000).default(AUDIT_DEFAULTS.flushIntervalMs),
      /** Rows kept in memory while the store refuses writes; beyond it the oldest are dropped, with an error log. */
      maxBuffered: z.coerce.number().int().min(1000).default(AUDIT_DEFAULTS.maxBuffered),
    })
    .default(AUDIT_DEFAULTS),
});
export type AuthConfig = z.infer<typeof AuthConfigSchema>;
export const AUTH_DEFAULTS = { audit: AUDIT_DEFAULTS };
