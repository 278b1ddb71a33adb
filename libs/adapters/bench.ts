// Throughput of parseLine per format, on the fixture lines. Prints figures; asserts nothing.
// Run from the repository root after a build:  node dist/libs/adapters/bench.js
// The target is 50,000+ events/s per core for the whole pipeline, so parsing must stay well above.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InputFormat } from '../contracts/index.js';
import { parseLine } from './parse.js';

export interface BenchResult {
  name: string;
  eventsPerSecond: number;
  microsPerLine: number;
}

const CASES: [string, string, InputFormat][] = [
  ['kong (explicit)', 'fixtures/kong/file-log.jsonl', 'kong'],
  ['kong (auto)', 'fixtures/kong/file-log.jsonl', 'auto'],
  ['nginx json (auto)', 'fixtures/nginx/access.json.log', 'auto'],
  ['nginx combined (auto)', 'fixtures/nginx/access.combined.log', 'auto'],
  ['envoy (auto)', 'fixtures/envoy/access.json.log', 'auto'],
  ['vigil native (auto)', 'fixtures/vigil/events.jsonl', 'auto'],
];

export function benchAdapters(root: string, seconds = 1): BenchResult[] {
  const results: BenchResult[] = [];
  for (const [name, file, format] of CASES) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n').filter((l) => l !== '');
    let events = 0;
    let parsed = 0;
    // Warm up so the JIT has compiled the hot path before timing.
    for (let i = 0; i < 20_000; i++) parseLine(lines[i % lines.length] ?? '', format);
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round(seconds * 1e9));
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < 1000; i++) {
        const outcome = parseLine(lines[parsed % lines.length] ?? '', format);
        parsed++;
        if (outcome.kind === 'ok') events += outcome.events.length;
      }
      now = process.hrtime.bigint();
    }
    const elapsed = Number(now - start) / 1e9;
    results.push({ name, eventsPerSecond: Math.round(events / elapsed), microsPerLine: (elapsed * 1e6) / parsed });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of benchAdapters(process.cwd())) {
    console.log(`${r.name.padEnd(24)} ${r.eventsPerSecond.toLocaleString('en-US').padStart(10)} events/s  ${r.microsPerLine.toFixed(2)} µs/line`);
  }
}
