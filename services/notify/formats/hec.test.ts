import { expect, test } from 'vitest';
import { sampleAlert } from '../senders/test-support.js';
import { describeHecReply, hecEnvelope, parseHecReply } from './hec.js';

test('the envelope puts the alert, keyed, under event at its lastSeen in seconds.millis', () => {
  const alert = sampleAlert();
  expect(hecEnvelope(alert, { host: 'vigil-1', idempotencyKey: 'alrt_7f3a9c:1' })).toEqual({
    time: 1772443181.507,
    host: 'vigil-1',
    source: 'vigil',
    sourcetype: 'vigil:alert',
    event: { ...alert, idempotencyKey: 'alrt_7f3a9c:1' },
  });
  expect(JSON.stringify(hecEnvelope(alert, { host: 'h', idempotencyKey: 'k' })).startsWith('{"time":1772443181.507,"host":"h","source":"vigil","sourcetype":"vigil:alert","event":{"id":"alrt_7f3a9c"')).toBe(true);
});

test('HEC replies are read and described; other bodies are not HEC replies', () => {
  expect(parseHecReply('{"text":"Invalid token","code":4}')).toEqual({ text: 'Invalid token', code: 4 });
  expect(parseHecReply('<html>bad gateway</html>')).toEqual({});
  expect(parseHecReply('null')).toEqual({});
  expect(describeHecReply({ text: 'Invalid token', code: 4 }, 403, '')).toBe('HTTP 403: Invalid token (HEC code 4)');
  expect(describeHecReply({}, 502, '<html>bad gateway</html>')).toBe('HTTP 502: <html>bad gateway</html>');
});
