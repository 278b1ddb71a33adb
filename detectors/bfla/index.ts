import type { Finding, NormalizedEvent, Severity } from '../../libs/contracts/index.js';
import {
  createProfileMap,
  createRouteMemo,
  type CappedSets,
  type Persistent,
  type ProfileMap,
  type Tracked,
} from '../../libs/baseline/index.js';
import type { Detector } from '../framework.js';
import { createTraitsMemo, type TraitsDeps } from '../principal-traits.js';
import { findingAbout, served } from '../framework.js';
import { addRoute, addUser, cohortCodec, pairOf, principalsOf, seePrincipal, type CohortUse, type PairUse } from './cohort.js';
import { actsOnOwnCreation, newCreations, rememberCreations, type Creations } from './own.js';
import { isDestructive, privilegeOf, type PrivilegeReason } from './privilege.js';
import { newSiblingMemo, roleOnly, type RoleEvidence, type SiblingMemo } from './role.js';

export const NAME = 'bfla';
export const OWASP = 'API5:2023';

export interface BflaConfig {
  /**
   * Event time a cohort is observed before its habits are trusted (a day: a nightly job's
   * privileged calls are seen once before anything alerts)...
   */
  learningSeconds: number;
  /** ...and the events it must have made in that time. */
  learningEvents: number;
  /**
   * A privileged pair first used after learning stops being reported once this share of the
   * cohort's principals has used it (a feature rolled out to everyone), with at least `minAdopters`
   * and at most `maxAdopters`: a handful of independent principals taking up a function is a
   * rollout whatever the cohort's size. Without the cap a rollout to a patient app of 20,000 users
   * would raise ~1,000 alerts before it counted as adopted (and the users set stops at 256).
   */
  adoptionShare: number;
  minAdopters: number;
  maxAdopters: number;
  /** Cohorts remembered; the least recently active are forgotten first. */
  cohortCap: number;
  /**
   * How long a principal's creations are remembered as its own: a privileged method on an object it
   * created within this (cancelling the appointment it booked) is ownership, not a function its
   * role lacks. A memory horizon, not a threshold: 30 days, because appointments are booked days or
   * weeks ahead and cancelled any time before (a day missed a cancellation 33 hours after booking).
   * The creations cache's capacity bounds the memory, not this.
   */
  ownCreationSeconds: number;
}

export const DEFAULTS: BflaConfig = {
  learningSeconds: 86_400,
  learningEvents: 200,
  adoptionShare: 0.05,
  minAdopters: 3,
  maxAdopters: 10,
  cohortCap: 10_000,
  ownCreationSeconds: 30 * 86_400,
};

export interface BflaState {
  cohorts: ProfileMap<CohortUse>;
  /** Derived from `cohorts` (not saved): each cohort's siblings of the same app. */
  siblings: SiblingMemo;
  /** Objects principals created, so acting on one's own creation is not a privileged call. */
  created: Creations;
}

export type Pattern = 'privileged_use' | 'privileged_probe';

/** Answers that mean the function was refused or absent: the caller probed it. */
const PROBE_STATUSES = new Set([0, 401, 403, 404, 405, 429]);

/**
 * BFLA (OWASP API5:2023): a privileged function (admin path, destructive FHIR operation, DELETE,
 * PUT/PATCH of FHIR resources; see privilege.ts) used or probed by a principal whose cohort (same
 * app + scope set) never uses it. The cohort's normal privileged pairs are learned from its
 * traffic during a learning period; nothing is reported before it ends.
 */
