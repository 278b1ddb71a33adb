import { HOUR, MINUTE } from './clock.js';
import { ATTACKER_UAS, type Attack, attackerIp, secs } from './attack-kit.js';
import { login, requester, tokenOf } from './world.js';

/**
 * Authentication, session and business-logic abuse: credential stuffing, account takeover, token
 * replay, scraping, exfiltration, flow abuse and rate abuse, at moderate, human-plausible speeds.
 */

/** Leaked password lists tried against the token endpoint from one rented address. */
export const credentialStuffing: Attack = ({ rnd, id, start, out }) => {
  const ip = attackerIp(rnd);
  const ua = rnd.pick(ATTACKER_UAS);
  const tries = rnd.int(120, 400);
  const hits = new Set([rnd.int(0, tries - 1), rnd.int(0, tries - 1)].slice(0, rnd.int(0, 2)));
  let at = start;
  for (let i = 0; i < tries; i++) {
    out.push(login(at, ip, ua, hits.has(i) ? 200 : 401, id));
    at += secs(rnd, 0.8, 4);
  }
  return { principal: `ip:${ip}`, ip };
};

/** Password spraying until one account opens, then that account's session from the attacker's address. */
export const accountTakeover: Attack = ({ rnd, actors, id, start, out }) => {
  const victim = actors.patient();
  const self = victim.patient as number;
  const ip = attackerIp(rnd);
  const ua = rnd.pick(ATTACKER_UAS.slice(0, 2));
  let at = start;
  for (let n = rnd.int(12, 40); n > 0; n--) {
    out.push(login(at, ip, ua, 401, id));
    at += secs(rnd, 4, 25);
  }
  out.push(login(at, ip, ua, 200, id));
  at += secs(rnd, 60, 600);
  const r = requester({ ip, ua }, tokenOf(victim, at, rnd), id);
  const uris = [`/fhir/Patient/${self}`, `/fhir/Patient/${self}/$everything`, `/fhir/DocumentReference?patient=${self}&_count=100`, `/fhir/Coverage?patient=${self}`, `/fhir/MedicationRequest?patient=${self}`];
  for (let n = rnd.int(5, 12); n > 0; n--) {
    const uri = rnd.pick(uris);
    out.push(r(at, 'GET', uri, 200, { responseBytes: uri.includes('$everything') ? rnd.int(200_000, 900_000) : rnd.int(2_000, 40_000) }));
    at += secs(rnd, 10, 60);
  }
  // Changes the contact details so the real patient no longer gets notified.
  out.push(r(at, 'PUT', `/fhir/Patient/${self}`, 200, { responseBytes: rnd.int(900, 3_000) }));
  return { principal: victim.principal, ip };
};

/** A clinician's stolen token replayed from several networks and devices while the clinician works on. */
export const tokenMisuse: Attack = ({ rnd, actors, id, start, out }) => {
  const c = actors.clinician();
  const token = tokenOf(c, start - 10 * MINUTE, rnd);
  const sources = Array.from({ length: rnd.int(3, 7) }, () => ({ ip: attackerIp(rnd), ua: rnd.pick(ATTACKER_UAS) }));
  const span = rnd.int(10, 30) * MINUTE;
  for (let n = rnd.int(12, 40), k = 0; k < n; k++) {
    const s = sources[k % sources.length] as { ip: string; ua: string };
    const at = start + (k === 0 ? 0 : rnd.int(1, span));
    const pt = rnd.pick(c.panel);
    out.push(requester(s, token, id)(at, 'GET', rnd.pick([`/fhir/Patient/${pt}`, `/fhir/Observation?patient=${pt}&_count=50`, `/fhir/MedicationRequest?patient=${pt}`]), 200, { responseBytes: rnd.int(1_000, 30_000) }));
  }
  return { principal: c.principal };
};

/** Walking search results page by page, or asking for huge pages, far beyond what the user ever lists. */
export const scraping: Attack = ({ rnd, actors, id, start, out }) => {
  const useBilling = rnd.next() < 0.4;
  const a = useBilling ? actors.billing() : actors.clinician();
  const r = requester(a, tokenOf(a, start, rnd), id);
  const pages = rnd.int(40, 140);
  const pageId = `${rnd.hex(8)}-${rnd.hex(4)}-4${rnd.hex(3)}-a${rnd.hex(3)}-${rnd.hex(12)}`;
  const count = rnd.pick([100, 200, 500]);
  let at = start;
  for (let k = 0; k < pages; k++) {
    const uri = useBilling
      ? `/api/v1/claims?status=all&page=${k + 1}&page_size=${count}`
      : k === 0
        ? `/fhir/Patient?address-state=${rnd.pick(['CA', 'TX', 'NY', 'FL'])}&_count=${count}`
        : `/fhir?_getpages=${pageId}&_getpagesoffset=${k * count}&_count=${count}&_bundletype=searchset`;
    out.push(r(at, 'GET', uri, 200, { responseBytes: rnd.int(count * 300, count * 900) }));
    at += secs(rnd, 2, 8);
  }
  return { principal: a.principal };
};

