import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../libs/config/index.js';
import { createTokenizer } from '../../libs/privacy/index.js';
import { createRouteTemplater } from '../../libs/routes/index.js';
import { hospitalScenario } from '../../scripts/scenario.js';
import { createNormalizer } from './normalize.js';
import type { PreparedLine } from './prepare.js';
import { createInlinePreparer, createWorkerPreparer, type Preparer } from './preparer.js';

// The worker runs the built code (dist): `npm test` builds before vitest runs.
const config = loadConfig({ env: {} });
const key = Buffer.alloc(32, 0x5a);
const inline = () => createInlinePreparer(createNormalizer(config, { tokenizer: createTokenizer(key), templater: createRouteTemplater() }));
const open: Preparer[] = [];
const worker = () => {
  const w = createWorkerPreparer(config, { tokenizationKey: key });
  open.push(w);
  return w;
};
afterAll(async () => {
  for (const w of open) await w.close();
});

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));
/** Every line of every fixture, good and bad, of every format. */
const fixtureLines = ['kong', 'nginx', 'envoy', 'vigil', 'e2e'].flatMap((dir) =>
  readdirSync(join(fixtures, dir))
    .filter((f) => f.endsWith('.log') || f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(fixtures, dir, f), 'utf8').split('\n')),
);
const kongLine = readFileSync(join(fixtures, 'kong', 'file-log.jsonl'), 'utf8').split('\n')[0] ?? '';
/** Lines the fixtures lack: a BOM, CRLF, non-ASCII text, blank, a batch with a bad element. */
const edgeLines = [
  `\ufeff${kongLine}`,
  `${kongLine}\r`,
  kongLine.replace('"GET"', '"GET","note":"Zoë ✓ 患者"'),
  '   ',
  `[${kongLine},{"request":{"method":"GET"}},${kongLine}]`,
  '{"truncated":',
];

describe('the prepare worker', () => {
  it('gives exactly what preparing on this thread gives, for text and for bytes, with and without coordinates', async () => {
    const lines = [...fixtureLines, ...edgeLines, ...hospitalScenario({ seed: 7, start: Date.UTC(2026, 10, 2, 8), minutes: 3, clinicians: 200, attacks: true })];
    const here = await inline().lines(
      lines.map((line, i) => ({ line, ...(i % 3 === 0 ? { occurrence: `raw/0/${i}` } : {}) })),
      'auto',
    );
    const w = worker();
    // In runs, as the Kafka loop sends them; bytes for every other line, as Kafka delivers them.
    const there: PreparedLine[] = [];
    for (let start = 0; start < lines.length; start += 500) {
      const run = lines.slice(start, start + 500).map((line, j) => {
        const i = start + j;
        return { line: i % 2 === 0 ? Buffer.from(line, 'utf8') : line, ...(i % 3 === 0 ? { occurrence: `raw/0/${i}` } : {}) };
      });
      there.push(...(await w.lines(run, 'auto')));
    }
    expect(there).toEqual(here);
    // The comparison covers real work: events with learned templates and tokenized ids, and dead letters.
    const steps = here.flatMap((l) => l.items.flatMap((i) => i.steps));
    const events = steps.flatMap((s) => (s.kind === 'event' ? [s.event] : []));
    expect(here.filter((l) => l.blank).length).toBe(lines.filter((l) => l.trim() === '').length);
    expect(steps.filter((s) => s.kind === 'dead').length).toBeGreaterThan(5);
    expect(events.some((e) => e.route === '/fhir/Patient/{id}')).toBe(true);
    expect(events.every((e) => e.objects.every((o) => o.id.startsWith('tok_')))).toBe(true);
    // A BOM and a CR are cleaned for parsing but stay part of the line's identity: three distinct ids.
    const idsOf = (line: PreparedLine | undefined) => line?.items.flatMap((i) => i.steps.flatMap((s) => (s.kind === 'event' ? [s.event.eventId] : []))) ?? [];
    const edge = here.slice(fixtureLines.length, fixtureLines.length + edgeLines.length);
    expect(new Set([...idsOf(edge[0]), ...idsOf(edge[1]), ...idsOf(edge[2])]).size).toBe(3);
    // The batch: its two good elements (identical, so told apart by position) and its bad one in order.
    expect(edge[4]?.items.map((i) => [i.item, i.steps.map((s) => s.kind)])).toEqual([
      ['0', ['event']],
      ['1', ['dead']],
      ['2', ['event']],
    ]);
    expect(edge[5]?.items[0]?.steps[0]).toMatchObject({ kind: 'dead', format: 'unknown' });
    expect(edge[5]?.items[0]?.raw).toBe('{"truncated":');
  });

  it('prepares HTTP bodies (NDJSON and Kong batches) exactly as this thread does', async () => {
    const ndjson = [kongLine, '', '{"bad":', kongLine].join('\n');
    const batch = `[${kongLine},${kongLine}]`;
    const here = inline();
    const w = worker();
    for (const body of [ndjson, batch]) expect(await w.body(body, 'auto')).toEqual(await here.body(body, 'auto'));
    const items = await w.body(ndjson, 'auto');
    // The blank NDJSON line is no item; positions are the body's line indexes.
    expect(items.map((i) => [i.item, i.steps.map((s) => s.kind)])).toEqual([
      ['0', ['event']],
      ['2', ['dead']],
      ['3', ['event']],
    ]);
  });

  it('answers requests in the order they were sent, also when several are in flight', async () => {
    const w = worker();
    const paths = Array.from({ length: 30 }, (_, i) => kongLine.replace(/"uri":"[^"]*"/, `"uri":"/fhir/Encounter/${1000 + i}"`));
    const answers = await Promise.all(paths.map((line) => w.lines([{ line }], 'auto')));
    const here = inline();
    for (let i = 0; i < paths.length; i++) expect(answers[i]).toEqual(await here.lines([{ line: paths[i] ?? '' }], 'auto'));
  });

  it('fails every request, and done, when its thread dies: nothing waits forever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-preparer-'));
    const entry = join(dir, 'dies.mjs');
    // Answers nothing, then dies as a bug in the worker would.
    writeFileSync(entry, "setTimeout(() => { throw new Error('boom in worker'); }, 50);\n");
    const w = createWorkerPreparer(config, { tokenizationKey: key, entry: pathToFileURL(entry) });
    open.push(w);
    const pending = w.lines([{ line: kongLine }], 'auto');
    await expect(pending).rejects.toThrow('prepare worker failed: boom in worker');
    await expect(w.done).rejects.toThrow('prepare worker failed: boom in worker');
    await expect(w.body(kongLine, 'auto')).rejects.toThrow('prepare worker failed: boom in worker');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses work once closed, with a reason', async () => {
    const w = worker();
    await w.close();
    await expect(w.lines([{ line: kongLine }], 'auto')).rejects.toThrow('prepare worker is closed');
    // A deliberate close is no failure.
    await expect(w.done).resolves.toBeUndefined();
  });
});
