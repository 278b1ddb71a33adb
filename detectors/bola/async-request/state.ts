import { parseRowState, type BaselineSnapshot } from '../../../libs/baseline/index.js';
import { createBoundedCache, createPairCache, type BoundedCache, type PairCache } from '../../../libs/cache/index.js';

/** An asynchronous request: the status URL a 202 handed to the principal that started it. */
export interface Job {
  /** Principal id of the one that started it (the 202's caller). */
  owner: string;
  /** When it was started (event time, ms). */
  ts: number;
  /** The route that started it (`/fhir/Group/{id}/$export`): evidence only. */
  route: string;
  /** Another principal used it without a finding: counted once in its type's `shared`. */
  shared: boolean;
}

/** Per type of status URL (`bulkstatus`, `jobs`): how often others use one's requests. */
export interface Tally {
  type: string;
  /** Asynchronous requests started. */
  requests: number;
  /** Of those, used by another principal without a finding (the type is shared where that is common). */
  shared: number;
  lastTs: number;
}

export interface AsyncRequestState {
  /** By (type, token of the id): who started it. */
  jobs: PairCache<Job>;
  /**
   * By owner principal id, its latest requests as `[type, id]`, newest last: what its principal row
   * saves, so a request moves with its owner on a Kafka handoff. `jobs` is the index of the same.
   */
  owners: BoundedCache<[string, string][]>;
  /** By type; saved as cohort rows. */
  tallies: BoundedCache<Tally>;
}

/** Requests remembered per owner: a client polling one export at a time needs a handful. */
export const PER_OWNER_CAP = 32;

export function newState(jobCap: number, ownerCap: number, tallyCap: number): AsyncRequestState {
  return { jobs: createPairCache<Job>(jobCap), owners: createBoundedCache(ownerCap), tallies: createBoundedCache(tallyCap) };
}

/** Records a request `owner` started; past PER_OWNER_CAP the owner's oldest is forgotten. */
export function remember(state: AsyncRequestState, type: string, id: string, job: Job): void {
  state.jobs.set(type, id, job);
  let mine = state.owners.get(job.owner);
  if (mine === undefined) state.owners.set(job.owner, (mine = []));
  if (mine.length >= PER_OWNER_CAP) {
    const [oldType, oldId] = mine.shift() as [string, string];
    if (state.jobs.peek(oldType, oldId)?.owner === job.owner) state.jobs.delete(oldType, oldId);
  }
  mine.push([type, id]);
}

// ---- Snapshot rows. Principal rows (the owner): `{ jobs: [[type, id, ts, route, shared], ...] }`,
// oldest first. Cohort rows, keyed by type: the tally. Ids are the events' tokens.

type EncodedJob = [string, string, number, string, boolean];

export function snapshotRows(detector: string, state: AsyncRequestState, version: number, select?: ReadonlySet<string>): BaselineSnapshot[] {
  const rows: BaselineSnapshot[] = [];
  const emit = (owner: string, mine: [string, string][] | undefined): void => {
    const jobs: EncodedJob[] = [];
    for (const [type, id] of mine ?? []) {
      // NOTE: peek: a snapshot is not activity. A request evicted from `jobs` is not saved.
      const j = state.jobs.peek(type, id);
      if (j !== undefined && j.owner === owner) jobs.push([type, id, j.ts, j.route, j.shared]);
    }
    const first = jobs[0];
    const last = jobs[jobs.length - 1];
    if (first === undefined || last === undefined) return;
    rows.push({ detector, scope: 'principal', key: owner, version, firstTs: first[2], lastTs: last[2], events: jobs.length, state: JSON.stringify({ jobs }) });
  };
  if (select !== undefined) for (const key of select) emit(key, state.owners.peek(key));
  else for (const [key, mine] of state.owners.entries()) emit(key, mine);
  for (const [key, t] of state.tallies.entries()) {
    rows.push({ detector, scope: 'cohort', key, version, firstTs: t.lastTs, lastTs: t.lastTs, events: t.requests, state: JSON.stringify(t) });
  }
  return rows;
}

/**
 * Takes this detector's rows, oldest first; skips rows that do not decode. A cohort row is taken
 * only for a type this instance holds no tally of: its own is newer than any saved one.
 */
export function restoreRows(detector: string, state: AsyncRequestState, rows: readonly BaselineSnapshot[]): number {
  let taken = 0;
  const mine = rows.filter((r) => r.detector === detector).sort((a, b) => a.lastTs - b.lastTs);
  for (const r of mine) {
    const v = parseRowState(r);
    if (r.scope === 'principal') {
      const jobs = decodeJobs(v);
      if (jobs === undefined) continue;
      for (const [type, id, ts, route, shared] of jobs) remember(state, type, id, { owner: r.key, ts, route, shared });
      taken++;
    } else {
      const t = decodeTally(v);
      if (t === undefined || t.type !== r.key) continue;
      if (state.tallies.peek(r.key) === undefined) state.tallies.set(r.key, t);
      taken++;
    }
  }
  return taken;
}

/** Drops the owners' requests (their partition moved to another instance, which loads their rows). */
export function forgetOwners(state: AsyncRequestState, principals: ReadonlySet<string>): void {
  for (const p of principals) {
    for (const [type, id] of state.owners.peek(p) ?? []) if (state.jobs.peek(type, id)?.owner === p) state.jobs.delete(type, id);
    state.owners.delete(p);
  }
}

function decodeJobs(v: unknown): EncodedJob[] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const jobs = (v as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobs) || jobs.length === 0 || jobs.length > PER_OWNER_CAP) return undefined;
  for (const e of jobs as unknown[]) {
    if (!Array.isArray(e) || e.length !== 5) return undefined;
    const [type, id, ts, route, shared] = e as unknown[];
    if (typeof type !== 'string' || type === '' || typeof id !== 'string' || id === '') return undefined;
    if (!Number.isSafeInteger(ts) || typeof route !== 'string' || typeof shared !== 'boolean') return undefined;
  }
  return jobs as EncodedJob[];
}

function decodeTally(v: unknown): Tally | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { type, requests, shared, lastTs } = v as Record<string, unknown>;
  if (typeof type !== 'string' || type === '' || !Number.isSafeInteger(lastTs)) return undefined;
  if (!Number.isSafeInteger(requests) || (requests as number) < 0 || !Number.isSafeInteger(shared) || (shared as number) < 0) return undefined;
  return { type, requests: requests as number, shared: shared as number, lastTs: lastTs as number };
}
