import { describe, expect, test } from 'vitest';
import { parseBody, parseLine, type ParseOutcome } from './index.js';
import { fixtureLines } from './test-support/fixtures.js';

const kong = fixtureLines('kong/file-log.jsonl');
const kongBatch = fixtureLines('kong/http-log.batch.jsonl');
const nginx = fixtureLines('nginx/access.json.log');
const combined = fixtureLines('nginx/access.combined.log');
const envoy = fixtureLines('envoy/access.json.log');
const vigil = fixtureLines('vigil/events.jsonl');

/** "ok:<format>:<path,...>" or "dead:<format>:<reason>", to compare whole bodies at a glance. */
function summary(outcome: ParseOutcome): string {
  return outcome.kind === 'ok'
    ? `ok:${outcome.format}:${outcome.events.map((e) => e.path).join(',')}`
    : `dead:${outcome.format}:${outcome.reason}`;
}

describe('parseLine', () => {
  test('blank lines are "empty line" dead letters, for the caller to skip', () => {
    expect(parseLine('', 'auto')).toEqual({ kind: 'deadLetter', format: 'unknown', reason: 'empty line' });
    expect(parseLine('  \t\r', 'kong')).toEqual({ kind: 'deadLetter', format: 'kong', reason: 'empty line' });
    expect(parseLine('\r', 'nginx')).toEqual({ kind: 'deadLetter', format: 'nginx', reason: 'empty line' });
  });

  test('CRLF line endings and a byte order mark do not matter', () => {
    expect(summary(parseLine(`\uFEFF${kong[0] ?? ''}\r`, 'auto'))).toBe('ok:kong:/fhir/Patient/123');
    expect(summary(parseLine(`${combined[0] ?? ''}\r`, 'nginx'))).toBe('ok:nginx-combined:/fhir/Patient/123');
  });

  test('an explicit format only tries that adapter', () => {
    expect(summary(parseLine(nginx[0] ?? '', 'kong'))).toBe('dead:kong:kong: request missing');
    expect(summary(parseLine(kong[0] ?? '', 'envoy'))).toBe('dead:envoy:envoy: start_time missing');
    expect(summary(parseLine(envoy[0] ?? '', 'nginx'))).toBe('dead:nginx:nginx: request_method missing');
    expect(summary(parseLine(combined[0] ?? '', 'kong'))).toBe("dead:kong:kong: line is not JSON (expected '{' or '[')");
    expect(summary(parseLine('42', 'auto'))).toBe('dead:unknown:unrecognized format');
    expect(summary(parseLine('{"x":1} ', 'vigil'))).toMatch(/^dead:vigil:schema: /);
  });

  test('JSON that is not an object names what it is', () => {
    expect(summary(parseLine('[1]', 'kong'))).toBe('dead:kong:item 0: kong: expected a JSON object');
    expect(summary(parseLine('{"a":[null]}', 'nginx'))).toBe('dead:nginx:nginx: request_method missing');
  });

  test('a JSON syntax error names the position, never the content', () => {
    const outcome = parseLine('{"authorization":"Bearer abc" "status":200}', 'auto');
    expect(outcome).toEqual({
      kind: 'deadLetter',
      format: 'unknown',
      reason: "invalid JSON at position 30: unexpected '\"', expected ',' or '}'",
    });
  });
});

