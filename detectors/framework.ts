import type { Finding, NormalizedEvent } from '../libs/contracts/index.js';
import { createBoundedCache } from '../libs/cache/index.js';
import { createChangeTracker, hasCappedSets, type BaselineSnapshot, type ChangeTracker, type Persistent } from '../libs/baseline/index.js';

/**
 * A detector is a pure function over one event and the state it is handed. It reads the clock from
 * event time only (`event.ts`, and `watermark`), so replaying last month's logs yields the same
 * findings as seeing them live. State is created by the detector and owned by the runtime; a
 * detector keeps it bounded itself.
 */
export interface Detector<S = unknown> {
  /** Stable name, also the alert's `detector` field, e.g. "bola/enumeration". */
  readonly name: string;
  /** OWASP API Security Top 10 2023 category, e.g. "API1:2023". */
  readonly owasp: string;
  createState(): S;
  /**
   * `watermark`: how far event time has got across all input, for closing other principals' windows
   * (never this event's own time: an event of a partition consumed ahead is later than it). One
   * ordered source (a file, HTTP) has none: use `event.ts`. Kafka passes the low watermark of the
   * consumed partitions (libs/kafka/watermark.ts).
   */
  detect(event: NormalizedEvent, state: S, watermark?: number): Finding[];
}

/** Where an event came from when it was consumed from `vigil.events` (Kafka detect role). */
export interface EventOrigin {
  partition: number;
  offset: string;
}

/**
 * One incremental snapshot, taken in steps (one per detector that keeps baselines) so the caller
 * can yield to the event loop between them: the pipeline keeps detecting meanwhile.
 */
export interface SnapshotJob {
  readonly version: number;
  /** Principals it covers; undefined: every principal (the dirty set overflowed, or a full snapshot). */
  readonly principals: ReadonlySet<string> | undefined;
  readonly steps: readonly (() => BaselineSnapshot[])[];
}

/** A detector paired with its live state: what the pipeline calls per event. */
export interface DetectorRuntime {
  readonly names: readonly string[];
  /**
   * `origin` (Kafka) records the principal's partition and the partition's position for handoffs;
   * `watermark` is handed to the detectors (Detector.detect).
   */
  detect(event: NormalizedEvent, origin?: EventOrigin, watermark?: number): Finding[];
  /** Baseline rows of every detector that keeps learned state (Persistent), for the store. */
  snapshot(version: number): BaselineSnapshot[];
  /**
   * The rows changed since the last call: principals that saw an event (the dirty set) and every
   * cohort row. Undefined when nothing changed. Hand the principals back to `changes.requeue` if
   * saving fails.
   */
  snapshotChanged(version: number): SnapshotJob | undefined;
  /** Principal rows of principals whose events arrive on these partitions (a handoff). */
  snapshotPartitions(version: number, partitions: ReadonlySet<number>): BaselineSnapshot[];
  /** Hands stored rows to the detectors they belong to; returns how many were taken. */
  restore(rows: readonly BaselineSnapshot[]): number;
  /** Drops these principals' state where detectors allow it (Persistent.forget); their marks always. */
  forget(partitions: ReadonlySet<number>, principals: ReadonlySet<string>): void;
  /**
   * Kafka mode: which partitions this instance owns. Snapshots then leave out principals of other
   * partitions (or of no known partition): their current state lives on another instance, and an
   * old copy written here with a newer version would replace it.
   */
  own(owned: ((partition: number) => boolean) | undefined): void;
  /** A snapshot version above the wall clock and above every version restored (another instance's clock may run ahead). */
  nextVersion(now: number): number;
  readonly changes: ChangeTracker;
  /** Memory budget measurement only: empties every detector's capped sets (libs/baseline/budget.ts). */
  clearCapped(): void;
}

function isPersistent<S>(d: Detector<S>): d is Detector<S> & Persistent<S> {
  const p = d as Partial<Persistent<S>>;
  return typeof p.snapshot === 'function' && typeof p.restore === 'function';
}

export interface RuntimeOptions {
  /** Principals named in the dirty set before an incremental snapshot becomes a full one. */
  dirtyCap?: number;
  /** Principals whose Kafka partition is remembered (two-generation LRU). */
  partitionCap?: number;
}

