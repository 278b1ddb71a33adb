import { parseReference } from '../objects/reference.js';
import type { Tokenizer } from '../privacy/index.js';
import { rolesOf, scopesOf, stringClaim, type Claims } from './jwt.js';

/** What a JWT says about its bearer, with SMART patient / fhirUser ids already tokenized. */
export interface JwtIdentity {
  sub?: string;
  clientId?: string;
  issuer?: string;
  /** OAuth scopes, then roles from role claims as `role:<name>` (jwt.ts rolesOf). */
  scopes: string[];
  patient?: string;
  fhirUser?: string;
  /** `exp` as epoch milliseconds: when the issuer meant the token to stop working. */
  expiresAt?: number;
  /** `iat` as epoch milliseconds. */
  issuedAt?: number;
  /**
   * Keyed fingerprint of the login session the token was issued in (`sid`, or Keycloak's
   * `session_state`, with `iss` and `sub`): every access token a refresh brings carries the same
   * one, so a session can be followed across its tokens (token-misuse). Never the claim itself.
   */
  sessionFingerprint?: string;
}

/** Session id claims: OIDC's `sid` (front- and back-channel logout), Keycloak's older `session_state`. */
const SESSION_CLAIMS = ['sid', 'session_state'];

/**
 * `client_id` (RFC 9068) or `azp` (OIDC) name the client; `cid` (Okta) and `appid` (Entra ID v1)
 * are the same thing under vendor names.
 */
const CLIENT_CLAIMS = ['client_id', 'azp', 'cid', 'appid'];

export function jwtIdentity(claims: Claims, tokenizer: Tokenizer): JwtIdentity {
  const out: JwtIdentity = { scopes: scopesOf(claims) };
  const sub = stringClaim(claims, 'sub');
  if (sub !== undefined) out.sub = sub;
  for (const name of CLIENT_CLAIMS) {
    const v = stringClaim(claims, name);
    if (v !== undefined) {
      out.clientId = v;
      break;
    }
  }
  // Roles granted in other claims count like scopes: they are what the caller may do (jwt.ts).
  const roles = rolesOf(claims, out.clientId);
  if (roles.length > 0) out.scopes.push(...roles);
  const iss = stringClaim(claims, 'iss');
  if (iss !== undefined) out.issuer = iss;

  // SMART launch context: the patient in scope, usually a bare id but tolerate Patient/123.
  const patient = stringClaim(claims, 'patient');
  const patientRef = patient === undefined ? undefined : parseReference(patient);
  if (patientRef !== undefined) out.patient = tokenizer.token('Patient', patientRef.id);

  // fhirUser is a (possibly absolute) reference such as https://x/fhir/Practitioner/9. The type is
  // kept for analysts; the id is tokenized in that type's namespace so it joins with object refs.
  const fhirUser = stringClaim(claims, 'fhirUser');
  const userRef = fhirUser === undefined ? undefined : parseReference(fhirUser);
  if (userRef?.type !== undefined) out.fhirUser = `${userRef.type}/${tokenizer.token(userRef.type, userRef.id)}`;

  // RFC 7519 NumericDate: seconds since the epoch. Anything else is no time we can trust.
  const expiresAt = numericDate(claims.exp);
  if (expiresAt !== undefined) out.expiresAt = expiresAt;
  const issuedAt = numericDate(claims.iat);
  if (issuedAt !== undefined) out.issuedAt = issuedAt;

  for (const name of SESSION_CLAIMS) {
    const sid = stringClaim(claims, name);
    if (sid === undefined) continue;
    // NUL-separated: no claim value can make two different triples read alike.
    out.sessionFingerprint = tokenizer.fingerprint(`session\u0000${iss ?? ''}\u0000${sub ?? out.clientId ?? ''}\u0000${sid}`);
    break;
  }
  return out;
}

function numericDate(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v * 1000) : undefined;
}
