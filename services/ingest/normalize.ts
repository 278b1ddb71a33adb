import { hash } from 'node:crypto';
import { parseIsoMs } from '../../libs/adapters/iso-time.js';
import type { ApiEvent, Config, NormalizedEvent } from '../../libs/contracts/index.js';
import { createPrincipalResolver, type PrincipalResolver } from '../../libs/identity/index.js';
import { extractObjects, extractPaging, queryPairs } from '../../libs/objects/index.js';
import { createPhiClassifier, type PhiClassifier } from '../../libs/phi/index.js';
import type { Tokenizer } from '../../libs/privacy/index.js';
import type { RouteTemplater } from '../../libs/routes/index.js';
import { readTokenGrant } from '../../libs/identity/token-grant.js';

export type Normalizer = (ev: ApiEvent, meta: { eventId: string; source: string }) => NormalizedEvent;

/**
 * ApiEvent (raw, in memory) -> NormalizedEvent (tokenized, stored, given to detectors).
 * This is the privacy boundary: nothing raw that identifies a patient, object or credential
 * passes, except `objects[].seq`, which is in-memory only and dropped by the store.
 */
export function createNormalizer(
  config: Pick<Config, 'identity'> & Partial<Pick<Config, 'phi'>>,
  deps: { tokenizer: Tokenizer; templater: RouteTemplater; resolvePrincipal?: PrincipalResolver; classifyPhi?: PhiClassifier },
): Normalizer {
  const { tokenizer, templater } = deps;
  const resolvePrincipal = deps.resolvePrincipal ?? createPrincipalResolver(config.identity, { tokenizer });
  const classifyPhi = deps.classifyPhi ?? createPhiClassifier(config.phi);

  return function normalize(ev, meta) {
    const host = ev.host ?? '';
    const service = ev.service ?? host;
    // Templates are learned per service (else host): two APIs behind one gateway do not share routes.
    const route = templater.template(service || host, ev.path);
    // One split of the query serves both readers.
    const pairs = ev.query === undefined || ev.query === '' ? undefined : queryPairs(ev.query);
    const { objects, pathTokenized, queryKeys } = extractObjects(ev, route, tokenizer, pairs);
    const paging = extractPaging(ev.query, pairs);
    // NOTE: bodies stop here. Only the classification (categories and FHIR type names) goes on;
    // the returned event is built field by field, so ev.requestBody / ev.responseBody cannot leak.
    const phi = classifyPhi(ev);
    const grant = readTokenGrant(ev, tokenizer);
    const identity = resolvePrincipal(ev);
    const out: NormalizedEvent = {
      eventId: meta.eventId,
      // NOTE: ev.time was validated as ISO 8601 by ApiEventSchema, so this is never NaN.
      ts: parseIsoMs(ev.time),
      source: meta.source,
      method: ev.method.toUpperCase(),
      host,
      service,
      route: route.route,
      pathTokenized,
      queryKeys,
      status: ev.status,
      requestBytes: ev.requestBytes ?? 0,
      responseBytes: ev.responseBytes ?? 0,
      latencyMs: ev.latencyMs ?? 0,
      clientIp: ev.clientIp,
      userAgent: ev.requestHeaders['user-agent'] ?? '',
      principal: identity.principal,
      objects,
    };
    // Optional parts are appended in this order (stored and hashed JSON keeps key order); assigning
    // them costs less than spreading a fresh object for each.
    if (paging !== undefined) out.paging = paging;
    if (phi !== undefined) out.phi = phi;
    if (grant !== undefined) out.grant = grant;
    if (identity.credentialExpiresAt !== undefined) out.credentialExpiresAt = identity.credentialExpiresAt;
    if (identity.credentialIssuedAt !== undefined) out.credentialIssuedAt = identity.credentialIssuedAt;
    return out;
  };
}

/**
 * Deterministic event id: first 32 hex chars of sha256(raw line + '\n' + ordinal).
 * `ordinal` is the occurrence number of an identical line within one source, so two identical log
 * lines (same second, same request) stay two events, while replaying the same input yields the
 * same ids and the store's deduplication makes the replay harmless.
 */
export function eventIdFor(raw: string, ordinal: number): string {
  // crypto.hash is the one-shot form: about half the cost of createHash() for a 1.5 KB line.
  // NOTE: the bytes are written into a reused buffer rather than hashed as `${raw}\n${ordinal}`,
  // a new string that V8 copies the whole line into before crypto encodes it (~1.9 KB of garbage
  // and ~0.4 µs per event). UTF-8 either way, lone surrogates included, so the ids are the same.
  const most = raw.length * 3 + 17; // UTF-8 bytes of the line at most, '\n', the ordinal's digits
  if (most > SCRATCH_MAX) return hash('sha256', `${raw}\n${ordinal}`, 'hex').slice(0, 32);
  if (most > scratch.length) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, 2 ** Math.ceil(Math.log2(most))));
  let n = scratch.write(raw, 0, 'utf8');
  scratch[n++] = 0x0a;
  n += scratch.write(String(ordinal), n, 'latin1');
  return hash('sha256', scratch.subarray(0, n), 'hex').slice(0, 32);
}

/** The buffer eventIdFor writes a line into (one per thread), grown up to SCRATCH_MAX for long lines. */
let scratch = Buffer.allocUnsafe(16 * 1024);
const SCRATCH_MAX = 1024 * 1024;