export function createDetectorRuntime(detectors: readonly Detector[], opts: RuntimeOptions = {}): DetectorRuntime {
  const live = detectors.map((d) => ({ d, state: d.createState() }));
  const persistent = live.filter((x): x is { d: Detector & Persistent<unknown>; state: unknown } => isPersistent(x.d));
  const changes = createChangeTracker({ dirtyCap: opts.dirtyCap ?? 200_000, partitionCap: opts.partitionCap ?? 1_000_000 });
  let owned: ((partition: number) => boolean) | undefined;
  let lastVersion = 0;
  /**
   * Per restored principal, the event time its saved state reaches (the newest `lastTs` of its
   * rows). Events of that principal from before it are already in the state: the same file
   * replayed again after a restart, or the events between a Kafka partition's committed offset and
   * the point the old owner saved at. Feeding them again would count them twice (failures,
   * distinct ids, repeats), so they are stored but not detected on. Dropped at the principal's
   * first newer event; bounded (an evicted mark only means an old event is detected on again).
   */
  const restoredUntil = createBoundedCache<number>(opts.partitionCap ?? 1_000_000);
  let anyRestored = false;

  /**
   * Keeps the rows this instance may write, with the principal's partition attached: principal rows
   * of `principals` (all when undefined) on owned partitions, or on `partitions` when given (a
   * handoff names them itself: by then the loop may already report the next assignment).
   */
  function keep(rows: BaselineSnapshot[], principals?: ReadonlySet<string>, partitions?: ReadonlySet<number>): BaselineSnapshot[] {
    const out: BaselineSnapshot[] = [];
    for (const r of rows) {
      if (r.scope !== 'principal') {
        out.push(r);
        continue;
      }
      if (principals !== undefined && !principals.has(r.key)) continue;
      const partition = changes.partitionOf(r.key);
      if (partitions !== undefined) {
        if (partition === undefined || !partitions.has(partition)) continue;
      } else if (owned !== undefined && (partition === undefined || !owned(partition))) continue;
      out.push(partition === undefined ? r : { ...r, partition });
    }
    return out;
  }

  const stepsFor = (version: number, select?: ReadonlySet<string>, partitions?: ReadonlySet<number>) =>
    persistent.map(({ d, state }) => () => keep(d.snapshot(state, version, select ? { principals: select } : undefined), select, partitions));

  return {
    names: detectors.map((d) => d.name),
    changes,
    snapshot(version) {
      return stepsFor(version).flatMap((step) => step());
    },
    snapshotChanged(version) {
      if (!changes.changed) return undefined;
      const principals = changes.take();
      return { version, principals, steps: stepsFor(version, principals) };
    },
    snapshotPartitions(version, partitions) {
      return stepsFor(version, undefined, partitions).flatMap((step) => step().filter((r) => r.scope === 'principal'));
    },
    restore(rows) {
      let taken = 0;
      for (const { d, state } of persistent) taken += d.restore(state, rows);
      for (const r of rows) {
        if (r.version > lastVersion) lastVersion = r.version;
        if (r.scope === 'principal' && r.partition !== undefined) changes.place(r.key, r.partition);
        if (r.scope === 'principal' && r.lastTs > (restoredUntil.peek(r.key) ?? -Infinity)) {
          restoredUntil.set(r.key, r.lastTs);
          anyRestored = true;
        }
      }
      return taken;
    },
    forget(partitions, principals) {
      for (const { d, state } of persistent) d.forget?.(state, principals);
      changes.release(partitions, principals);
    },
    own(next) {
      owned = next;
    },
    clearCapped() {
      for (const { d, state } of live) if (hasCappedSets(d)) d.clearCapped(state);
    },
    nextVersion(now) {
      lastVersion = Math.max(lastVersion + 1, Math.trunc(now));
      return lastVersion;
    },
    detect(event, origin, watermark) {
      if (anyRestored) {
        const until = restoredUntil.peek(event.principal.id);
        if (until !== undefined) {
          if (event.ts < until) return NO_FINDINGS;
          restoredUntil.delete(event.principal.id);
        }
      }
      changes.touched(event.principal.id, origin);
      // NOTE: the common case is "no finding", so avoid allocating unless one appears.
      let out: Finding[] | undefined;
      for (const { d, state } of live) {
        const found = d.detect(event, state, watermark);
        if (found.length > 0) (out ??= []).push(...found);
      }
      return out ?? NO_FINDINGS;
    },
  };
}

const NO_FINDINGS: Finding[] = [];

/** 2xx, or 304 (the API confirmed the client's cached copy): the request was served. */
export function served(status: number): boolean {
  return (status >= 200 && status < 300) || status === 304;
}

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
