import { describe, expect, it } from 'vitest';
import type { Label, Population } from './labels.js';
import { alertMatchesLabel, combineScores, formatScore, median, scoreRun, type ScoredAlert } from './score.js';

const label = (over: Partial<Label>): Label => ({ id: 'x-1', kind: 'bola-enumeration', detector: 'bola/enumeration', start: '2026-03-04T10:00:00.000Z', end: '2026-03-04T10:05:00.000Z', ...over });

function alert(over: Partial<ScoredAlert> & { id?: string }): ScoredAlert {
  const { id: _id, ...rest } = over;
  return {
    detector: 'bola/enumeration',
    principal: 'user:mallory',
    sourceIps: ['10.40.0.10'],
    firstSeen: '2026-03-04T10:01:00.000Z',
    lastSeen: '2026-03-04T10:04:00.000Z',
    ...rest,
  };
}

const groups: Population['groups'] = { patients: [], narrowAppUsers: [], clinicians: ['user:dr-a', 'user:mallory'], exportServices: ['app:etl'], syncServices: [], billing: ['user:bill-a'], partnerIps: [] };

describe('alertMatchesLabel', () => {
  it('matches by principal when the alert overlaps the attack plus ten minutes', () => {
    const l = label({ principal: 'user:mallory' });
    expect(alertMatchesLabel(alert({}), l)).toBe(true);
    expect(alertMatchesLabel(alert({ firstSeen: '2026-03-04T10:15:00.000Z', lastSeen: '2026-03-04T10:20:00.000Z' }), l)).toBe(true);
    expect(alertMatchesLabel(alert({ firstSeen: '2026-03-04T10:15:00.001Z', lastSeen: '2026-03-04T10:20:00.000Z' }), l)).toBe(false);
    expect(alertMatchesLabel(alert({ firstSeen: '2026-03-04T09:00:00.000Z', lastSeen: '2026-03-04T09:59:59.999Z' }), l)).toBe(false);
    expect(alertMatchesLabel(alert({ principal: 'user:someone-else' }), l)).toBe(false);
  });

  it('matches an address label by ip: principal or by source IP', () => {
    const l = label({ ip: '185.1.2.3' });
    expect(alertMatchesLabel(alert({ principal: 'ip:185.1.2.3' }), l)).toBe(true);
    expect(alertMatchesLabel(alert({ principal: 'key:fp_1', sourceIps: ['192.0.2.40', '185.1.2.3'] }), l)).toBe(true);
    expect(alertMatchesLabel(alert({ principal: 'key:fp_1' }), l)).toBe(false);
  });
});

describe('scoreRun', () => {
  it('counts recall by the expected detector, precision over all alerts, and benign false positives', () => {
    const labels = [label({ id: 'e-1', principal: 'user:mallory' }), label({ id: 'r-1', kind: 'rate', detector: 'rate', principal: 'user:pt-1' })];
    const alerts = [
      alert({ id: 'a1' }),
      // Right attack, other detector: a true alert, but not the rate attack's detection.
      alert({ id: 'a2', detector: 'scraping', principal: 'user:pt-1' }),
      alert({ id: 'a3', detector: 'bfla', principal: 'user:dr-a' }),
      alert({ id: 'a4', detector: 'data-exfiltration', principal: 'app:etl' }),
      alert({ id: 'a5', detector: 'bfla', principal: 'user:nobody' }),
    ];
    const s = scoreRun(labels, alerts, groups);
    expect(s.perKind['bola-enumeration']).toEqual({ attacks: 1, detected: 1, ttdSeconds: [60] });
    expect(s.perKind.rate).toEqual({ attacks: 1, detected: 0, ttdSeconds: [] });
    expect(s.alerts).toBe(5);
    expect(s.trueAlerts).toBe(2);
    expect(s.strictTrueAlerts).toBe(1);
    expect(s.perDetector).toEqual({
      'bola/enumeration': { alerts: 1, falsePositives: 0 },
      scraping: { alerts: 1, falsePositives: 0 },
      bfla: { alerts: 2, falsePositives: 2 },
      'data-exfiltration': { alerts: 1, falsePositives: 1 },
    });
    expect(s.benign).toEqual({ 'clinicians reading their own panels': 1, 'nightly exports by the services that run them': 1, 'billing staff doing billing': 0 });
  });

  it('takes time to detect as zero when the matching alert was already open', () => {
    const s = scoreRun([label({ principal: 'user:mallory' })], [alert({ firstSeen: '2026-03-04T09:50:00.000Z' })], groups);
    expect(s.perKind['bola-enumeration'].ttdSeconds).toEqual([0]);
  });
});

describe('combineScores and formatScore', () => {
  it('adds runs and prints per-kind recall, precision and the benign checks', () => {
    const one = scoreRun([label({ principal: 'user:mallory' })], [alert({})], groups);
    const two = scoreRun([label({ principal: 'user:mallory' })], [], groups);
    const s = combineScores([one, two]);
    expect(s.perKind['bola-enumeration']).toEqual({ attacks: 2, detected: 1, ttdSeconds: [60] });
    const text = formatScore(s);
    expect(text).toContain('bola-enumeration      bola/enumeration      2        1         0.50    60 s');
    expect(text).toContain('overall                                     2        1         0.50    60 s');
    expect(text).toContain('alerts: 1; matching a labelled attack: 1 (precision 1.00); by its expected detector: 1 (strict precision 1.00)');
    expect(text).toContain('ok   billing staff doing billing: 0 alerts');
  });

  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
});