export function createBflaDetector(cfg: BflaConfig = DEFAULTS, deps: TraitsDeps = {}): Detector<BflaState> & Persistent<BflaState> & CappedSets<BflaState> {
  // The cohort key, from the memo services/registry.ts shares between detectors (one lookup per event).
  const traitsOf = deps.traits ?? createTraitsMemo();
  // Per (method, route), once: its privilege by name, and its key as one string (so the cohorts'
  // pair maps and route sets are probed with a string whose hash V8 keeps).
  const routeOf = createRouteMemo((method, route) => ({ named: privilegeOf(method, route), key: `${method.toUpperCase()} ${route}` }));
  const learning = { minEvents: cfg.learningEvents, minSpanMs: cfg.learningSeconds * 1000 };
  const ownMs = cfg.ownCreationSeconds * 1000;
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({ cohorts: createProfileMap({ capacity: cfg.cohortCap, learning, codec: cohortCodec }), siblings: newSiblingMemo(), created: newCreations() }),
    snapshot: (state, version) => state.cohorts.snapshot(NAME, 'cohort', version),
    restore: (state, rows) => state.cohorts.restore(NAME, 'cohort', rows),
    // The capped parts: each cohort's privileged pairs (PAIRS_CAP, with their capped user sets) and
    // the creations (a bounded cache keyed by principal and object). Cohort HLLs are fixed.
    clearCapped: (state) => {
      for (const t of state.cohorts.entries()) {
        t.profile.pairs.clear();
        t.profile.routes.clear();
      }
      state.created.clear();
    },
    detect(event, state) {
      const who = event.principal.id;
      // By role: for a static API key its consumer, so one partner is not excused by another
      // integration's keys using a function (libs/baseline roleKey).
      const key = traitsOf(event.principal).role;
      const tracked = state.cohorts.touch(key, event.ts);
      const cohort = tracked.profile;
      seePrincipal(cohort, who);
      if (event.objects.length > 0) rememberCreations(state.created, event);
      const { named, key: pairKey } = routeOf(event.method, event.route);
      const stillLearning = state.cohorts.learning(tracked);
      let reason = named;
      let role: RoleEvidence | undefined;
      if (reason === undefined) {
        // An ordinary function by name: privileged only if the app's principals with more scopes
        // alone use it (role.ts). What the cohort itself does successfully is its own from then on.
        if (cohort.routes.has(pairKey)) return [];
        role = stillLearning ? undefined : roleOnly(state.cohorts, tracked, pairKey, state.siblings);
        if (role === undefined) {
          if (served(event.status)) addRoute(cohort, pairKey);
          return [];
        }
        reason = 'role_path';
      }
      // Deleting or updating what one created oneself (a booking cancelled) is ownership, not a function the role lacks.
      if (actsOnOwnCreation(state.created, event, ownMs)) return [];
      const pair = pairOf(cohort, pairKey, stillLearning);
      if (stillLearning || pair?.baseline === true) return [];
      const principals = principalsOf(cohort);
      const adopters = Math.min(cfg.maxAdopters, Math.max(cfg.minAdopters, Math.ceil(cfg.adoptionShare * principals)));
      const others = pair === undefined ? 0 : pair.users.values.size - (pair.users.values.has(who) ? 1 : 0);
      if (pair !== undefined) addUser(pair, who);
      // Widely adopted after learning: a new feature of the app, not one principal's escalation.
      if (others + 1 >= adopters) return [];
      return [finding(event, { reason, role, pair, others, adopters, principals, key, cohort: tracked })];
    },
  };
}

interface Context {
  reason: PrivilegeReason;
  role: RoleEvidence | undefined;
  pair: PairUse | undefined;
  others: number;
  adopters: number;
  principals: number;
  key: string;
  cohort: Tracked<CohortUse>;
}

function finding(event: NormalizedEvent, c: Context): Finding {
  const probe = PROBE_STATUSES.has(event.status);
  const pattern: Pattern = probe ? 'privileged_probe' : 'privileged_use';
  const severity: Severity = probe ? 'medium' : isDestructive(c.reason) ? 'critical' : 'high';
  // The heuristic is strongest for admin surfaces and destructive operations; a DELETE or PUT is
  // privileged only in context. Reaching the function is stronger evidence than knocking on it.
  const strong = c.reason === 'admin_path' || c.reason === 'destructive_operation';
  const confidence = (probe ? 0.55 : 0.75) + (strong ? 0.1 : 0);
  const who = event.principal.id;
  const verb = probe ? 'probed' : 'used';
  return {
    detector: NAME,
    owasp: OWASP,
    severity,
    ...findingAbout(event, who),
    summary:
      `${who} ${verb} the privileged function ${event.method} ${event.route} (${c.reason}, answered ${event.status}), which its cohort of ~${c.principals} principals never used while learning` +
      (c.role === undefined ? '' : ` and only principals with more scopes (${c.role.extraScopes.join(' ')}) use`),
    confidence,
    evidence: {
      pattern,
      confidence,
      reason: c.reason,
      ...(c.role === undefined ? {} : { usedBy: { cohort: c.role.cohort, extraScopes: c.role.extraScopes } }),
      observed: { method: event.method, route: event.route, status: event.status, otherCohortUsers: c.others },
      baseline: {
        cohort: c.key,
        cohortPrincipals: c.principals,
        cohortEvents: c.cohort.events,
        usedWhileLearning: c.pair?.baseline ?? false,
        adoptionThreshold: c.adopters,
      },
      window: `cohort observed since ${new Date(c.cohort.firstTs).toISOString()}`,
    },
  };
}
