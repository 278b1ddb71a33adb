import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { createWatermark } from '../../libs/kafka/watermark.js';
import { createFlowAbuseDetector, DEFAULTS } from './index.js';
import { ahead, H, MIN, T0, ward } from './test-traffic.js';

interface Consumed {
  event: NormalizedEvent;
  partition: number;
  /** Messages after it in its partition (all were produced before consuming started: a backlog). */
  lag: number;
}

/** Both partitions consumed round-robin, `chunk` messages at a time: the ahead one runs days ahead. */
function roundRobin(partitions: NormalizedEvent[][], chunk: number): Consumed[] {
  const out: Consumed[] = [];
  for (let at = 0; partitions.some((p) => at < p.length); at += chunk) {
    partitions.forEach((p, partition) => p.slice(at, at + chunk).forEach((e, i) => out.push({ event: e, partition, lag: p.length - (at + i) - 1 })));
  }
  return out;
}

function detect(input: Consumed[], withWatermark: boolean): Finding[] {
  const d = createFlowAbuseDetector(DEFAULTS);
  const state = d.createState();
  const watermark = createWatermark();
  return input.flatMap(({ event: e, partition, lag }) => {
    const w = watermark.advance({ topic: 'vigil.mirror.raw', partition }, e.ts, lag);
    return d.detect(e, state, withWatermark ? w : undefined);
  });
}

const brief = (f: Finding) => ({ principal: f.principal, ts: f.ts, evidence: f.evidence });

describe('flow-abuse on partitions consumed at different speeds', () => {
  const inOrder = [...ward(), ...ahead()].sort((a, b) => a.ts - b.ts).map((e) => ({ event: e, partition: 0, lag: 1 }));
  const skewed = roundRobin([ward(), ahead()], 4);

  it('in event-time order flags only the 20 updates, against the limit the ward taught (2 x 8)', () => {
    const found = detect(inOrder, false);
    // One finding per update from the 16th on (the alert manager aggregates them into one alert).
    expect(found.map((f) => [f.principal, (f.evidence as { repeats: number }).repeats])).toEqual([16, 17, 18, 19, 20].map((n) => ['user:n1', n]));
    expect(found.slice(0, 1).map(brief)).toEqual([
      {
        principal: 'user:n1',
        ts: T0 + 5 * H + 1000 + 15 * 2 * MIN,
        evidence: {
          pattern: 'repeated_operation',
          confidence: 0.7,
          repeats: 16,
          threshold: 16,
          thresholdBasis: 'cohort',
          populationQuantile: 8,
          populationSamples: 48,
          objectType: 'Task',
          objectId: 'tok_abuse',
          windowSeconds: 3600,
        },
      },
    ]);
  });

  it('finds the same with the partitions skewed when windows close on the low watermark', () => {
    expect(detect(skewed, true).map(brief)).toEqual(detect(inOrder, false).map(brief));
  });

  it('would learn half-runs and flag the benign nurse if windows closed on the partition running ahead', () => {
    // The contrast that makes the test above mean something: the ahead partition's time closes
    // every ward window mid-run, so the cohort learns runs of about 4 and the limit drops to the floor.
    const found = detect(skewed, false);
    expect(found.map((f) => [f.principal, (f.evidence as { threshold: number }).threshold])).toContainEqual(['user:n0', 5]);
  });
});