/** Whole-record fan-out by a clinician, or a bulk $export by a service that never exports. */
export const dataExfiltration: Attack = ({ rnd, w, actors, id, start, out }) => {
  if (rnd.next() < 0.5) {
    const c = actors.clinician();
    const r = requester(c, tokenOf(c, start, rnd), id);
    let at = start;
    for (let n = rnd.int(8, 25); n > 0; n--) {
      const pt = rnd.next() < 0.5 ? rnd.pick(c.panel) : rnd.pick(w.patientIds);
      out.push(r(at, 'GET', `/fhir/Patient/${pt}/$everything?_count=1000`, 200, { responseBytes: rnd.int(300_000, 3_000_000) }));
      at += secs(rnd, 15, 60);
    }
    return { principal: c.principal };
  }
  const s = actors.syncService();
  const r = requester(s, tokenOf(s, start, rnd), id);
  const job = rnd.hex(16);
  let at = start;
  out.push(r(at, 'GET', '/fhir/$export?_type=Patient,Observation,Condition,MedicationRequest,DocumentReference', 202, { headers: { prefer: 'respond-async' }, responseBytes: 0 }));
  for (let polls = rnd.int(2, 5); polls > 0; polls--) {
    at += secs(rnd, 30, 90);
    out.push(r(at, 'GET', `/fhir/$export-poll-status?_jobId=${job}`, polls === 1 ? 200 : 202, { responseBytes: polls === 1 ? 2_000 : 0 }));
  }
  for (let n = rnd.int(6, 18); n > 0; n--) {
    at += secs(rnd, 5, 40);
    out.push(r(at, 'GET', `/fhir/bulk-files/${job}/part-${n}.ndjson`, 200, { headers: { accept: 'application/fhir+ndjson' }, responseBytes: rnd.int(20_000_000, 120_000_000) }));
  }
  return { principal: s.principal };
};

/** The same refill requested again and again, or appointment slots booked and cancelled in a loop. */
export const flowAbuse: Attack = ({ rnd, actors, id, start, out }) => {
  const a = actors.patient();
  const self = a.patient as number;
  const r = requester(a, tokenOf(a, start, rnd), id);
  const json = { 'content-type': 'application/json' };
  let at = start;
  if (rnd.next() < 0.5) {
    const rx = self * 10 + rnd.int(1, 3);
    for (let n = rnd.int(6, 20); n > 0; n--) {
      const refill = `${rnd.hex(8)}-${rnd.hex(4)}-4${rnd.hex(3)}-8${rnd.hex(3)}-${rnd.hex(12)}`;
      out.push(r(at, 'POST', `/api/v1/prescriptions/${rx}/refills`, 201, { responseHeaders: { ...json, location: `/api/v1/refills/${refill}` }, responseBytes: 310 }));
      at += secs(rnd, 60, 300);
    }
  } else {
    for (let n = rnd.int(6, 15); n > 0; n--) {
      const appt = rnd.int(7_000_000, 7_999_999);
      out.push(r(at, 'POST', '/api/v1/appointments', 201, { responseHeaders: { ...json, location: `/api/v1/appointments/${appt}` }, responseBytes: 380 }));
      at += secs(rnd, 20, 120);
      out.push(r(at, 'DELETE', `/api/v1/appointments/${appt}`, 204, { responseBytes: 0 }));
      at += secs(rnd, 30, 240);
    }
  }
  return { principal: a.principal };
};

/** One route hammered: a patient script polling appointments, or a partner polling far faster than usual. */
export const rate: Attack = ({ rnd, actors, id, start, out }) => {
  const end = start + rnd.int(10, 25) * MINUTE;
  if (rnd.next() < 0.5 || actors.partnersLeft() === 0) {
    const a = actors.patient();
    const r = requester(a, tokenOf(a, start, rnd), id);
    for (let at = start; at < end && at < start + HOUR; at += secs(rnd, 1.5, 5)) {
      out.push(r(at, 'GET', `/api/v1/appointments?patient=${a.patient as number}&status=proposed`, 200, { responseBytes: rnd.int(300, 2_000) }));
    }
    return { principal: a.principal };
  }
  const partner = actors.partner();
  for (let at = start; at < end; at += secs(rnd, 1, 3)) {
    out.push({
      at,
      method: 'GET',
      uri: '/api/v1/refills?status=ready&_count=50',
      status: 200,
      clientIp: partner.ip,
      headers: { 'x-api-key': partner.key, accept: 'application/json', 'user-agent': 'RxConnect/4.0' },
      responseHeaders: { 'content-type': 'application/json' },
      responseBytes: rnd.int(200, 6000),
      consumer: partner.consumer,
      attack: id,
    });
  }
  // An API key is only ever a keyed fingerprint inside Vigil: the label names the partner's address.
  return { ip: partner.ip };
};
