/**
 * FHIR references as they appear in search parameters, claims and Location headers:
 * `123`, `Patient/123`, `https://host/fhir/Patient/123`, optionally ending in `/_history/<vid>`.
 */
export interface ParsedReference {
  /** Present when the value named its type (Patient/123); absent for a bare id. */
  type?: string;
  id: string;
}

/** Resource type names are PascalCase; not limited to R4's list so newer types still parse. */
const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
const MAX_ID_LENGTH = 256;

export function parseReference(value: string): ParsedReference | undefined {
  let v = value.trim();
  const cut = v.search(/[?#]/);
  if (cut >= 0) v = v.slice(0, cut);
  if (v === '' || v.length > 4096) return undefined;
  if (!v.includes('/')) return v.length <= MAX_ID_LENGTH ? { id: v } : undefined;

  const parts = v.split('/').filter((p) => p !== '');
  // Type/id/_history/vid names the resource Type/id.
  if (parts.length >= 4 && parts[parts.length - 2] === '_history') parts.length -= 2;
  const id = parts[parts.length - 1];
  const type = parts[parts.length - 2];
  if (id === undefined || type === undefined || !TYPE_RE.test(type) || id.length > MAX_ID_LENGTH) return undefined;
  if (id.startsWith('$') || id.startsWith('_')) return undefined;
  return { type, id };
}

/** Path of a Location header value, absolute or relative; undefined when it cannot be parsed. */
export function locationPath(location: string): string | undefined {
  try {
    return new URL(location, 'http://location.invalid').pathname;
  } catch {
    return undefined;
  }
}
