import { FHIR_RESOURCE_TYPES, isKnownWord } from './words.js';

/**
 * What a path segment is, judged from the segment and its predecessor alone.
 * `unknown` means "a word we cannot judge": the templater decides it from traffic (cardinality).
 */
export type SegmentKind = 'id' | 'literal' | 'unknown';

const NUMERIC_RE = /^\d+$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const HEX_RE = /^[0-9a-f]{12,}$/i;
const OPAQUE_RE = /^[A-Za-z0-9_\-.~+=]{20,}$/;
const EMAIL_RE = /^[^@\s/]+@[^@\s/]+\.[^@\s/]+$/;
/** FHIR logical id syntax (R4 `id` datatype). */
const FHIR_ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const HAS_DIGIT_RE = /\d/;
const HAS_LETTER_RE = /[A-Za-z]/;
const PASCAL_WORD_RE = /^(?:[A-Z][a-z]+)+$/;

/** FHIR logical ids as servers really use them (some R4 examples exceed the 64 characters of the spec). */
const FHIR_ID_LOOSE_RE = /^[A-Za-z0-9\-.]{1,128}$/;

/**
 * `fhirContext`: an earlier segment of the path marks a FHIR base (`fhir`, `R4`, `baseR4`). There,
 * whatever follows a resource type is its logical id unless it is an operation or a control, even
 * a word (`ImplementationGuide/fhir`), a version-like code (`ClaimResponse/R3500`) or a type name
 * (`StructureDefinition/Patient`), because FHIR REST allows nothing else in that position.
 */
export function classifySegment(segment: string, previous: string | undefined, fhirContext = false): SegmentKind {
  if (segment === '') return 'literal';
  // FHIR versioned read: the version id after _history names a version, so it is an id.
  if (previous === '_history') return 'id';
  // FHIR operations ($everything, $export) and controls (_history, _search) are endpoints.
  if (segment.startsWith('$') || segment.startsWith('_')) return 'literal';
  if (fhirContext && previous !== undefined && FHIR_RESOURCE_TYPES.has(previous) && FHIR_ID_LOOSE_RE.test(segment)) return 'id';
  // Checked before the word lists because plain numbers are the most common ids by far.
  if (NUMERIC_RE.test(segment)) return 'id';
  if (FHIR_RESOURCE_TYPES.has(segment) || isKnownWord(segment) || isFhirBaseMarker(segment)) return 'literal';

  if (UUID_RE.test(segment)) return 'id';
  // Calendar days name report or schedule instances (/reports/2026-03-01), never endpoints.
  if (ISO_DATE_RE.test(segment)) return 'id';
  const hasDigit = HAS_DIGIT_RE.test(segment);
  if (hasDigit && HEX_RE.test(segment)) return 'id';
  if (hasDigit && OPAQUE_RE.test(segment)) return 'id';
  if (segment.includes('@') || segment.includes('%40')) {
    if (EMAIL_RE.test(safeDecode(segment))) return 'id';
  }
  if (FHIR_ID_RE.test(segment)) {
    if (hasDigit && HAS_LETTER_RE.test(segment)) return 'id';
    // In FHIR REST, what follows a resource type is its logical id (Patient/example), unless it
    // is an operation, a control or a compartment type, all handled above.
    // NOTE: PascalCase words are excluded because MVC-style APIs reuse FHIR type names as
    // controllers (/Account/Login); lowercase FHIR ids that are plain words still match.
    if (previous !== undefined && FHIR_RESOURCE_TYPES.has(previous) && !PASCAL_WORD_RE.test(segment)) return 'id';
  }
  return 'unknown';
}

/** A segment that says "a FHIR base is here": `fhir`, a FHIR release (`R4`, `STU3`), HAPI's `baseR4`. */
export function isFhirBaseMarker(segment: string): boolean {
  return /^(?:fhir|base(?:r\d+b?|dstu\d+|stu\d+)|r\d{1,2}b?|stu\d{1,2}|dstu\d{1,2})$/i.test(segment);
}

/** True when a string would be an id wherever it appeared in a path (no traffic context). */
export function isIdLike(value: string): boolean {
  return mayBeIdAnywhere(value) && classifySegment(value, undefined) === 'id';
}

/**
 * Without context (no previous segment, no FHIR base), classifySegment says `id` only for text
 * with a digit (numbers, dates, hex, opaque and FHIR ids), a '-' (UUIDs), or an '@' or '%'
 * (e-mail addresses): text with none of them is not an id, and this scan is far cheaper than the
 * classifier's regular expressions. Every query parameter name of every event goes through here.
 */
function mayBeIdAnywhere(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x40 || c === 0x25) return true;
  }
  return false;
}

export function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
