import type { Finding, NormalizedEvent } from '../libs/contracts/index.js';
import type { BaselineSnapshot, Persistent } from '../libs/baseline/index.js';

/**
 * A detector is a pure function over one event and the state it is handed. It reads the clock from
 * `event.ts` only, so replaying last month's logs yields the same findings as seeing them live.
 * State is created by the detector and owned by the runtime; a detector keeps it bounded itself.
 */
export interface Detector<S = unknown> {
  /** Stable name, also the alert's `detector` field, e.g. "bola/enumeration". */
  readonly name: string;
  /** OWASP API Security Top 10 2023 category, e.g. "API1:2023". */
  readonly owasp: string;
  createState(): S;
  detect(event: NormalizedEvent, state: S): Finding[];
}

/** A detector paired with its live state: what the pipeline calls per event. */
export interface DetectorRuntime {
  readonly names: readonly string[];
  detect(event: NormalizedEvent): Finding[];
  /** Baseline rows of every detector that keeps learned state (Persistent), for the store. */
  snapshot(version: number): BaselineSnapshot[];
  /** Hands stored rows to the detectors they belong to; returns how many were taken. */
  restore(rows: readonly BaselineSnapshot[]): number;
}

function isPersistent<S>(d: Detector<S>): d is Detector<S> & Persistent<S> {
  const p = d as Partial<Persistent<S>>;
  return typeof p.snapshot === 'function' && typeof p.restore === 'function';
}

export function createDetectorRuntime(detectors: readonly Detector[]): DetectorRuntime {
  const live = detectors.map((d) => ({ d, state: d.createState() }));
  return {
    names: detectors.map((d) => d.name),
    snapshot(version) {
      return live.flatMap(({ d, state }) => (isPersistent(d) ? d.snapshot(state, version) : []));
    },
    restore(rows) {
      let taken = 0;
      for (const { d, state } of live) if (isPersistent(d)) taken += d.restore(state, rows);
      return taken;
    },
    detect(event) {
      // NOTE: the common case is "no finding", so avoid allocating unless one appears.
      let out: Finding[] | undefined;
      for (const { d, state } of live) {
        const found = d.detect(event, state);
        if (found.length > 0) (out ??= []).push(...found);
      }
      return out ?? NO_FINDINGS;
    },
  };
}

const NO_FINDINGS: Finding[] = [];

/**
 * The fields every finding takes from its triggering event: who (the event's principal unless the
 * evidence is keyed otherwise, e.g. an IP), its app, the route, the event time and id, the source IP.
 */
export function findingAbout(
  event: NormalizedEvent,
  principal: string = event.principal.id,
): Pick<Finding, 'principal' | 'app' | 'route' | 'ts' | 'eventId' | 'sourceIp'> {
  return {
    principal,
    ...(event.principal.app === undefined ? {} : { app: event.principal.app }),
    route: event.route,
    ts: event.ts,
    eventId: event.eventId,
    sourceIp: event.clientIp,
  };
}
