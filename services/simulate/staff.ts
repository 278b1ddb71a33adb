import type { Random } from '../../scripts/traffic.js';
import { readStatus, type Ledger } from './benign.js';
import { HOUR, MINUTE, type Clock } from './clock.js';
import type { SimParams } from './params.js';
import { login, requester, tokenOf, type Actor, type Clinician, type Service, type SimRequest, type World } from './world.js';

const isWeekend = (clock: Clock, d: number) => clock.weekday(d) === 0 || clock.weekday(d) === 6;

/** Panel patients are not equally busy: a few are seen often (Zipf-like preference). */
function panelPatient(rnd: Random, panel: readonly number[]): number {
  const i = Math.floor(panel.length * rnd.next() ** 2);
  return panel[i] as number;
}

/**
 * A clinician's shift: log in, check the day's appointments, then open charts of their own panel
 * every hour, sometimes recording an Observation (201 + Location: the clinician owns it) and
 * reading it back. Weekends: a third are on call with a lighter load.
 */
export function clinicianDay(out: SimRequest[], rnd: Random, p: SimParams, clock: Clock, d: number, c: Clinician, ledger: Ledger): void {
  const weekend = isWeekend(clock, d);
  if (weekend && rnd.next() > 0.33) return;
  const shiftStart = clock.dayStart(d) + rnd.int(7, 9) * HOUR + rnd.int(0, 59) * MINUTE;
  const hours = weekend ? rnd.int(3, 5) : rnd.int(8, 10);
  let at = shiftStart;
  out.push(login(at, c.ip, c.ua, rnd.next() < p.loginTypoRate ? 401 : 200));
  at += rnd.int(5, 30) * 1000;
  const date = new Date(at).toISOString().slice(0, 10);
  for (let h = 0; h < hours; h++) {
    const hourStart = shiftStart + h * HOUR;
    // Tokens live an hour: the EHR refreshes them.
    const r = requester(c, tokenOf(c, hourStart, rnd));
    if (h === 0) out.push(r(at, 'GET', `/api/v1/appointments?practitioner=${c.practitionerId}&date=${date}`, 200, { responseBytes: rnd.int(2_000, 12_000) }));
    // Lunch is quieter.
    const charts = h === 4 ? rnd.int(0, 2) : rnd.int(p.chartsPerHour[0], p.chartsPerHour[1]);
    for (let k = 0; k < charts; k++) {
      const pt = panelPatient(rnd, c.panel);
      let t = hourStart + rnd.int(0, 55) * MINUTE + rnd.int(0, 59) * 1000;
      const reads = [
        `/fhir/Patient/${pt}`,
        `/fhir/Observation?patient=${pt}&category=${rnd.pick(['laboratory', 'vital-signs'])}&_sort=-date&_count=50`,
        `/fhir/MedicationRequest?patient=${pt}`,
        `/fhir/Condition?patient=${pt}&clinical-status=active`,
        `/fhir/Encounter?patient=${pt}&_sort=-date&_count=10`,
        `/fhir/DocumentReference?patient=${pt}&_count=20`,
      ];
      const n = rnd.int(3, reads.length);
      for (let i = 0; i < n; i++) {
        out.push(r(t, 'GET', reads[i] as string, readStatus(rnd, p), { responseBytes: i === 0 ? rnd.int(900, 4_000) : rnd.int(3_000, 60_000) }));
        t += rnd.int(1, 20) * 1000;
      }
      if (rnd.next() < p.clinicianWriteRate) {
        const obs = rnd.int(50_000_000, 59_999_999);
        out.push(r(t, 'POST', '/fhir/Observation', 201, { responseHeaders: { location: `https://api.example-hospital.org/fhir/Observation/${obs}/_history/1` }, responseBytes: 1_200 }));
        ledger.observations.push({ owner: c.principal, id: obs, at: t });
        if (rnd.next() < 0.5) out.push(r(t + rnd.int(2, 30) * 1000, 'GET', `/fhir/Observation/${obs}`, 200, { responseBytes: 1_200 }));
      }
    }
  }
}

