import { describe, expect, it } from 'vitest';
import { parseLine } from '../../libs/adapters/index.js';
import { createRandom, envoyRecord, kongRecord, nginxRecord, type KongRequest } from '../../scripts/traffic.js';
import { completionOrder, latencyMs } from './completion-order.js';

const T0 = Date.UTC(2026, 10, 2, 9);
/** 400 requests 50 ms apart: far closer than the slow ones' latencies, so completions overtake. */
const requests: KongRequest[] = Array.from({ length: 400 }, (_, i) => ({
  at: T0 + i * 50,
  method: 'GET',
  uri: `/fhir/Patient/${i}`,
  status: 200,
  clientIp: '10.0.0.9',
  headers: { 'x-user-id': 'alice' },
}));
const render = (f: typeof kongRecord) => {
  const rnd = createRandom(1);
  return requests.map((r) => JSON.stringify(f(r, rnd)));
};

/** Event time and latency as Vigil's adapters read them, in output order. */
function times(lines: string[], format: 'kong' | 'envoy'): { ts: number; latency: number; path: string }[] {
  return lines.map((line) => {
    const out = parseLine(line, format);
    if (out.kind !== 'ok') throw new Error(`not parsed: ${line}`);
    const ev = out.events[0];
    if (ev === undefined) throw new Error('no event');
    return { ts: Date.parse(ev.time), latency: ev.latencyMs ?? NaN, path: ev.path };
  });
}

describe('completionOrder', () => {
  it.each(['kong', 'envoy'] as const)('orders %s lines by start + latency, keeps every request and its start time', (format) => {
    const lines = render(format === 'kong' ? kongRecord : envoyRecord);
    const out = completionOrder(lines, format, 7);
    const got = times(out, format);
    expect(got).toHaveLength(400);
    // Every request once, each with its own start time.
    expect(new Set(got.map((g) => g.path)).size).toBe(400);
    for (const g of got) expect(g.ts).toBe(T0 + Number(g.path.split('/').pop()) * 50);
    // Completion times never go back; start times do.
    for (let i = 1; i < got.length; i++) expect(got[i]!.ts + got[i]!.latency).toBeGreaterThanOrEqual(got[i - 1]!.ts + got[i - 1]!.latency);
    expect(got.some((g, i) => i > 0 && g.ts < got[i - 1]!.ts)).toBe(true);
  });

  it('depends on the seed alone', () => {
    const lines = render(kongRecord);
    expect(completionOrder(lines, 'kong', 7)).toEqual(completionOrder(lines, 'kong', 7));
    expect(completionOrder(lines, 'kong', 8)).not.toEqual(completionOrder(lines, 'kong', 7));
  });

  it('leaves nginx lines as they are: $msec is the completion time, written in that order', () => {
    const lines = render(nginxRecord);
    expect(completionOrder(lines, 'nginx', 7)).toEqual(lines);
  });
});

describe('latencyMs', () => {
  it('is the log-normal quantile of its uniforms: median 150 ms, clamped to 2 ms and 30 s', () => {
    // u2 = 0.25 makes the normal draw 0 whatever u1 is: the median.
    expect(latencyMs(0.5, 0.25)).toBe(150);
    // u1 = e^-2, u2 = 0: a draw of exactly 2 sd, 150 * e^3.
    expect(latencyMs(Math.exp(-2), 0)).toBe(Math.round(150 * Math.exp(3)));
    expect(latencyMs(1e-300, 0)).toBe(30_000);
    expect(latencyMs(1e-300, 0.5)).toBe(2);
  });
});
