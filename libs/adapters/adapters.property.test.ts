import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ApiEventSchema, type InputFormat } from '../contracts/index.js';
import { envoyToEvent } from './envoy.js';
import { kongToEvent } from './kong.js';
import { nativeToEvent } from './native.js';
import { combinedToEvent } from './nginx-combined.js';
import { nginxJsonToEvent } from './nginx-json.js';
import type { Mapped, ParseOutcome } from './outcome.js';
import { parseBody, parseLine } from './parse.js';
import { fixtureLines } from './test-support/fixtures.js';

/**
 * Bad input never crashes an adapter: whatever a mirror sends, each adapter returns an event the
 * contract accepts or a reason, and the entry points (parseLine, parseBody) return outcomes.
 * Runs are seeded so a failure replays; fast-check prints the seed and the shrunk counterexample.
 */
const RUNS = { numRuns: 300, seed: 0x5eed } as const;

/** One real record per format, the starting point of structured mutations. */
const SAMPLES: Record<'kong' | 'envoy' | 'vigil' | 'nginx', Record<string, unknown>> = {
  kong: JSON.parse(fixtureLines('kong/file-log.jsonl')[0] as string) as Record<string, unknown>,
  envoy: JSON.parse(fixtureLines('envoy/access.json.log')[0] as string) as Record<string, unknown>,
  vigil: JSON.parse(fixtureLines('vigil/events.jsonl')[0] as string) as Record<string, unknown>,
  nginx: JSON.parse(fixtureLines('nginx/access.json.log')[0] as string) as Record<string, unknown>,
};
const COMBINED = fixtureLines('nginx/access.combined.log')[0] as string;

/** Numbers and strings that break naive parsing: huge, tiny, non-finite, numeric-looking. */
const absurd = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 5e-324, 2 ** 64, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '0x1F', '1_000', '', ' ', '\u0000', '9'.repeat(400), '-0', '+5', '.5', '5.', '1e-400'),
  fc.double(),
  fc.bigInt().map((b) => b.toString()),
);

/** Any JSON-ish value, including absurd numbers and lone surrogates in strings. */
const wild: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue() },
  { weight: 2, arbitrary: absurd },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue(), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constant(deepObject(2000)) },
  { weight: 1, arbitrary: fc.constant('h'.repeat(200_000)) },
  { weight: 1, arbitrary: fc.constant(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`x-h-${i}`, 'v']))) },
);

function deepObject(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Every key path of a record (objects only; arrays count as leaves), e.g. ["request","headers","host"]. */
function paths(v: unknown, prefix: string[] = []): string[][] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [prefix];
  const out: string[][] = prefix.length > 0 ? [prefix] : [];
  for (const [k, child] of Object.entries(v)) out.push(...paths(child, [...prefix, k]));
  return out;
}