/** Billing staff work a claims queue on weekdays: list pending claims, open each, check coverage, update it. */
export function billingDay(out: SimRequest[], rnd: Random, p: SimParams, clock: Clock, d: number, b: Actor, w: World): void {
  if (isWeekend(clock, d)) return;
  const start = clock.dayStart(d) + 8 * HOUR + rnd.int(0, 59) * MINUTE;
  out.push(login(start, b.ip, b.ua, rnd.next() < p.loginTypoRate ? 401 : 200));
  for (let h = 0; h < 8; h++) {
    const hourStart = start + h * HOUR;
    const r = requester(b, tokenOf(b, hourStart, rnd));
    let t = hourStart + rnd.int(1, 5) * MINUTE;
    const pages = rnd.int(1, 2);
    for (let page = 1; page <= pages; page++) {
      out.push(r(t, 'GET', `/api/v1/claims?status=pending&page=${page}&page_size=25`, 200, { responseBytes: rnd.int(8_000, 20_000), responseHeaders: { 'content-type': 'application/json' } }));
      t += rnd.int(2, 10) * 1000;
    }
    const claims = h === 4 ? rnd.int(0, 3) : rnd.int(p.claimsPerHour[0], p.claimsPerHour[1]);
    for (let k = 0; k < claims; k++) {
      t = hourStart + Math.round(((k + rnd.next()) / Math.max(1, claims)) * 55 * MINUTE);
      const claim = rnd.pick(w.claimIds);
      const json = { responseHeaders: { 'content-type': 'application/json' } };
      out.push(r(t, 'GET', `/api/v1/claims/${claim}`, readStatus(rnd, p), { ...json, responseBytes: rnd.int(1_500, 5_000) }));
      if (rnd.next() < 0.6) out.push(r(t + rnd.int(3, 20) * 1000, 'GET', `/fhir/Coverage?patient=${rnd.pick(w.patientIds)}`, 200, { responseBytes: rnd.int(1_500, 6_000) }));
      out.push(r(t + rnd.int(30, 180) * 1000, 'PUT', `/api/v1/claims/${claim}`, 200, { ...json, responseBytes: rnd.int(400, 1_200) }));
    }
  }
}

/** A client-credentials service: a nightly bulk $export, or an hourly incremental sync with pagination. */
export function serviceDay(out: SimRequest[], rnd: Random, clock: Clock, d: number, s: Service): void {
  if (s.kind === 'export') return exportNight(out, rnd, clock, d, s);
  for (let h = 0; h < 24; h++) {
    const at = clock.dayStart(d) + h * HOUR + s.slot * MINUTE + rnd.int(0, 30) * 1000;
    const r = requester(s, tokenOf(s, at, rnd));
    const since = new Date(at - HOUR).toISOString().slice(0, 19);
    const type = s.resources[0] as string;
    const busy = h >= 8 && h < 18;
    const pages = busy ? rnd.int(2, 6) : rnd.int(1, 2);
    const pageId = `${rnd.hex(8)}-${rnd.hex(4)}-4${rnd.hex(3)}-9${rnd.hex(3)}-${rnd.hex(12)}`;
    let t = at;
    out.push(r(t, 'GET', `/fhir/${type}?_lastUpdated=gt${since}&_count=100`, 200, { responseBytes: rnd.int(20_000, 90_000) }));
    for (let k = 1; k < pages; k++) {
      t += rnd.int(300, 1500);
      out.push(r(t, 'GET', `/fhir?_getpages=${pageId}&_getpagesoffset=${k * 100}&_count=100&_bundletype=searchset`, 200, { responseBytes: rnd.int(20_000, 90_000) }));
    }
  }
}

function exportNight(out: SimRequest[], rnd: Random, clock: Clock, d: number, s: Service): void {
  let at = clock.dayStart(d) + s.slot * HOUR + rnd.int(0, 10) * MINUTE;
  const r = requester(s, tokenOf(s, at, rnd));
  const job = rnd.hex(16);
  out.push(r(at, 'GET', `/fhir/$export?_type=${s.resources.join(',')}&_outputFormat=application/fhir%2Bndjson`, 202, {
    headers: { prefer: 'respond-async', accept: 'application/fhir+json' },
    responseHeaders: { 'content-location': `https://api.example-hospital.org/fhir/$export-poll-status?_jobId=${job}` },
    responseBytes: 0,
  }));
  for (let polls = rnd.int(3, 8); polls > 0; polls--) {
    at += rnd.int(30, 120) * 1000;
    out.push(r(at, 'GET', `/fhir/$export-poll-status?_jobId=${job}`, polls === 1 ? 200 : 202, { responseBytes: polls === 1 ? rnd.int(800, 2_500) : 0 }));
  }
  for (const type of s.resources) {
    for (let part = 1; part <= rnd.int(1, 3); part++) {
      at += rnd.int(5, 40) * 1000;
      out.push(r(at, 'GET', `/fhir/bulk-files/${job}/${type}-${part}.ndjson`, 200, { headers: { accept: 'application/fhir+ndjson' }, responseHeaders: { 'content-type': 'application/fhir+ndjson' }, responseBytes: rnd.int(5_000_000, 80_000_000) }));
    }
  }
}
