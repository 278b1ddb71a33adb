// Free-text detection: plain and form-encoded bodies, JSON that could not be parsed (e.g. cut at
// the scan cap), and the string values of parsed JSON (FHIR narrative, notes).
// NOTE on cost: every pattern is linear. Quantifiers are bounded or over one character class with
// a fixed delimiter after them, so no input can make them backtrack catastrophically.
import type { Found } from './found.js';
import { isBirthDate, isMrnValue, isValidNpi, isValidSsn } from './validators.js';

/**
 * ddd-dd-dddd not touching another digit, letter, '_' or '-': so phone numbers (ddd-ddd-dddd),
 * ISO dates (dddd-dd-dd) and dash-separated order or claim numbers ("A123-45-6789-2") never match.
 */
const SSN_FORMATTED = /(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])/g;

/**
 * A label, an optional separator (: = #, quotes of a JSON or form key), then the value. Labels are
 * whole words: "dob" in "adobe" or "npi" in "snpix" are not labels.
 */
const LABELLED =
  /(?<![A-Za-z])(ssn|social[ _-]?security(?:[ _-]?(?:number|no))?|mrn|medical[ _-]?record(?:[ _-]?(?:number|no))?|npi|dob|date[ _-]?of[ _-]?birth|birth[ _-]?date)(?![A-Za-z])["']?[ \t]{0,4}[:=#]?[ \t]{0,4}["']?([0-9A-Za-z][0-9A-Za-z./-]{0,39})/gi;

/** FHIR XML: the root element names its resource type beside the FHIR namespace; Bundle entries sit in <resource>. */
const XML_ROOT = /<([A-Z][A-Za-z]{2,40})[ \t\r\n]{1,8}xmlns="http:\/\/hl7\.org\/fhir"/g;
const XML_ENTRY = /<resource>[ \t\r\n]{0,40}<([A-Z][A-Za-z]{2,40})[ \t\r\n>]/g;

/**
 * Adds what `text` shows. `patientContext` false (text inside a FHIR resource that is not about a
 * patient, e.g. a Practitioner) keeps only the identifiers that are sensitive wherever they appear
 * (SSN) or that are defined as such (NPI).
 */
export function scanText(text: string, found: Found, patientContext: boolean): void {
  for (const m of text.matchAll(SSN_FORMATTED)) {
    if (isValidSsn(m[0])) {
      found.categories.add('ssn');
      break;
    }
  }
  for (const m of text.matchAll(LABELLED)) {
    const label = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    const c = label.charCodeAt(0);
    if (label === 'ssn' || c === 0x73 /* social... */) {
      if (isValidSsn(value)) found.categories.add('ssn');
    } else if (label === 'npi') {
      if (isValidNpi(value)) found.categories.add('npi');
    } else if (!patientContext) {
      continue;
    } else if (label === 'mrn' || c === 0x6d /* medical... */) {
      if (isMrnValue(value)) found.categories.add('mrn');
    } else if (isBirthDate(value)) {
      found.categories.add('dob');
    }
  }
}

/** FHIR XML bodies: resource types only (their content is left to the text patterns). */
export function scanFhirXml(text: string, found: Found, phiTypes: ReadonlySet<string>): void {
  if (!text.includes('hl7.org/fhir')) return;
  for (const re of [XML_ROOT, XML_ENTRY]) {
    for (const m of text.matchAll(re)) {
      const type = m[1] ?? '';
      if (phiTypes.has(type)) {
        found.categories.add('fhir-resource');
        found.resourceTypes.add(type);
      }
    }
  }
}
