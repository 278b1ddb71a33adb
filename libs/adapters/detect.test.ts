import { describe, expect, test } from 'vitest';
import type { ConcreteFormat } from '../contracts/index.js';
import { detectJsonFormat } from './detect.js';
import { parseLine } from './index.js';
import { fixtureLines } from './test-support/fixtures.js';

const GOOD: [string, ConcreteFormat, number][] = [
  ['kong/file-log.jsonl', 'kong', 7],
  ['kong/http-log.batch.jsonl', 'kong', 2],
  ['nginx/access.json.log', 'nginx', 12],
  ['nginx/access.combined.log', 'nginx-combined', 12],
  ['envoy/access.json.log', 'envoy', 8],
  ['vigil/events.jsonl', 'vigil', 6],
];

describe('auto-detection', () => {
  test.each(GOOD)('every line of %s is detected as %s and parses', (file, format, count) => {
    const lines = fixtureLines(file);
    expect(lines).toHaveLength(count);
    for (const line of lines) {
      const outcome = parseLine(line, 'auto');
      expect(outcome.kind === 'ok' ? outcome.format : outcome.reason).toBe(format);
    }
  });

  test('auto and the explicit format give the same events', () => {
    for (const [file, format] of GOOD) {
      const explicit = format === 'nginx-combined' ? 'nginx' : format;
      for (const line of fixtureLines(file)) expect(parseLine(line, 'auto')).toEqual(parseLine(line, explicit));
    }
  });

  test('broken lines are attributed to their format when its keys are there, else unknown', () => {
    const formats = (file: string): string[] => fixtureLines(file).map((line) => parseLine(line, 'auto').format);
    // Truncated JSON cannot be attributed: detection needs the parsed keys.
    expect(formats('kong/file-log.bad.jsonl')).toEqual(['unknown', 'kong', 'kong', 'kong', 'unknown', 'kong', 'kong']);
    expect(formats('nginx/access.json.bad.log')).toEqual(['nginx', 'unknown', 'nginx', 'nginx', 'nginx']);
    expect(formats('nginx/access.combined.bad.log')).toEqual([
      'nginx-combined',
      'nginx-combined',
      'nginx-combined',
      'nginx-combined',
      'unknown',
    ]);
    expect(formats('envoy/access.json.bad.log')).toEqual(['unknown', 'envoy', 'unknown', 'envoy', 'envoy', 'envoy']);
    expect(formats('vigil/events.bad.jsonl')).toEqual(['unknown', 'vigil', 'vigil', 'unknown', 'vigil', 'vigil', 'unknown']);
  });

  test('lines of no known format are dead letters with reason "unrecognized format"', () => {
    for (const line of ['{"hello":"world"}', 'Nov 29 05:24:13 gw1 kernel: oops', '[{"a":1}]', '[1,2]']) {
      expect(parseLine(line, 'auto')).toEqual({ kind: 'deadLetter', format: 'unknown', reason: 'unrecognized format' });
    }
    expect(parseLine('"text"', 'auto')).toMatchObject({ reason: 'unrecognized format' });
    expect(parseLine('[]', 'auto')).toEqual({ kind: 'deadLetter', format: 'unknown', reason: 'empty JSON array' });
  });

  test('detection looks at keys only', () => {
    expect(detectJsonFormat({ request: {}, response: {} })).toBe('kong');
    expect(detectJsonFormat({ request: 'x', response: {} })).toBeUndefined();
    expect(detectJsonFormat({ time: 1, method: 1, path: 1, status: 1, clientIp: 1 })).toBe('vigil');
    expect(detectJsonFormat({ request_method: 'GET', status: 200 })).toBe('nginx');
    expect(detectJsonFormat({ start_time: 'x', response_code: 200 })).toBe('envoy');
    expect(detectJsonFormat({ status: 200 })).toBeUndefined();
  });
});
