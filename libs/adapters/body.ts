// Mirrored bodies as gateways log them, brought to the one shape ApiEvent has (a string, cut at
// MAX_BODY_CHARS). NOTE: bodies are passed through in memory only; the normalizer classifies them
// for PHI and drops them (docs/phi.md). Nothing here logs, stores or quotes a body.
import { MAX_BODY_CHARS } from '../contracts/index.js';

/**
 * A logged body: text as it is ('' is an empty body that was seen), a JSON object or array (a Kong
 * custom field set from a decoded table) re-serialized. null and "-" mean "not logged".
 */
export function bodyText(v: unknown): string | undefined {
  let text: string | undefined;
  if (typeof v === 'string') text = v === '-' ? undefined : v;
  else if (typeof v === 'object' && v !== null) text = JSON.stringify(v);
  if (text === undefined) return undefined;
  return text.length > MAX_BODY_CHARS ? text.slice(0, MAX_BODY_CHARS) : text;
}

/** The first of the places a gateway may have logged a body (two at most: fixed parameters, no array per call). */
export function firstBody(first: unknown, second?: unknown): string | undefined {
  return bodyText(first) ?? bodyText(second);
}
