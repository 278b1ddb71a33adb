export { createPrincipalResolver, type Identity, type PrincipalResolver } from './resolver.js';
export { decodeJwtPayload, scopesOf, stringClaim, type Claims } from './jwt.js';
export { jwtIdentity, type JwtIdentity } from './claims.js';
export { parseAuthorization, findApiKey, isRedacted, type AuthorizationInfo } from './credentials.js';
