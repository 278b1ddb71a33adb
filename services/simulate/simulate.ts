import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, envoyRecord, kongRecord, nginxRecord, type KongRequest, type Random } from '../../scripts/traffic.js';
import { injectAttacks } from './attacks.js';
import { narrowAppDay, partnerDay, patientDay, type Ledger } from './benign.js';
import { createClock } from './clock.js';
import type { Label, Population } from './labels.js';
import { drawParams } from './params.js';
import { billingDay, clinicianDay, serviceDay } from './staff.js';
import { buildWorld, type SimRequest } from './world.js';

export type SimFormat = 'kong' | 'nginx' | 'envoy';
export const SIM_FORMATS: readonly SimFormat[] = ['kong', 'nginx', 'envoy'];

export interface SimulateOptions {
  outDir: string;
  days: number;
  seed: number;
  format: SimFormat;
  /** Population size multiplier (default 1). */
  scale?: number;
  /** UTC ms of the first simulated day (default 2026-03-03, a Tuesday). */
  start?: number;
}

export interface SimulateResult {
  trafficFile: string;
  labelsFile: string;
  populationFile: string;
  records: number;
  labels: Label[];
  population: Population;
}

export const DEFAULT_START = Date.UTC(2026, 2, 3);

const RENDER: Record<SimFormat, (r: KongRequest, rnd: Random) => Record<string, unknown>> = { kong: kongRecord, nginx: nginxRecord, envoy: envoyRecord };

/**
 * Generates the requests of a simulated FHIR platform (benign populations plus labelled attacks),
 * time-ordered. Deterministic for a given seed and options.
 */
export function generate(opts: Omit<SimulateOptions, 'outDir' | 'format'>): { requests: SimRequest[]; labels: Label[]; groups: Population['groups']; params: Record<string, unknown>; start: number; end: number } {
  const rnd = createRandom(opts.seed);
  const p = drawParams(rnd, opts.scale ?? 1);
  const w = buildWorld(p, rnd);
  const clock = createClock(opts.start ?? DEFAULT_START, opts.days, p.tzOffsetHours);
  const ledger: Ledger = { observations: [] };
  const out: SimRequest[] = [];
  for (let d = 0; d < opts.days; d++) {
    for (const a of w.patients) patientDay(out, rnd, p, clock, d, a);
    for (const a of w.narrowApp) narrowAppDay(out, rnd, p, clock, d, a);
    for (const c of w.clinicians) clinicianDay(out, rnd, p, clock, d, c, ledger);
    for (const b of w.billing) billingDay(out, rnd, p, clock, d, b, w);
    for (const s of w.services) serviceDay(out, rnd, clock, d, s);
    for (let i = 0; i < w.partners.length; i++) partnerDay(out, rnd, p, clock, d, w, i);
  }
  // Attacks read the ledger of created objects, so benign traffic of every day comes first.
  ledger.observations.sort((a, b) => a.at - b.at);
  const labels = injectAttacks(out, { rnd, p, w, ledger, clock });
  const start = clock.dayStart(0);
  const end = clock.dayStart(opts.days);
  // Sessions near midnight can spill past the last day; a run covers exactly its days.
  const requests = out.filter((r) => r.at >= start && r.at < end).sort((a, b) => a.at - b.at);
  const groups: Population['groups'] = {
    patients: w.patients.map((a) => a.principal),
    narrowAppUsers: w.narrowApp.map((a) => a.principal),
    clinicians: w.clinicians.map((a) => a.principal),
    exportServices: w.services.filter((s) => s.kind === 'export').map((s) => s.principal),
    syncServices: w.services.filter((s) => s.kind === 'sync').map((s) => s.principal),
    billing: w.billing.map((a) => a.principal),
    partnerIps: w.partners.map((x) => x.ip),
  };
  return { requests, labels, groups, params: { ...p }, start, end };
}

/**
 * Writes `<outDir>/traffic.log` (one record per line in `format`, time-ordered),
 * `<outDir>/labels.jsonl` (one ground-truth line per attack) and `<outDir>/population.json`
 * (who the benign populations are, and the drawn parameters).
 */
export function simulateTraffic(opts: SimulateOptions): SimulateResult {
  const g = generate(opts);
  mkdirSync(opts.outDir, { recursive: true });
  const trafficFile = join(opts.outDir, 'traffic.log');
  const labelsFile = join(opts.outDir, 'labels.jsonl');
  const populationFile = join(opts.outDir, 'population.json');
  // A separate stream for rendering details (latencies, request ids): the traffic itself does not depend on the format.
  const rnd = createRandom(opts.seed ^ 0x5bd1e995);
  const render = RENDER[opts.format];
  const fd = openSync(trafficFile, 'w');
  try {
    let chunk: string[] = [];
    for (const r of g.requests) {
      chunk.push(JSON.stringify(render(r, rnd)));
      if (chunk.length === 2000) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
    if (chunk.length > 0) writeSync(fd, `${chunk.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
  writeFileSync(labelsFile, g.labels.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const population: Population = {
    seed: opts.seed,
    days: opts.days,
    format: opts.format,
    start: new Date(g.start).toISOString(),
    end: new Date(g.end).toISOString(),
    records: g.requests.length,
    groups: g.groups,
    params: g.params,
  };
  writeFileSync(populationFile, `${JSON.stringify(population, null, 2)}\n`);
  return { trafficFile, labelsFile, populationFile, records: g.requests.length, labels: g.labels, population };
}
