import { type Attack, secs, shuffle } from './attack-kit.js';
import { requester, tokenOf } from './world.js';

/**
 * Authorization attacks with a real credential: BOLA in its three shapes, function-level abuse
 * and scope violations. Every one of them is answered 2xx somewhere: the API's own checks are broken.
 */

/** A patient-app user reads other patients' charts (family members, a curious ex) with their own token. */
export const patientContext: Attack = ({ rnd, w, actors, id, start, out }) => {
  const a = actors.patient();
  const self = a.patient as number;
  const token = tokenOf(a, start - 60_000, rnd);
  // Looks like a normal session first (not part of the attack).
  out.push(requester(a, token)(start - secs(rnd, 20, 50), 'GET', `/fhir/Patient/${self}`, 200, { responseBytes: rnd.int(900, 3_000) }));
  const r = requester(a, token, id);
  let at = start;
  for (let n = rnd.int(2, 6); n > 0; n--) {
    const other = rnd.pick(w.patientIds.filter((x) => x !== self));
    out.push(r(at, 'GET', `/fhir/Patient/${other}`, 200, { responseBytes: rnd.int(900, 3_000) }));
    at += secs(rnd, 4, 30);
    const q = rnd.next() < 0.5 ? `patient=${other}` : `subject=Patient/${other}`;
    out.push(r(at, 'GET', `/fhir/Observation?${q}&category=laboratory&_count=20`, 200, { responseBytes: rnd.int(3_000, 30_000) }));
    at += secs(rnd, 5, 40);
    if (rnd.next() < 0.5) {
      out.push(r(at, 'GET', `/fhir/MedicationRequest?patient=${other}`, 200, { responseBytes: rnd.int(2_000, 15_000) }));
      at += secs(rnd, 5, 40);
    }
  }
  return { principal: a.principal };
};

/** A clinician opens Observations other clinicians recorded and charts outside their own panel. */
export const foreignObject: Attack = ({ rnd, w, ledger, actors, id, start, out }) => {
  const c = actors.clinician();
  const r = requester(c, tokenOf(c, start, rnd), id);
  const foreign = ledger.observations.filter((o) => o.owner !== c.principal && o.at < start);
  const own = new Set(c.panel);
  const targets: string[] = [];
  for (let n = Math.min(foreign.length, rnd.int(6, 14)); n > 0; n--) targets.push(`/fhir/Observation/${rnd.pick(foreign).id}`);
  for (let n = rnd.int(2, 5); n > 0; n--) {
    const other = rnd.pick(w.clinicians.filter((x) => x.principal !== c.principal));
    const pt = rnd.pick(other.panel);
    if (!own.has(pt)) targets.push(`/fhir/Patient/${pt}`);
  }
  let at = start;
  for (const uri of shuffle(rnd, targets)) {
    out.push(r(at, 'GET', uri, 200, { responseBytes: rnd.int(900, 4_000) }));
    at += secs(rnd, 15, 150);
  }
  return { principal: c.principal };
};

/** A clinician walks Patient ids, or billing staff probe claim ids and collect 404s. */
export const enumeration: Attack = ({ rnd, w, actors, id, start, out }) => {
  if (rnd.next() < 0.5) {
    const c = actors.clinician();
    const r = requester(c, tokenOf(c, start, rnd), id);
    const known = new Set(w.patientIds);
    let pid = rnd.pick(w.patientIds);
    let at = start;
    for (let n = rnd.int(60, 160); n > 0; n--) {
      out.push(r(at, 'GET', `/fhir/Patient/${pid}`, known.has(pid) ? 200 : 404, { responseBytes: known.has(pid) ? rnd.int(900, 3_500) : 120 }));
      pid += rnd.int(1, 3);
      at += secs(rnd, 1, 5);
    }
    return { principal: c.principal };
  }
  const b = actors.billing();
  const r = requester(b, tokenOf(b, start, rnd), id);
  const known = new Set(w.claimIds);
  let at = start;
  for (let n = rnd.int(40, 90); n > 0; n--) {
    const claim = rnd.int(4_000_000, 4_999_999);
    out.push(r(at, 'GET', `/api/v1/claims/${claim}`, known.has(claim) ? 200 : 404, { responseHeaders: { 'content-type': 'application/json' }, responseBytes: known.has(claim) ? rnd.int(1_500, 5_000) : 90 }));
    at += secs(rnd, 2, 6);
  }
  return { principal: b.principal };
};

/** Privileged routes and methods by a principal whose cohort never uses them: mostly refused, some not. */
export const bfla: Attack = ({ rnd, w, actors, id, start, out }) => {
  const patientSide = rnd.next() < 0.5;
  const a = patientSide ? actors.patient() : actors.billing();
  const r = requester(a, tokenOf(a, start, rnd), id);
  const other = rnd.pick(w.patientIds);
  const tries: [string, string, number][] = patientSide
    ? [
        ['GET', '/api/v1/admin/users?page=1', 403],
        ['GET', '/api/v1/admin/audit-log?limit=100', 403],
        ['DELETE', `/fhir/Patient/${other}`, 403],
        ['PUT', `/fhir/Patient/${other}`, 403],
        ['GET', '/api/v1/admin/roles', 200],
        ['POST', `/api/v1/admin/users/${rnd.int(1_000, 9_999)}/roles`, 200],
        ['DELETE', `/fhir/Observation/${rnd.int(50_000_000, 59_999_999)}`, 204],
      ]
    : [
        ['GET', '/api/v1/admin/users?page=1', 200],
        ['DELETE', `/api/v1/claims/${rnd.pick(w.claimIds)}`, 204],
        ['DELETE', `/fhir/Coverage/${rnd.int(10_000, 99_999)}`, 204],
        ['PUT', `/fhir/Patient/${other}`, 200],
        ['POST', '/api/v1/admin/users', 403],
        ['GET', '/api/v1/admin/audit-log?limit=500', 200],
      ];
  let at = start;
  for (let n = rnd.int(5, 12); n > 0; n--) {
    const [method, uri, status] = rnd.pick(tries);
    out.push(r(at, method, uri, status, { responseBytes: status === 204 ? 0 : rnd.int(90, 4_000) }));
    at += secs(rnd, 10, 120);
  }
  return { principal: a.principal };
};

/** A narrow-scope app (Observation and Patient read) reads other resource types or writes, and is answered. */
export const scopeViolation: Attack = ({ rnd, actors, id, start, out }) => {
  const a = actors.narrowApp();
  const self = a.patient as number;
  const r = requester(a, tokenOf(a, start, rnd), id);
  const reads = ['MedicationRequest', 'Condition', 'DocumentReference', 'AllergyIntolerance', 'Encounter'];
  let at = start;
  for (let n = rnd.int(3, 8); n > 0; n--) {
    if (rnd.next() < 0.2) {
      const obs = rnd.int(60_000_000, 69_999_999);
      out.push(r(at, 'POST', '/fhir/Observation', 201, { responseHeaders: { location: `https://api.example-hospital.org/fhir/Observation/${obs}/_history/1` }, responseBytes: 1_100 }));
    } else {
      out.push(r(at, 'GET', `/fhir/${rnd.pick(reads)}?patient=${self}`, 200, { responseBytes: rnd.int(2_000, 20_000) }));
    }
    at += secs(rnd, 10, 120);
  }
  return { principal: a.principal };
};
