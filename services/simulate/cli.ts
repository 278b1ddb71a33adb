import { z } from 'zod';
import { VigilError } from '../../libs/errors/index.js';
import type { CliIo } from '../cli/context.js';
import { SIM_FORMATS, simulateTraffic, type SimFormat } from './simulate.js';

const FlagsSchema = z.object({
  out: z.string({ error: '--out DIR is required' }).min(1, '--out DIR is required'),
  days: z.coerce.number().int().min(1).max(60).default(2),
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(1),
  format: z.enum(SIM_FORMATS as [SimFormat, ...SimFormat[]]).default('kong'),
  scale: z.coerce.number().min(0.1).max(50).default(1),
});

/**
 * `vigil simulate --out DIR [--days N] [--seed S] [--format kong|nginx|envoy] [--scale X]`: writes a
 * labelled traffic simulation (see docs/simulator.md) and returns the exit code. Bad flags
 * throw `bad_request` (main prints them and exits 2).
 */
export function simulateCommand(io: CliIo, flags: Record<string, unknown>): number {
  const parsed = FlagsSchema.safeParse(flags);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path[0];
    const message = issue?.message ?? 'invalid flags';
    throw new VigilError('bad_request', typeof name === 'string' && !message.startsWith('--') ? `--${name}: ${message}` : message);
  }
  const f = parsed.data;
  const r = simulateTraffic({ outDir: f.out, days: f.days, seed: f.seed, format: f.format, scale: f.scale });
  io.out(
    `Simulated ${f.days} day${f.days === 1 ? '' : 's'} (seed ${f.seed}, ${f.format}): ${r.records} records -> ${r.trafficFile}; ` +
      `${r.labels.length} labelled attacks -> ${r.labelsFile}; populations -> ${r.populationFile}`,
  );
  return 0;
}
