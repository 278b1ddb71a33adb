import { ApiEventSchema, type ApiEvent, type ApiEventInput, type ConcreteFormat } from '../contracts/index.js';
import type { z } from 'zod';
import { conforms } from './conforms.js';
import { maskReason } from './redact-ids.js';

export type ParseOutcome =
  | { kind: 'ok'; format: ConcreteFormat; events: ApiEvent[] }
  | { kind: 'deadLetter'; format: ConcreteFormat | 'unknown'; reason: string };

/**
 * What an adapter makes of one record: an event to validate, or the reason it cannot be one.
 * A plain string keeps the hot path free of wrapper objects.
 */
export type Mapped = ApiEventInput | string;

export function deadLetter(format: ConcreteFormat | 'unknown', reason: string): ParseOutcome {
  // Privacy proof fix (services/privacy.integration.test.ts): reasons quote the failing field's
  // value, which can be a raw id when a log format shifts fields; those are masked (redact-ids.ts).
  return { kind: 'deadLetter', format, reason: maskReason(reason) };
}

const MAX_ISSUES = 3;

/** Zod issues as "schema: path: message; ..." so an operator can read the reason without the schema. */
export function describeIssues(error: z.ZodError): string {
  const parts: string[] = [];
  for (const issue of error.issues.slice(0, MAX_ISSUES)) {
    // Zod 4 prefixes format errors with "Invalid string: "; the field name says it better.
    const message = issue.message.replace(/^Invalid string: /, '');
    parts.push(issue.path.length > 0 ? `${issue.path.join('.')}: ${message}` : message);
  }
  const more = error.issues.length > MAX_ISSUES ? `; and ${error.issues.length - MAX_ISSUES} more` : '';
  return `schema: ${parts.join('; ')}${more}`;
}

/**
 * Validates an adapter's candidate against the contract. The fast check (conforms.ts) accepts the
 * usual well-formed event as it is; anything it is unsure of goes through ApiEventSchema, whose
 * parsed copy (defaults applied) becomes the event, or whose issues become the reason.
 */
export function validate(candidate: ApiEventInput): ApiEvent | string {
  if (conforms(candidate)) return candidate;
  const result = ApiEventSchema.safeParse(candidate);
  return result.success ? result.data : describeIssues(result.error);
}

/** One record through an adapter and the schema. */
export function mapOne(format: ConcreteFormat, map: (record: unknown) => Mapped, record: unknown): ParseOutcome {
  const mapped = map(record);
  if (typeof mapped === 'string') return deadLetter(format, mapped);
  const event = validate(mapped);
  return typeof event === 'string' ? deadLetter(format, event) : { kind: 'ok', format, events: [event] };
}

/**
 * A JSON array line (Kong batches) gives one outcome for all its items.
 * NOTE: one bad item dead-letters the whole line, good items included: ParseOutcome cannot carry
 * both, and keeping the line whole in the dead-letter store loses nothing. HTTP bodies avoid
 * this: parseBody splits top-level arrays into one outcome per item.
 */
export function mapMany(format: ConcreteFormat, map: (record: unknown) => Mapped, records: unknown[]): ParseOutcome {
  if (records.length === 0) return deadLetter(format, 'empty JSON array');
  const events: ApiEvent[] = [];
  for (let i = 0; i < records.length; i++) {
    const mapped = map(records[i]);
    const event = typeof mapped === 'string' ? mapped : validate(mapped);
    if (typeof event === 'string') return deadLetter(format, `item ${i}: ${event}`);
    events.push(event);
  }
  return { kind: 'ok', format, events };
}
