import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli/context.js';
import { simulateCommand } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (t) => lines.push(t), err: (t) => lines.push(t), env: {}, tty: false };
}

describe('simulateCommand', () => {
  it('writes traffic, labels and populations and prints where', () => {
    const out = join(dir, 'run');
    const t = io();
    expect(simulateCommand(t, { out, days: '2', seed: '9', format: 'envoy', scale: '0.2' })).toBe(0);
    const records = readFileSync(join(out, 'traffic.log'), 'utf8').trim().split('\n').length;
    const labels = readFileSync(join(out, 'labels.jsonl'), 'utf8').trim().split('\n').length;
    expect(existsSync(join(out, 'population.json'))).toBe(true);
    expect(t.lines).toEqual([
      `Simulated 2 days (seed 9, envoy): ${records} records -> ${join(out, 'traffic.log')}; ${labels} labelled attacks -> ${join(out, 'labels.jsonl')}; populations -> ${join(out, 'population.json')}`,
    ]);
  });

  it('refuses a missing --out and a bad --format with bad_request', () => {
    expect(() => simulateCommand(io(), {})).toThrow(expect.objectContaining({ code: 'bad_request', message: '--out DIR is required' }));
    expect(() => simulateCommand(io(), { out: dir, format: 'haproxy' })).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^--format: /) as unknown }));
    expect(() => simulateCommand(io(), { out: dir, days: '0' })).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^--days: /) as unknown }));
  });
});