function withValue(record: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(record);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** A real record with 1-4 of its fields replaced by wild values or removed. */
function mutated(sample: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const all = paths(sample);
  return fc.array(fc.tuple(fc.constantFrom(...all), fc.oneof(wild, fc.constant(undefined))), { minLength: 1, maxLength: 4 }).map((edits) => {
    let r = sample;
    for (const [path, value] of edits) {
      try {
        r = withValue(r, path, value);
      } catch {
        // An earlier edit replaced a parent with a non-object: this path is gone, skip it.
      }
    }
    return r;
  });
}

/** A mapper's answer is an event the contract accepts, or a non-empty reason. */
function checkMapped(m: Mapped | undefined): void {
  if (m === undefined) return; // nginx-combined: "not this format", the caller dead-letters it
  if (typeof m === 'string') {
    if (m.length === 0) throw new Error('empty reason');
    return;
  }
  // Candidates may still fail the schema: that becomes a dead letter with the zod reason.
  ApiEventSchema.safeParse(m);
}

/** Plain checks, not expect(): this runs for every item of 50,000-item bodies. */
function checkOutcome(o: ParseOutcome): void {
  if (o.kind === 'deadLetter') {
    if (typeof o.reason !== 'string' || o.reason.length === 0) throw new Error(`dead letter without a reason: ${JSON.stringify(o)}`);
    return;
  }
  if (o.events.length === 0) throw new Error('ok outcome without events');
  for (const e of o.events) {
    const r = ApiEventSchema.safeParse(e);
    if (!r.success) throw new Error(`ok outcome with an event the contract rejects: ${r.error.message}`);
  }
}

const MAPPERS = { kong: kongToEvent, envoy: envoyToEvent, vigil: nativeToEvent, nginx: nginxJsonToEvent } as const;
const FORMATS: InputFormat[] = ['auto', 'kong', 'nginx', 'envoy', 'vigil'];

describe.each(Object.keys(MAPPERS) as (keyof typeof MAPPERS)[])('the %s adapter on hostile records', (format) => {
  const map = MAPPERS[format];

  it('maps any JSON value without throwing', () => {
    fc.assert(fc.property(wild, (v) => checkMapped(map(v))), RUNS);
  });

  it('maps a real record with fields replaced by absurd, huge, deep or missing values without throwing', () => {
    fc.assert(fc.property(mutated(SAMPLES[format]), (r) => checkMapped(map(r))), RUNS);
  });

  it('turns every mutated record line into an event or a dead letter with a reason', () => {
    fc.assert(
      fc.property(mutated(SAMPLES[format]), fc.constantFrom(format, 'auto' as const), (r, as) => checkOutcome(parseLine(JSON.stringify(r), as))),
      RUNS,
    );
  });
});

describe('nginx combined and the entry points on arbitrary text', () => {
  it('parses any line, including invalid UTF-8 decoded with replacement characters, without throwing', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('utf8')),
      fc.string({ maxLength: 40 }).map((s) => COMBINED.replace('GET', s)),
      fc.tuple(fc.nat(COMBINED.length), fc.string({ unit: 'binary', maxLength: 20 })).map(([i, s]) => COMBINED.slice(0, i) + s + COMBINED.slice(i)),
    );
    fc.assert(
      fc.property(text, fc.constantFrom(...FORMATS), (line, format) => {
        checkMapped(combinedToEvent(line));
        checkOutcome(parseLine(line, format));
      }),
      RUNS,
    );
  });

  it('turns any body into items that are each an event or a dead letter', () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.array(fc.oneof(fc.jsonValue(), mutated(SAMPLES.kong)), { maxLength: 20 }).map((a) => JSON.stringify(a)),
      fc.array(mutated(SAMPLES.envoy), { maxLength: 5 }).map((a) => a.map((r) => JSON.stringify(r)).join('\n')),
    );
    fc.assert(
      fc.property(body, fc.constantFrom(...FORMATS), (b, format) => {
        for (const item of parseBody(b, format)) checkOutcome(item.outcome);
      }),
      RUNS,
    );
  });

  it('survives deep nesting, huge lines and long arrays', () => {
    const cases = [
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
      `{"request":{"headers":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}}`,
      JSON.stringify({ ...SAMPLES.kong, request: { ...(SAMPLES.kong.request as object), headers: { 'x-big': 'v'.repeat(2_000_000) } } }),
      JSON.stringify(Array.from({ length: 1_000 }, () => SAMPLES.kong)),
      JSON.stringify(Array.from({ length: 50_000 }, (_, i) => i)),
      '{"time":1e400,"status":-1e400,"method":"GET","path":"/"}',
    ];
    for (const [i, line] of cases.entries()) {
      // auto plus one explicit format per case: every format is covered, the test stays short.
      for (const format of ['auto', FORMATS[1 + (i % 4)]] as InputFormat[]) {
        checkOutcome(parseLine(line, format));
        for (const item of parseBody(line, format)) checkOutcome(item.outcome);
      }
    }
  });
});
