import type { Finding, NormalizedEvent, ObjectRef, Severity } from '../../../libs/contracts/index.js';
import type { CappedSets, Persistent } from '../../../libs/baseline/index.js';
import type { Detector } from '../../framework.js';
import { findingAbout } from '../../framework.js';
import { describeDuration } from '../../duration.js';
import { createTraitsMemo, type TraitsDeps } from '../../principal-traits.js';
import { SHARED_TYPES } from '../foreign-object/index.js';
import { findSlot, newState, restoreRows, snapshotRows, tallyKey, type Slot, type SubjectContextState, type Tally } from './state.js';

export type { SubjectContextState } from './state.js';

export const NAME = 'bola/subject-context';
export const OWASP = 'API1:2023';

export interface SubjectContextConfig {
  /** Uses of one id before it is the principal's own (and, over `stableSeconds`, counts for its cohort). */
  minUses: number;
  /**
   * A day: an id kept across days is the principal's record, not a session, a cart or a ticket
   * that a new one replaces tomorrow (those show up as several ids and make the type non-singular).
   */
  stableSeconds: number;
  /** Principals of a cohort judged on a type (kept to one id, or used several) before it can count as singular. */
  minCohortPrincipals: number;
  /** A type is singular in a cohort while at most this share of its principals used several ids. */
  maxMultiRate: number;
  /**
   * A principal that comes back after this long without a request (on any type it is tracked on), on another id of the type, may be
   * a member of two (a locum working at a second clinic, a parent switching to a child's account):
   * that first read is reported once, at medium severity, and the id becomes its second own one.
   * Mid-session, every use of another id is reported: that is an id swapped in a URL, not a switch.
   */
  switchGapSeconds: number;
  principalCap: number;
  tallyCap: number;
}

export const DEFAULTS: SubjectContextConfig = {
  minUses: 3,
  stableSeconds: 86_400,
  minCohortPrincipals: 20,
  maxMultiRate: 0.05,
  switchGapSeconds: 1800,
  principalCap: 200_000,
  tallyCap: 20_000,
};

export type Pattern = 'other_subject_access';

/** Principal kinds that name no one person or client: an address, a gateway consumer shared by its users. */
const SKIPPED_KINDS: ReadonlySet<string> = new Set(['ip', 'consumer']);

/**
 * BOLA on a learned subject (OWASP API1:2023). Many APIs give each caller one record of its own
 * under a collection: a member API's `/members/{id}/...`, `/accounts/{id}`, `/users/{id}`. Nothing
 * in a log says which collection that is, but a cohort (same app and scopes) shows it: every one of
 * its principals keeps to one id of the type, day after day. A principal that has done so itself
 * and then uses another id of it is reading someone else's record, even if that someone never
 * appeared in the traffic (which bola/foreign-object needs, to know an owner).
 * FHIR `Patient` is left to bola/patient-context; reference types (SHARED_TYPES) are never a subject.
 */
