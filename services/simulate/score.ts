import type { Alert } from '../../libs/contracts/index.js';
import { ATTACK_DETECTORS, ATTACK_KINDS, type AttackKind, type Label, type Population } from './labels.js';

/** What scoring reads of an alert: who, which detector, and when (event time). */
export type ScoredAlert = Pick<Alert, 'detector' | 'principal' | 'sourceIps' | 'firstSeen' | 'lastSeen'>;

/** An alert still counts for an attack if it is seen up to this long after the attack's last request. */
export const DETECTION_SLACK_MS = 10 * 60_000;

/** The benign populations the issue requires to stay silent. */
export const BENIGN_CHECKS = {
  'clinicians reading their own panels': 'clinicians',
  'nightly exports by the services that run them': 'exportServices',
  'billing staff doing billing': 'billing',
} as const satisfies Record<string, keyof Population['groups']>;

export interface Score {
  perKind: Record<AttackKind, { attacks: number; detected: number; ttdSeconds: number[] }>;
  alerts: number;
  /** Alerts that match some labelled attack (any detector). */
  trueAlerts: number;
  /** Alerts that match a labelled attack whose expected detector raised them. */
  strictTrueAlerts: number;
  perDetector: Record<string, { alerts: number; falsePositives: number }>;
  /** Unmatched alerts on each benign population (the target is 0). */
  benign: Record<keyof typeof BENIGN_CHECKS, number>;
}

/**
 * Whether an alert is about a labelled attack: it names the attack's principal (or its address as an
 * `ip:` principal or among its source IPs), and its [firstSeen, lastSeen] overlaps the attack's
 * [start, end + slack]. The detector is not compared here: see `scoreRun`.
 */
export function alertMatchesLabel(a: Omit<ScoredAlert, 'detector'>, l: Label): boolean {
  const who = (l.principal !== undefined && a.principal === l.principal) || (l.ip !== undefined && (a.principal === `ip:${l.ip}` || a.sourceIps.includes(l.ip)));
  if (!who) return false;
  return Date.parse(a.firstSeen) <= Date.parse(l.end) + DETECTION_SLACK_MS && Date.parse(a.lastSeen) >= Date.parse(l.start);
}

export function emptyScore(): Score {
  return {
    perKind: Object.fromEntries(ATTACK_KINDS.map((k) => [k, { attacks: 0, detected: 0, ttdSeconds: [] as number[] }])) as Score['perKind'],
    alerts: 0,
    trueAlerts: 0,
    strictTrueAlerts: 0,
    perDetector: {},
    benign: { 'clinicians reading their own panels': 0, 'nightly exports by the services that run them': 0, 'billing staff doing billing': 0 },
  };
}

/**
 * Scores one simulated run. Recall: an attack is detected when an alert of its expected detector
 * matches it; time to detect is that alert's firstSeen minus the attack's start (0 when the alert
 * was already open). Precision: alerts matching no labelled attack are false positives.
 */
export function scoreRun(labels: readonly Label[], alerts: readonly ScoredAlert[], groups: Population['groups']): Score {
  const s = emptyScore();
  for (const l of labels) {
    const k = s.perKind[l.kind];
    k.attacks++;
    const hits = alerts.filter((a) => a.detector === ATTACK_DETECTORS[l.kind] && alertMatchesLabel(a, l));
    if (hits.length === 0) continue;
    k.detected++;
    const first = Math.min(...hits.map((a) => Date.parse(a.firstSeen)));
    k.ttdSeconds.push(Math.max(0, first - Date.parse(l.start)) / 1000);
  }
  const groupOf = new Map<string, keyof typeof BENIGN_CHECKS>();
  for (const [check, group] of Object.entries(BENIGN_CHECKS) as [keyof typeof BENIGN_CHECKS, keyof Population['groups']][]) {
    for (const principal of groups[group]) groupOf.set(principal, check);
  }
  for (const a of alerts) {
    s.alerts++;
    const det = (s.perDetector[a.detector] ??= { alerts: 0, falsePositives: 0 });
    det.alerts++;
    const matching = labels.filter((l) => alertMatchesLabel(a, l));
    if (matching.length > 0) {
      s.trueAlerts++;
      if (matching.some((l) => l.detector === a.detector)) s.strictTrueAlerts++;
      continue;
    }
    det.falsePositives++;
    const check = groupOf.get(a.principal);
    if (check !== undefined) s.benign[check]++;
  }
  return s;
}

/** Adds runs (e.g. several seeds) into one score. */
export function combineScores(runs: readonly Score[]): Score {
  const s = emptyScore();
  for (const r of runs) {
    for (const k of ATTACK_KINDS) {
      s.perKind[k].attacks += r.perKind[k].attacks;
      s.perKind[k].detected += r.perKind[k].detected;
      s.perKind[k].ttdSeconds.push(...r.perKind[k].ttdSeconds);
    }
    s.alerts += r.alerts;
    s.trueAlerts += r.trueAlerts;
    s.strictTrueAlerts += r.strictTrueAlerts;
    for (const [d, v] of Object.entries(r.perDetector)) {
      const t = (s.perDetector[d] ??= { alerts: 0, falsePositives: 0 });
      t.alerts += v.alerts;
      t.falsePositives += v.falsePositives;
    }
    for (const c of Object.keys(s.benign) as (keyof typeof BENIGN_CHECKS)[]) s.benign[c] += r.benign[c];
  }
  return s;
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const v = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid]) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

const ratio = (n: number, d: number) => (d === 0 ? 'n/a' : (n / d).toFixed(2));
const secs = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x)} s`);

/** The benchmark table: recall and time to detect per kind, precision, per-detector false positives, benign checks. */
export function formatScore(s: Score): string {
  const rows: string[][] = [['kind', 'detector', 'attacks', 'detected', 'recall', 'median TTD']];
  let attacks = 0;
  let detected = 0;
  const ttd: number[] = [];
  for (const k of ATTACK_KINDS) {
    const v = s.perKind[k];
    attacks += v.attacks;
    detected += v.detected;
    ttd.push(...v.ttdSeconds);
    rows.push([k, ATTACK_DETECTORS[k], String(v.attacks), String(v.detected), ratio(v.detected, v.attacks), secs(median(v.ttdSeconds))]);
  }
  rows.push(['overall', '', String(attacks), String(detected), ratio(detected, attacks), secs(median(ttd))]);
  const lines = [table(rows), ''];
  lines.push(`alerts: ${s.alerts}; matching a labelled attack: ${s.trueAlerts} (precision ${ratio(s.trueAlerts, s.alerts)}); by its expected detector: ${s.strictTrueAlerts} (strict precision ${ratio(s.strictTrueAlerts, s.alerts)})`);
  const dets = Object.entries(s.perDetector).sort(([a], [b]) => a.localeCompare(b));
  if (dets.length > 0) {
    lines.push('', table([['detector', 'alerts', 'false positives', 'precision'], ...dets.map(([d, v]) => [d, String(v.alerts), String(v.falsePositives), ratio(v.alerts - v.falsePositives, v.alerts)])]));
  }
  lines.push('', 'benign populations (target: 0 alerts):');
  for (const [check, n] of Object.entries(s.benign)) lines.push(`  ${n === 0 ? 'ok  ' : 'FAIL'} ${check}: ${n} alerts`);
  return lines.join('\n');
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