describe('parseBody', () => {
  test('a Kong batch (JSON array body) gives one outcome per element with its index', () => {
    const items = parseBody(kongBatch[0] ?? '', 'kong');
    expect(items.map((i) => [i.position, summary(i.outcome)])).toEqual([
      [0, 'ok:kong:/fhir/Patient/125'],
      [1, 'ok:kong:/fhir/Patient/126'],
      [2, 'ok:kong:/fhir/Patient/127'],
    ]);
  });

  test('one bad element of a batch body does not take the others with it', () => {
    const body = `[${kong[0] ?? ''},{"request":{"method":"GET"},"response":{}},${kong[3] ?? ''}]`;
    const items = parseBody(body, 'auto');
    expect(items.map((i) => [i.position, summary(i.outcome)])).toEqual([
      [0, 'ok:kong:/fhir/Patient/123'],
      [1, 'dead:kong:kong: response.status missing'],
      [2, 'ok:kong:/fhir/Patient/999'],
    ]);
    // Each item carries its own text, so a dead letter keeps the bad element, not the whole batch.
    expect(items[1]?.raw).toBe('{"request":{"method":"GET"},"response":{}}');
    expect(JSON.parse(items[0]?.raw ?? '')).toEqual(JSON.parse(kong[0] ?? ''));
  });

  test('a single Kong object body, compact or pretty-printed, is one item', () => {
    expect(parseBody(kong[2] ?? '', 'kong').map((i) => summary(i.outcome))).toEqual(['ok:kong:/fhir/Patient']);
    const pretty = JSON.stringify(JSON.parse(kong[2] ?? '') as unknown, null, 2);
    expect(parseBody(pretty, 'auto').map((i) => [i.position, summary(i.outcome)])).toEqual([[0, 'ok:kong:/fhir/Patient']]);
  });

  test('a broken pretty-printed body is one dead letter, not one per line', () => {
    const pretty = JSON.stringify(JSON.parse(kong[2] ?? '') as unknown, null, 2).slice(0, 200);
    const items = parseBody(pretty, 'kong');
    expect(items).toEqual([
      {
        position: 0,
        outcome: { kind: 'deadLetter', format: 'kong', reason: 'invalid JSON at position 200: unexpected end of input (truncated line?)' },
        raw: pretty,
      },
    ]);
  });

  test('NDJSON mixing every adapter gives one outcome per line, blank lines included', () => {
    const body = [kong[0], nginx[1], '', combined[2], envoy[3], vigil[4], 'garbage', kongBatch[1]].join('\n') + '\n';
    expect(parseBody(body, 'auto').map((i) => [i.position, summary(i.outcome)])).toEqual([
      [0, 'ok:kong:/fhir/Patient/123'],
      [1, 'ok:nginx:/fhir/Observation'],
      [2, 'dead:unknown:empty line'],
      [3, 'ok:nginx-combined:/fhir/Patient'],
      [4, 'ok:envoy:/fhir/Patient/999'],
      [5, 'ok:vigil:/api/v1/users/42'],
      [6, 'dead:unknown:unrecognized format'],
      [7, 'ok:kong:/fhir/Observation,/fhir/Patient/125'],
    ]);
  });

  test('NDJSON with CRLF line endings and a final newline has no phantom last item', () => {
    const body = `${vigil[0] ?? ''}\r\n${vigil[1] ?? ''}\r\n`;
    expect(parseBody(body, 'vigil').map((i) => summary(i.outcome))).toEqual(['ok:vigil:/fhir/Patient/123', 'ok:vigil:/fhir/Observation']);
  });

  test('an NDJSON body whose first line is broken still yields the later lines', () => {
    const body = `${(vigil[0] ?? '').slice(0, 50)}\n${vigil[1] ?? ''}`;
    expect(parseBody(body, 'auto').map((i) => summary(i.outcome))).toEqual([
      'dead:unknown:invalid JSON at position 50: unexpected end of input (truncated line?)',
      'ok:vigil:/fhir/Observation',
    ]);
  });

  test('an empty body has no items; an empty array body neither', () => {
    expect(parseBody('', 'auto')).toEqual([]);
    expect(parseBody(' \n ', 'kong')).toEqual([]);
    expect(parseBody('[]', 'kong')).toEqual([]);
  });

  test('a combined-format body is read line by line', () => {
    const body = combined.slice(0, 3).join('\n');
    expect(parseBody(body, 'nginx').map((i) => summary(i.outcome))).toEqual([
      'ok:nginx-combined:/fhir/Patient/123',
      'ok:nginx-combined:/fhir/Observation',
      'ok:nginx-combined:/fhir/Patient',
    ]);
  });
});
