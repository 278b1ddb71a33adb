// Vigil native JSON: a custom mirror writes ApiEvent itself (libs/contracts/event.ts), one per line.
// ApiEventSchema does all the checking, always (the input is foreign); this only brings two things
// into the shape every other adapter guarantees: time in UTC with Z, and lowercased header names.
import { ApiEventSchema, MAX_BODY_CHARS } from '../contracts/index.js';
import { toIsoZ } from './iso-time.js';
import { describeIssues, type Mapped } from './outcome.js';
import { isRecord } from './values.js';

export function nativeToEvent(entry: unknown): Mapped {
  if (!isRecord(entry)) return 'vigil: expected a JSON object';
  let out = entry;
  const { time, requestHeaders, responseHeaders } = entry;
  // Only well-typed values are normalized; anything else is left for the schema to reject by name.
  if (typeof time === 'string' && !time.endsWith('Z')) {
    const z = toIsoZ(time);
    if (z !== undefined) out = { ...out, time: z };
  }
  const req = lowercased(requestHeaders);
  if (req !== undefined) out = { ...out, requestHeaders: req };
  const res = lowercased(responseHeaders);
  if (res !== undefined) out = { ...out, responseHeaders: res };
  // A body over the cap is cut, not rejected: rejecting would put the body into a dead letter.
  for (const key of ['requestBody', 'responseBody'] as const) {
    const body = out[key];
    if (typeof body === 'string' && body.length > MAX_BODY_CHARS) out = { ...out, [key]: body.slice(0, MAX_BODY_CHARS) };
  }
  const result = ApiEventSchema.safeParse(out);
  return result.success ? result.data : describeIssues(result.error);
}

/** A copy with lowercased names, or undefined when nothing needs to change (the usual case). */
function lowercased(headers: unknown): Record<string, unknown> | undefined {
  if (!isRecord(headers)) return undefined;
  let needed = false;
  for (const name in headers) {
    if (name !== name.toLowerCase()) {
      needed = true;
      break;
    }
  }
  if (!needed) return undefined;
  const copy: Record<string, unknown> = {};
  for (const name in headers) copy[name.toLowerCase()] = headers[name];
  return copy;
}
