// Structural detection in parsed JSON: FHIR resource types (a resource, Bundle entries, contained
// resources), FHIR identifiers by system or type code, HumanNames of people, and labelled keys of
// non-FHIR JSON ("ssn", "mrn", "date_of_birth", "patientName"...).
import type { Found } from './found.js';
import { scanText } from './patterns.js';
import { PERSON_RESOURCE_TYPES, PHI_RESOURCE_TYPES } from './resource-types.js';
import { isBirthDate, isMrnValue, isValidNpi, isValidSsn } from './validators.js';

/**
 * Where a value sits: inside a person resource (Patient...), another PHI resource, a FHIR resource
 * about no patient (Practitioner, OperationOutcome...), or outside any FHIR resource.
 */
type Context = 'person' | 'phi' | 'other' | 'none';

/** Envelopes: their entries say what they hold, they say nothing themselves. */
const ENVELOPES = new Set(['Bundle', 'Parameters']);

/** Enough for any response under the scan cap; a guard against pathological shapes all the same. */
const MAX_NODES = 200_000;
/** Strings shorter than this cannot hold a labelled value or an SSN worth a text scan. */
const MIN_SCAN_LENGTH = 9;

const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';
const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
const NAME_KEYS = new Set(['patientname', 'firstname', 'lastname', 'fullname', 'givenname', 'familyname', 'middlename']);

interface Item {
  value: unknown;
  ctx: Context;
}

function contextOf(obj: Record<string, unknown>, outer: Context, found: Found): Context {
  const rt = obj.resourceType;
  if (typeof rt !== 'string') return outer;
  if (PHI_RESOURCE_TYPES.has(rt)) {
    found.categories.add('fhir-resource');
    found.resourceTypes.add(rt);
    return PERSON_RESOURCE_TYPES.has(rt) ? 'person' : 'phi';
  }
  return ENVELOPES.has(rt) ? 'none' : 'other';
}

/** "date_of_birth", "Date-Of-Birth", "dateOfBirth" -> "dateofbirth" */
function norm(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** The v2-0203 identifier type codes of a FHIR Identifier.type (CodeableConcept), if any. */
function typeCodes(type: unknown): string[] {
  if (typeof type !== 'object' || type === null) return [];
  const coding = (type as Record<string, unknown>).coding;
  if (!Array.isArray(coding)) return [];
  const out: string[] = [];
  for (const c of coding) {
    if (typeof c === 'object' && c !== null) {
      const code = (c as Record<string, unknown>).code;
      if (typeof code === 'string') out.push(code);
    }
  }
  return out;
}

/** A FHIR Identifier: { system?, type?, value }. */
function identifier(obj: Record<string, unknown>, ctx: Context, found: Found): void {
  const value = obj.value;
  if (typeof value !== 'string') return;
  const system = obj.system;
  const codes = typeCodes(obj.type);
  if ((system === SSN_SYSTEM || codes.includes('SS')) && isValidSsn(value)) found.categories.add('ssn');
  if ((system === NPI_SYSTEM || codes.includes('NPI')) && isValidNpi(value)) found.categories.add('npi');
  if (ctx !== 'other' && codes.includes('MR') && value !== '') found.categories.add('mrn');
}

type KeyKind = 'ssn' | 'npi' | 'mrn' | 'dob' | 'name' | '';

/** What a key labels, by its normalized name ("date_of_birth", "dateOfBirth" -> "dateofbirth"). */
function keyKind(key: string): KeyKind {
  const k = norm(key);
  if (k.endsWith('ssn') || k.includes('socialsecurity')) return 'ssn';
  if (k.endsWith('npi')) return 'npi';
  if (k.endsWith('mrn') || k.includes('medicalrecord')) return 'mrn';
  if (k.endsWith('dob') || k.endsWith('dateofbirth') || k.endsWith('birthdate')) return 'dob';
  return NAME_KEYS.has(k) ? 'name' : '';
}

/** A labelled key's primitive value. */
function labelled(kind: KeyKind, value: string, ctx: Context, found: Found): void {
  if (kind === 'ssn') {
    if (isValidSsn(value)) found.categories.add('ssn');
  } else if (kind === 'npi') {
    if (isValidNpi(value)) found.categories.add('npi');
  } else if (ctx === 'other' || kind === '') {
    return;
  } else if (kind === 'mrn') {
    if (isMrnValue(value)) found.categories.add('mrn');
  } else if (kind === 'dob') {
    if (isBirthDate(value)) found.categories.add('dob');
  } else if (ctx === 'none' && /[A-Za-z]/.test(value)) {
    found.categories.add('name');
  }
}

/** Walks a parsed JSON value without recursion (a hostile document cannot overflow the stack). */
export function walkJson(root: unknown, found: Found): void {
  const stack: Item[] = [{ value: root, ctx: 'none' }];
  // Documents repeat a few keys many times (a Bundle of 500 entries): classify each key once.
  const kinds = new Map<string, KeyKind>();
  const kindOf = (key: string): KeyKind => {
    let kind = kinds.get(key);
    if (kind === undefined) kinds.set(key, (kind = keyKind(key)));
    return kind;
  };
  let nodes = 0;
  while (stack.length > 0 && nodes++ < MAX_NODES) {
    const { value, ctx: outer } = stack.pop() as Item;
    if (Array.isArray(value)) {
      for (const v of value) {
        if (typeof v === 'object' && v !== null) stack.push({ value: v, ctx: outer });
        else if (typeof v === 'string' && v.length >= MIN_SCAN_LENGTH) scanText(v, found, outer !== 'other');
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const obj = value as Record<string, unknown>;
    const ctx = contextOf(obj, outer, found);
    if ('value' in obj && ('system' in obj || 'type' in obj)) identifier(obj, ctx, found);
    // A HumanName of the person the resource is about.
    if (ctx === 'person' && (typeof obj.family === 'string' || Array.isArray(obj.given))) found.categories.add('name');
    for (const key in obj) {
      const v = obj[key];
      if (typeof v === 'object' && v !== null) stack.push({ value: v, ctx });
      else if (typeof v === 'string') {
        labelled(kindOf(key), v, ctx, found);
        if (v.length >= MIN_SCAN_LENGTH) scanText(v, found, ctx !== 'other');
      } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
        const kind = kindOf(key);
        if (kind !== '') labelled(kind, String(v), ctx, found);
      }
    }
  }
}
