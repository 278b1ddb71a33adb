import type { Phi } from '../contracts/index.js';
import { newFound, toPhi, type Found } from './found.js';
import { scanFhirXml, scanText } from './patterns.js';
import { PHI_RESOURCE_TYPES } from './resource-types.js';
import { walkJson } from './walk.js';

export interface PhiClassifierConfig {
  /** Per body: text past this many characters (UTF-16 units; bytes for ASCII) is not looked at. */
  maxScanBytes: number;
}

export const PHI_CLASSIFIER_DEFAULTS: PhiClassifierConfig = { maxScanBytes: 256 * 1024 };

export interface Bodies {
  requestBody?: string | undefined;
  responseBody?: string | undefined;
}

/**
 * Bodies -> Phi, or undefined when the event carries no body at all. "A body was seen and nothing
 * found" is `{ categories: [], resourceTypes: [], in: [] }`, never undefined, so an API inventory
 * can tell a route known to return no PHI from a route whose bodies it never saw.
 * NOTE: the result holds categories and FHIR type names only, never a matched value.
 */
export type PhiClassifier = (bodies: Bodies) => Phi | undefined;

export function createPhiClassifier(config: PhiClassifierConfig = PHI_CLASSIFIER_DEFAULTS): PhiClassifier {
  const cap = config.maxScanBytes;
  return function classify({ requestBody, responseBody }) {
    if (requestBody === undefined && responseBody === undefined) return undefined;
    const all = newFound();
    const inBodies: Phi['in'] = [];
    if (requestBody !== undefined && classifyInto(requestBody, cap, all)) inBodies.push('request');
    if (responseBody !== undefined && classifyInto(responseBody, cap, all)) inBodies.push('response');
    return toPhi(all, inBodies);
  };
}

/** Adds what one body shows to `all`; true when it showed anything. */
function classifyInto(body: string, cap: number, all: Found): boolean {
  const found = newFound();
  classifyText(body.length > cap ? body.slice(0, cap) : body, body.length > cap, found, true);
  for (const c of found.categories) all.categories.add(c);
  for (const t of found.resourceTypes) all.resourceTypes.add(t);
  return found.categories.size > 0;
}

const BASE64 = /^[A-Za-z0-9+/]{16,}={0,2}$/;

function classifyText(text: string, truncated: boolean, found: Found, mayDecode: boolean): void {
  const start = firstNonBlank(text);
  if (start < 0) return;
  const c = text.charCodeAt(start);
  // JSON is parsed only when it can be whole: a body cut at the cap would fail to parse anyway,
  // and its prefix still gets the text patterns below.
  if ((c === 0x7b || c === 0x5b) && !truncated && !tooDeep(text, start)) {
    let value: unknown;
    let parsed = false;
    try {
      value = JSON.parse(text) as unknown;
      parsed = true;
    } catch {
      // Not JSON after all (or cut by the gateway): the text patterns still apply.
    }
    if (parsed) {
      walkJson(value, found);
      return;
    }
  }
  if (c === 0x3c /* < */) scanFhirXml(text, found, PHI_RESOURCE_TYPES);
  // Gateways that log binary-safe bodies base64-encode them (ngx.encode_base64 in a Kong
  // custom field). Decoded once, never recursively, and only when the result is text.
  const trimmed = mayDecode ? text.trim() : '';
  if (trimmed.length % 4 === 0 && BASE64.test(trimmed)) {
    const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
    if (!decoded.includes('\uFFFD') && isMostlyText(decoded)) {
      classifyText(decoded, truncated, found, false);
      return;
    }
  }
  scanText(text, found, true);
}

/** FHIR resources nest ~10 levels; JSON.parse of thousands of levels costs far more than the scan. */
const MAX_DEPTH = 128;

/** True when brackets (outside strings) nest deeper than MAX_DEPTH: such a body gets the text patterns only. */
function tooDeep(text: string, start: number): boolean {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function firstNonBlank(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return i;
  }
  return -1;
}

/** No control characters other than whitespace: decoded text, not a binary payload. */
function isMostlyText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
