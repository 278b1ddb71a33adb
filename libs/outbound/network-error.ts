// Node socket/TLS errors as VigilErrors. Retriable: the receiver may come back (refused, reset,
// unreachable, DNS, timeouts). Not retriable: TLS verification failures, which only a fix of the
// certificate or of the destination's CA ends.
import { VigilError } from '../errors/index.js';

/** OpenSSL / Node codes of a certificate that does not verify (node:tls X509 error codes). */
const TLS_VERIFY_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

export function networkError(err: unknown, host: string): VigilError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const text = code ?? (err instanceof Error ? err.message : String(err));
  if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
    return new VigilError('destination_refused', `TLS certificate of ${host} does not verify (${code}); give the destination its CA (caPem) or fix the certificate`, { cause: err });
  }
  return new VigilError('destination_unreachable', `${host}: ${text}`, { cause: err });
}
