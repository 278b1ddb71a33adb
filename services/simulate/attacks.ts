import type { Random } from '../../scripts/traffic.js';
import { accountTakeover, credentialStuffing, dataExfiltration, flowAbuse, rate, scraping, tokenMisuse } from './attacks-abuse.js';
import { bfla, enumeration, foreignObject, patientContext, scopeViolation } from './attacks-bola.js';
import { makeActors, type Attack } from './attack-kit.js';
import type { Ledger } from './benign.js';
import { HOUR, type Clock } from './clock.js';
import { ATTACK_DETECTORS, ATTACK_KINDS, type AttackKind, type Label } from './labels.js';
import type { SimParams } from './params.js';
import type { SimRequest, World } from './world.js';

const ATTACKS: Record<AttackKind, Attack> = {
  'bola-patient-context': patientContext,
  'bola-foreign-object': foreignObject,
  'bola-enumeration': enumeration,
  bfla,
  'scope-violation': scopeViolation,
  'credential-stuffing': credentialStuffing,
  'account-takeover': accountTakeover,
  'token-misuse': tokenMisuse,
  scraping,
  'data-exfiltration': dataExfiltration,
  'flow-abuse': flowAbuse,
  rate,
};

/**
 * Injects `attacksPerKind` attacks of every kind after the learning period (the first day; the
 * first half-day of a one-day run), each by a different principal, and returns their labels.
 * A label's start and end are the event times of its first and last request, read back from the
 * generated requests, so labels cannot drift from what was written.
 */
export function injectAttacks(out: SimRequest[], deps: { rnd: Random; p: SimParams; w: World; ledger: Ledger; clock: Clock }): Label[] {
  const { rnd, p, w, ledger, clock } = deps;
  const actors = makeActors(w, rnd);
  const firstDay = clock.days >= 2 ? 1 : 0;
  const planned: { id: string; kind: AttackKind; start: number }[] = [];
  for (const kind of ATTACK_KINDS) {
    for (let i = 1; i <= p.attacksPerKind; i++) {
      const day = rnd.int(firstDay, clock.days - 1);
      // Business hours for most; credential attacks come at any hour.
      const hour = kind === 'credential-stuffing' ? rnd.int(0, 21) : clock.days >= 2 ? rnd.int(9, 18) : rnd.int(13, 20);
      planned.push({ id: `${kind}-${i}`, kind, start: clock.dayStart(day) + hour * HOUR + rnd.int(0, 3599) * 1000 });
    }
  }
  const culprits = new Map<string, { kind: AttackKind; principal?: string; ip?: string }>();
  for (const a of planned) {
    culprits.set(a.id, { kind: a.kind, ...ATTACKS[a.kind]({ rnd, p, w, ledger, actors, id: a.id, start: a.start, out }) });
  }
  const spans = new Map<string, { start: number; end: number }>();
  for (const r of out) {
    if (r.attack === undefined) continue;
    const s = spans.get(r.attack);
    if (s === undefined) spans.set(r.attack, { start: r.at, end: r.at });
    else spans.set(r.attack, { start: Math.min(s.start, r.at), end: Math.max(s.end, r.at) });
  }
  const labels: Label[] = [];
  for (const [id, c] of culprits) {
    const span = spans.get(id);
    if (span === undefined) continue; // an attack that found nothing to do (cannot happen with the pools' floors)
    labels.push({
      id,
      kind: c.kind,
      detector: ATTACK_DETECTORS[c.kind],
      ...(c.principal === undefined ? {} : { principal: c.principal }),
      ...(c.ip === undefined ? {} : { ip: c.ip }),
      start: new Date(span.start).toISOString(),
      end: new Date(span.end).toISOString(),
    });
  }
  return labels.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
}
