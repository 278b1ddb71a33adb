// Dead letters keep the offending input so an operator can see what went wrong, but bearer tokens,
// API keys and cookies must never reach storage (CONVENTIONS: privacy is a default). redactRaw
// masks them and truncates, whatever the format, including input that is not valid JSON at all.
// Mirrored bodies (PHI) are masked whole first (redact-body.ts).
import { maskBodies } from './redact-body.js';
import { maskIdentifiers } from './redact-ids.js';

/** What a dead letter may keep of its input. */
export const MAX_RAW_BYTES = 4096;
/** Redaction runs on at most this much text, so a huge line costs bounded work. */
const SCAN_CHARS = 64 * 1024;
const MASK = '[REDACTED]';

/**
 * Header and parameter names whose values are secrets, normalized: lowercase, '_' -> '-', without
 * nginx's http- / sent-http- prefixes (so http_authorization and sent_http_set_cookie match too).
 */
const SECRET_NAMES = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'apikey',
  'api-key',
  'x-api-key',
  'x-auth-token',
  'x-access-token',
  'access-token',
  'id-token',
  'refresh-token',
  'client-secret',
  'password',
]);

function isSecretName(name: string): boolean {
  let n = name.toLowerCase().replaceAll('_', '-');
  if (n.startsWith('sent-http-')) n = n.slice(10);
  else if (n.startsWith('http-')) n = n.slice(5);
  return SECRET_NAMES.has(n);
}

// NOTE on the patterns: each repeated group starts with a distinct character (`"`, `\`) or is a
// single character class, so none can backtrack more than linearly. Closing quotes and brackets
// are optional so a value cut off by truncation is still masked.
/** "name": "value" or "name": ["v1", "v2"] in JSON text. */
const JSON_MEMBER = /"([A-Za-z0-9_-]{1,64})"(\s*:\s*)("(?:[^"\\]|\\.)*"?|\[\s*(?:"(?:[^"\\]|\\.)*"\s*(?:,\s*)?)*\]?)/g;
/** Credentials after an auth scheme, anywhere: combined logs, JSON strings, plain text. */
const AUTH_SCHEME = /\b(bearer|basic)(\s+)[A-Za-z0-9\-._~+/]+=*/gi;
/** Secret query parameters: ?access_token=..., &apikey=... */
const QUERY_SECRET = /\b(access_token|id_token|refresh_token|apikey|api_key|client_secret|password)=[^&\s"'#;\\]*/gi;
/** A JWT anywhere else (e.g. a custom query parameter). */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/** "Authorization: ..." header lines in plain text dumps. */
const HEADER_LINE = /\b(proxy-authorization|authorization|set-cookie|cookie|x-api-key|apikey)([ \t]*:[ \t]*)[^\r\n"]*/gi;

/**
 * The raw input of a dead letter, safe to store: secrets masked, at most MAX_RAW_BYTES of UTF-8
 * (a marker says how long the input was when it had to be cut).
 */
export function redactRaw(raw: string): string {
  // NOTE: bodies are masked on the whole input, before the scan cut: a body member must be
  // skipped as a whole, or its tail would survive past the cut.
  const masked = maskBodies(raw);
  const cut = masked.length > SCAN_CHARS;
  let text = cut ? masked.slice(0, SCAN_CHARS) : masked;
  // Privacy proof fix (services/privacy.integration.test.ts): raw patient/object ids in paths and
  // query values were kept verbatim; they are masked like route templates show them (redact-ids.ts).
  text = maskIdentifiers(text);
  text = text.replace(JSON_MEMBER, (whole: string, name: string, sep: string) =>
    isSecretName(name) ? `"${name}"${sep}"${MASK}"` : whole,
  );
  text = text
    .replace(AUTH_SCHEME, (_m: string, scheme: string, space: string) => `${scheme}${space}${MASK}`)
    .replace(QUERY_SECRET, (_m: string, name: string) => `${name}=${MASK}`)
    .replace(JWT, MASK)
    .replace(HEADER_LINE, (_m: string, name: string, sep: string) => `${name}${sep}${MASK}`);
  return truncateUtf8(text, raw, cut);
}

function truncateUtf8(text: string, original: string, alreadyCut: boolean): string {
  // Cheap exit first: UTF-8 needs at most 3 bytes per UTF-16 unit.
  if (!alreadyCut && text.length * 3 <= MAX_RAW_BYTES) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (!alreadyCut && bytes.length <= MAX_RAW_BYTES) return text;
  const marker = `…[truncated: ${Buffer.byteLength(original, 'utf8')} bytes in all]`;
  const keep = MAX_RAW_BYTES - Buffer.byteLength(marker, 'utf8');
  // A cut inside a multi-byte character decodes to U+FFFD; drop that half character.
  const head = bytes.subarray(0, keep).toString('utf8').replace(/\uFFFD$/, '');
  return head + marker;
}
