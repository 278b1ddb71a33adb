import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors/index.js';
import { isRetriable, nextBackoffMs } from './retry.js';

describe('isRetriable', () => {
  it('trusts the retriable flag of Vigil errors', () => {
    expect(isRetriable(new VigilError('store_unavailable', 'down'))).toBe(true);
    expect(isRetriable(new VigilError('store_failed', 'bad row'))).toBe(false);
  });

  it('retries kafkajs errors only when they say they are retriable', () => {
    const retriable = Object.assign(new Error('leader moved'), { name: 'KafkaJSProtocolError', retriable: true });
    const fatal = Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', retriable: false });
    expect(isRetriable(retriable)).toBe(true);
    expect(isRetriable(fatal)).toBe(false);
    expect(isRetriable(new Error('plain'))).toBe(false);
  });
});

describe('nextBackoffMs', () => {
  it('doubles from the minimum and stops at the maximum', () => {
    const noJitter = () => 1;
    expect([0, 1, 2, 3, 10].map((a) => nextBackoffMs(a, 200, 1000, noJitter))).toEqual([200, 400, 800, 1000, 1000]);
  });

  it('jitters down by at most a fifth', () => {
    expect(nextBackoffMs(0, 1000, 10_000, () => 0)).toBe(800);
  });
});