export function createSubjectContextDetector(
  cfg: SubjectContextConfig = DEFAULTS,
  deps: TraitsDeps = {},
): Detector<SubjectContextState> & Required<Persistent<SubjectContextState>> & CappedSets<SubjectContextState> {
  const traitsOf = deps.traits ?? createTraitsMemo();
  const stableMs = cfg.stableSeconds * 1000;
  const switchGapMs = cfg.switchGapSeconds * 1000;

  function singular(t: Tally | undefined): t is Tally {
    const judged = t === undefined ? 0 : t.singles + t.multis;
    return t !== undefined && judged >= cfg.minCohortPrincipals && t.multis <= cfg.maxMultiRate * judged;
  }

  /** Settled as not singular: slots for it are no longer created (memory goes to types that may be). */
  function settledShared(t: Tally | undefined): boolean {
    return t !== undefined && t.singles + t.multis >= 2 * cfg.minCohortPrincipals && t.multis > cfg.maxMultiRate * (t.singles + t.multis);
  }

  /**
   * The principal's own id, once used `minUses` times. Its own history need not span a day: the
   * cohort's does (only day-long singles make a type singular), so one session is enough here.
   */
  function bound(slot: Slot): boolean {
    return slot.phase === 'single' || slot.phase === 'flagged' || (slot.phase === 'learning' && slot.uses >= cfg.minUses);
  }

  function tallyOf(state: SubjectContextState, cohort: string, type: string, ts: number): Tally {
    const key = tallyKey(cohort, type);
    let t = state.tallies.get(key);
    if (t === undefined) {
      t = { cohort, type, singles: 0, multis: 0, lastTs: ts };
      state.tallies.set(key, t);
    }
    return t;
  }

  return {
    name: NAME,
    owasp: OWASP,
    createState: () => newState(cfg.principalCap, cfg.tallyCap),
    detect(event, state) {
      if (event.status < 200 || event.status > 299 || event.objects.length === 0) return [];
      const p = event.principal;
      if (SKIPPED_KINDS.has(p.kind)) return [];
      const { cohort, system, level } = traitsOf(p);
      // Staff and backend services work on everyone's records; a carer acts for several people.
      if (system || level === 'staff' || p.fhirUser?.startsWith('RelatedPerson/') === true) return [];
      // The context a slot belongs to: the SMART patient claim when the token has one (a parent's
      // token for a child is the child's context, whichever app), else the app. NOTE: no string is
      // built per event; a claim is a token (tok_...), which no app is named.
      const ctx = p.patient ?? p.app ?? '';
      let out: Finding[] | undefined;
      for (let i = 0; i < event.objects.length; i++) {
        const obj = event.objects[i] as ObjectRef;
        if (obj.type === 'Patient' || SHARED_TYPES.has(obj.type) || !firstOfType(event.objects, i)) continue;
        const f = see(state, event, cohort, ctx, obj);
        if (f !== undefined) (out ??= []).push(f);
      }
      return out ?? [];
    },
    snapshot: (state, version, select) => snapshotRows(NAME, state, version, select?.principals),
    restore: (state, rows) => restoreRows(NAME, state, rows),
    // Their partition moved to another instance, which loads these rows from the store.
    forget: (state, principals) => {
      for (const p of principals) state.principals.delete(p);
    },
    // A slot is a few fixed fields per type a principal uses: nothing is a capped set.
    clearCapped: () => undefined,
  };

  function see(state: SubjectContextState, event: NormalizedEvent, cohort: string, ctx: string, obj: ObjectRef): Finding | undefined {
    const who = event.principal.id;
    const ts = event.ts;
    const head = state.principals.get(who);
    const slot = findSlot(head, ctx, obj.type);
    if (slot === undefined) {
      if (settledShared(state.tallies.get(tallyKey(cohort, obj.type)))) return undefined;
      const fresh: Slot = { ctx, type: obj.type, id: obj.id, uses: 1, firstTs: ts, lastTs: ts, phase: 'learning', next: head };
      state.principals.set(who, fresh);
      return undefined;
    }
    if (slot.phase === 'multi') {
      // Still activity: a switch is judged by the pause since the principal's last request.
      if (ts > slot.lastTs) slot.lastTs = ts;
      return undefined;
    }
    const tally = tallyOf(state, cohort, obj.type, ts);
    tally.lastTs = Math.max(tally.lastTs, ts);
    if (obj.id === slot.id || obj.id === slot.second) {
      slot.uses++;
      slot.lastTs = Math.max(slot.lastTs, ts);
      if (slot.phase === 'learning' && slot.uses >= cfg.minUses && slot.lastTs - slot.firstTs >= stableMs) {
        slot.phase = 'single';
        tally.singles++;
      }
      return undefined;
    }
    // Another id. The API just minted it for the caller (201 Location): a new record of its own,
    // so the type is not one record per principal. Otherwise it is someone else's if the principal
    // has settled on its own and the cohort keeps to one each.
    if (!obj.created && bound(slot) && singular(tally)) {
      // After a pause, a first read of another id is a switch: reported once, then the principal's
      // second own. NOTE: not a write (changing someone's record first thing is no way to start
      // working there), and not for a principal already reported: one caught swapping ids gets no
      // second home.
      // NOTE: the pause is since the principal's last use of any type it keeps a slot for, so a
      // swap mid-session on an API whose other calls name other types is no pause.
      let last = slot.lastTs;
      for (let x = head; x !== undefined; x = x.next) if (x.lastTs > last) last = x.lastTs;
      const pause = ts - last;
      const read = event.method === 'GET' || event.method === 'HEAD';
      const switched = read && slot.phase !== 'flagged' && pause >= switchGapMs;
      if (slot.phase !== 'flagged') {
        // Counted as several ids from now on: if a whole cohort starts doing this (a type that
        // turns out to rotate), the type stops being singular after a few principals.
        if (slot.phase === 'single') tally.singles--;
        slot.phase = 'flagged';
        tally.multis++;
      }
      const f = finding(event, obj, slot, tally, switched ? pause : undefined);
      if (switched) {
        slot.second = obj.id;
        slot.lastTs = ts;
      }
      return f;
    }
    if (slot.phase === 'single') tally.singles--;
    if (slot.phase !== 'flagged') tally.multis++;
    slot.phase = 'multi';
    return undefined;
  }
}

