import { describe, expect, it } from 'vitest';
import { decade, isSignificant, matchesFilters } from './significance.js';

const last = { version: 3, severity: 'high', status: 'open', count: 7 };

describe('significance rule', () => {
  it('sends an alert never enqueued for the destination', () => {
    expect(isSignificant({ version: 5, severity: 'high', status: 'open', count: 7 }, undefined)).toBe(true);
  });

  it('does not send a repeat that only bumps the count within the same power of ten', () => {
    expect(isSignificant({ version: 4, severity: 'high', status: 'open', count: 8 }, last)).toBe(false);
    expect(isSignificant({ version: 5, severity: 'high', status: 'open', count: 9 }, last)).toBe(false);
  });

  it('sends when the count crosses 10, 100 and 1000', () => {
    expect(isSignificant({ version: 4, severity: 'high', status: 'open', count: 10 }, last)).toBe(true);
    expect(isSignificant({ version: 9, severity: 'high', status: 'open', count: 99 }, { ...last, count: 10 })).toBe(false);
    expect(isSignificant({ version: 9, severity: 'high', status: 'open', count: 100 }, { ...last, count: 10 })).toBe(true);
    expect(isSignificant({ version: 9, severity: 'high', status: 'open', count: 1000 }, { ...last, count: 999 })).toBe(true);
  });

  it('sends a severity or status change', () => {
    expect(isSignificant({ version: 4, severity: 'critical', status: 'open', count: 7 }, last)).toBe(true);
    expect(isSignificant({ version: 4, severity: 'high', status: 'resolved', count: 7 }, last)).toBe(true);
  });

  it('never sends a version at or below the one already enqueued', () => {
    expect(isSignificant({ version: 3, severity: 'critical', status: 'open', count: 7 }, last)).toBe(false);
    expect(isSignificant({ version: 2, severity: 'high', status: 'resolved', count: 70 }, last)).toBe(false);
  });

  it('counts powers of ten exactly', () => {
    expect([1, 9, 10, 99, 100, 999, 1000, 10_000].map(decade)).toEqual([0, 0, 1, 1, 2, 2, 3, 4]);
  });
});

describe('destination filters', () => {
  it('lets through alerts at or above the minimum severity and of the listed detectors', () => {
    const d = { minSeverity: 'high' as const, detectors: ['bola/enumeration'] };
    expect(matchesFilters(d, { severity: 'high', detector: 'bola/enumeration' })).toBe(true);
    expect(matchesFilters(d, { severity: 'critical', detector: 'bola/enumeration' })).toBe(true);
    expect(matchesFilters(d, { severity: 'medium', detector: 'bola/enumeration' })).toBe(false);
    expect(matchesFilters(d, { severity: 'critical', detector: 'bfla' })).toBe(false);
    expect(matchesFilters({}, { severity: 'low', detector: 'rate' })).toBe(true);
  });
});
