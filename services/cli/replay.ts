import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { inRuns, prepareAhead } from '../../libs/async/index.js';
import type { InputFormat } from '../../libs/contracts/index.js';
import { InputFormatSchema } from '../../libs/contracts/index.js';
import { VigilError, isVigilError } from '../../libs/errors/index.js';
import { createCore, type Core } from '../core.js';
import { createOrdinals } from '../ingest/ordinals.js';
import { cliConfig, runningVigil, type CliIo } from './context.js';
import { readRunInfo } from './run-info.js';

export interface ReplaySummary {
  files: number;
  lines: number;
  events: number;
  deadLetters: number;
  /** Events left out as copies of one already replayed (the same named line again: ingest.dedupEvents). */
  duplicates: number;
  findings: number;
  alertsCreated: number;
  alertsUpdated: number;
  seconds: number;
}

/**
 * `vigil replay FILE...`: runs log files through the full pipeline on event time, as if they had
 * arrived live. Each file keeps its own line numbers for dead letters; `.gz` files are read gunzipped.
 */
export async function replay(io: CliIo, flags: Record<string, unknown>, files: string[]): Promise<ReplaySummary> {
  const format = parseFormat(flags.format);
  if (files.length === 0) throw new VigilError('bad_request', 'replay needs at least one FILE');
  for (const f of files) {
    try {
      if (!statSync(f).isFile()) throw new Error('not a file');
    } catch {
      throw new VigilError('bad_request', `cannot read ${f}: no such file`);
    }
  }
  const { config, logger } = cliConfig(io, flags, true);
  const inUse = (info: ReturnType<typeof readRunInfo>, cause?: unknown) =>
    new VigilError(
      'data_dir_locked',
      `${config.dataDir} is used by a running vigil start${info ? ` (pid ${info.pid})` : ''}. Replay needs the data directory to itself: ` +
        `stop it first, or send the file to its API: curl -X POST -H 'Authorization: Bearer <key>' --data-binary @FILE '${info?.url ?? 'http://HOST:PORT'}/v1/ingest?format=${format}'`,
      cause === undefined ? {} : { cause },
    );
  const running = runningVigil(config);
  if (running) throw inUse(running);
  let core: Core;
  try {
    core = await createCore(config, { logger });
  } catch (e) {
    if (isVigilError(e) && e.code === 'data_dir_locked') throw inUse(readRunInfo(config.dataDir), e);
    throw e;
  }
  const started = performance.now();
  const before = core.alerts.stats();
  const progress = io.tty ? startProgress(io, core, started) : undefined;
  try {
    for (const file of files) await replayFile(core, file, format);
    await core.pipeline.flush();
  } finally {
    progress?.stop();
    await core.close();
  }
  const c = core.pipeline.counts();
  const after = core.alerts.stats();
  return {
    files: files.length,
    lines: c.lines,
    events: c.events,
    deadLetters: c.deadLetters,
    duplicates: c.duplicates,
    findings: c.findings,
    alertsCreated: after.created - before.created,
    alertsUpdated: after.updated - before.updated,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Lines per preparer call; the next run is parsed on the worker while this one is detected. */
const RUN = 1000;

async function replayFile(core: Core, file: string, format: InputFormat): Promise<void> {
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  // Ordinals are per file: identical lines within one file are distinct requests, unless they name
  // their request (a gateway request id): then they are one request delivered twice (prepare.ts).
  const ordinals = createOrdinals();
  let n = 0;
  const prepare = (run: string[]) => core.pipeline.preparer.lines(run.map((line) => ({ line })), format);
  for await (const { run, prepared } of prepareAhead(inRuns(lines, RUN), prepare)) {
    for (let i = 0; i < run.length; i++) {
      n++;
      const p = prepared[i];
      if (p && core.pipeline.processPrepared(p, run[i], { source: file, position: String(n) }, ordinals)) await core.writer.flush();
    }
  }
}

function parseFormat(v: unknown): InputFormat {
  const r = InputFormatSchema.safeParse(v ?? 'auto');
  if (!r.success) throw new VigilError('bad_request', `--format must be one of ${InputFormatSchema.options.join(', ')}`);
  return r.data;
}

function startProgress(io: CliIo, core: Core, started: number) {
  const draw = () => {
    const c = core.pipeline.counts();
    const s = (performance.now() - started) / 1000;
    const rate = s > 0 ? Math.round(c.events / s) : 0;
    io.err(`\r${c.events.toLocaleString('en-US')} events  ${rate.toLocaleString('en-US')} events/s  ${core.alerts.stats().active} alerts  ${c.deadLetters} dead letters   `);
  };
  const timer = setInterval(draw, 250);
  return {
    stop() {
      clearInterval(timer);
      draw();
      io.err('\n');
    },
  };
}

export function formatSummary(s: ReplaySummary): string {
  const rate = s.seconds > 0 ? Math.round(s.events / s.seconds) : s.events;
  return (
    `Replayed ${s.files} file${s.files === 1 ? '' : 's'}: ${s.lines} lines -> ${s.events} events, ${s.deadLetters} dead-lettered` +
    // Only named when there were any, so the line reads as before for input without copies.
    `${s.duplicates > 0 ? `, ${s.duplicates} duplicate${s.duplicates === 1 ? '' : 's'} left out` : ''}; ` +
    `${s.findings} findings -> ${s.alertsCreated} new alerts, ${s.alertsUpdated} alert updates; ` +
    `${s.seconds.toFixed(2)} s (${rate} events/s)`
  );
}
