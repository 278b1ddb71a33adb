// Auto-detection of a JSON record's format, by the keys each format always writes. Checked in
// this order because the key sets do not overlap: Kong nests request/response objects, Vigil
// native uses camelCase contract names, nginx uses its variable names, Envoy Istio's names.
// Lines that are not JSON are tried as nginx combined by the caller (parse.ts).
import type { ConcreteFormat } from '../contracts/index.js';
import { isRecord } from './values.js';

export type JsonFormat = Exclude<ConcreteFormat, 'nginx-combined'>;

export function detectJsonFormat(record: Record<string, unknown>): JsonFormat | undefined {
  if (isRecord(record.request) && isRecord(record.response)) return 'kong';
  if ('time' in record && 'method' in record && 'path' in record && 'status' in record && 'clientIp' in record) {
    return 'vigil';
  }
  // remote_addr is not required here: a line without it is still nginx's, and deserves the
  // specific "nginx: remote_addr missing" rather than "unrecognized format".
  if ('request_method' in record && 'status' in record) return 'nginx';
  if ('start_time' in record && 'response_code' in record) return 'envoy';
  return undefined;
}
