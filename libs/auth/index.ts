// Who may call Vigil's own API: API keys (hashed, expiring, rotating), OIDC single sign-on, and
// the audit trail of what they did.
export {
  createKeyService,
  DEFAULT_ROTATION_GRACE_SECONDS,
  generateApiKey,
  hashApiKey,
  KEY_PREFIX,
  LAST_USED_THROTTLE_MS,
  looksLikeApiKey,
  type Authenticated,
  type KeyCheck,
  type KeyService,
  type KeyServiceDeps,
  type KeyStore,
} from './keys.js';
export { claimAt, createOidcVerifier, looksLikeJwt, mapRole, type OidcCheck, type OidcVerifier } from './oidc.js';
export { createConsoleSso, type ConsoleSso, type ConsoleSsoProvider } from './oidc-console.js';
export { createAuditLog, type AuditLog, type AuditLogConfig } from './audit.js';
export { parseDuration } from './duration.js';
