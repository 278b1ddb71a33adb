// API keys for Vigil's own HTTP API: creation, listing, revocation and authentication.
export {
  createKeyService,
  generateApiKey,
  hashApiKey,
  KEY_PREFIX,
  type Authenticated,
  type KeyService,
  type KeyServiceDeps,
  type KeyStore,
} from './keys.js';