function firstOfType(objects: readonly ObjectRef[], i: number): boolean {
  const type = (objects[i] as ObjectRef).type;
  for (let j = 0; j < i; j++) if ((objects[j] as ObjectRef).type === type) return false;
  return true;
}

/** `pauseMs`: set when the other id came after a pause (a switch, see `switchGapSeconds`). */
function finding(event: NormalizedEvent, obj: ObjectRef, slot: Slot, tally: Tally, pauseMs?: number): Finding {
  const who = event.principal.id;
  const read = event.method === 'GET' || event.method === 'HEAD';
  const severity: Severity = pauseMs !== undefined ? 'medium' : read ? 'high' : 'critical';
  const total = tally.singles + tally.multis;
  const multiRate = total === 0 ? 0 : tally.multis / total;
  // Surer the more uniformly the cohort keeps to one record each; a switch after a pause is what a
  // member of two looks like too.
  const base = Math.min(0.85, Math.max(0.6, 0.85 - 3 * multiRate)) - (pauseMs === undefined ? 0 : 0.2);
  const confidence = Math.round(base * 100) / 100;
  const verb = read ? 'read' : `sent ${event.method} for`;
  const after = pauseMs === undefined ? '' : ` ${describeDuration(pauseMs / 1000)} after its last request on it,`;
  return {
    detector: NAME,
    owasp: OWASP,
    severity,
    ...findingAbout(event, who),
    summary: `${who} has used only ${obj.type} ${slot.id} (${slot.uses} requests over ${describeDuration((slot.lastTs - slot.firstTs) / 1000)}), as ${tally.singles} of the ${total} principals of its cohort keep to one ${obj.type} each, then${after} ${verb} ${obj.type} ${obj.id} and the API answered ${event.status}`,
    confidence,
    evidence: {
      pattern: 'other_subject_access' satisfies Pattern,
      confidence,
      observed: { type: obj.type, id: obj.id, via: obj.via, method: event.method, status: event.status },
      baseline: {
        ownId: slot.id,
        ownUses: slot.uses,
        ownSince: new Date(slot.firstTs).toISOString(),
        cohortPrincipalsWithOne: tally.singles,
        cohortPrincipalsWithSeveral: tally.multis,
      },
      // A switch: the other id is now the principal's second own (not reported again).
      ...(pauseMs === undefined ? {} : { switchedAfterSeconds: Math.round(pauseMs / 1000) }),
    },
  };
}
