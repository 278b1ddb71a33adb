import { parseRowState, type BaselineSnapshot } from '../../libs/baseline/index.js';
import { decodeContext, encodeContext, type MachineContext } from './context.js';
import { decodeKey, decodePops, decodeToken, encodeKey, encodePops, encodeToken, type KeyState, type TokenMisuseState, type TokenState } from './state.js';

/**
 * Snapshot rows of token-misuse (Persistent): one `principal` row per principal id with its own
 * state and the tokens it used last (by credential fingerprint, never the token), so a token moves
 * with its principal's partition; one `cohort` row per `${scope}|${cohort}` with its populations.
 * Everything detection reads is saved (windows in flight included); the IP and user-agent memos are
 * derived and rebuilt on use, and each key's link to its cohort is resolved again on its next event.
 */

interface PrincipalRow {
  principal: KeyState | undefined;
  tokens: [string, TokenState][];
  /** A machine credential's context (context.ts); absent for users and in rows saved before it. */
  context: MachineContext | undefined;
}

const COHORT_SCOPES = new Set(['principal', 'token']);

export function snapshotRows(detector: string, state: TokenMisuseState, version: number, windowMs: number, select?: ReadonlySet<string>): BaselineSnapshot[] {
  // NOTE: one pass over every token, even for an incremental snapshot of a few principals: an
  // index from principal to tokens would cost memory on every event for a periodic job.
  const tokensOf = new Map<string, [string, TokenState][]>();
  for (const [fp, t] of state.tokens.entries()) {
    if (select !== undefined && !select.has(t.owner)) continue;
    const list = tokensOf.get(t.owner);
    if (list === undefined) tokensOf.set(t.owner, [[fp, t]]);
    else list.push([fp, t]);
  }
  const rows: BaselineSnapshot[] = [];
  const emit = (key: string, k: KeyState | undefined): void => {
    const tokens = tokensOf.get(key) ?? [];
    tokensOf.delete(key);
    if (k === undefined && tokens.length === 0) return;
    // The start of its latest window (or a token's last request): when the row was last active.
    let lastTs = k !== undefined ? Math.max(0, k.bucket * windowMs) : 0;
    for (const [, t] of tokens) lastTs = Math.max(lastTs, t.lastTs, t.bucket * windowMs);
    const context = state.contexts.peek(key);
    const encoded = {
      principal: k === undefined ? null : encodeKey(k),
      tokens: tokens.map(([fp, t]) => [fp, encodeToken(t)]),
      ...(context === undefined ? {} : { context: encodeContext(context) }),
    };
    rows.push({ detector, scope: 'principal', key, version, firstTs: lastTs, lastTs, events: k?.netOwn?.n ?? 0, state: JSON.stringify(encoded) });
  };
  // NOTE: peek, not get: a snapshot is not activity and must not change what is evicted first.
  if (select !== undefined) for (const key of select) emit(key, state.principals.peek(key));
  else for (const [key, k] of state.principals.entries()) emit(key, k);
  // Tokens whose principal was evicted before them still travel under its id.
  for (const key of [...tokensOf.keys()]) emit(key, undefined);
  for (const [key, c] of state.cohorts.entries()) {
    rows.push({ detector, scope: 'cohort', key, version, firstTs: c.lastTs, lastTs: c.lastTs, events: c.net.ring.count, state: JSON.stringify(encodePops(c)) });
  }
  return rows;
}

/** Takes this detector's rows, oldest activity first so the most recent survive eviction; skips rows that do not decode. */
export function restoreRows(detector: string, state: TokenMisuseState, rows: readonly BaselineSnapshot[]): number {
  let taken = 0;
  const mine = rows.filter((r) => r.detector === detector).sort((a, b) => a.lastTs - b.lastTs);
  for (const r of mine) {
    const v = parseRowState(r);
    if (v === undefined) continue;
    if (r.scope === 'principal') {
      const row = decodePrincipalRow(v, r.key);
      if (row === undefined) continue;
      if (row.principal !== undefined) state.principals.set(r.key, row.principal);
      if (row.context !== undefined) state.contexts.set(r.key, row.context);
      for (const [fp, t] of row.tokens) state.tokens.set(fp, t);
    } else {
      const sep = r.key.indexOf('|');
      if (sep < 0 || !COHORT_SCOPES.has(r.key.slice(0, sep))) continue;
      const c = decodePops(v, r.key.slice(sep + 1), r.lastTs);
      if (c === undefined) continue;
      state.cohorts.set(r.key, c);
    }
    taken++;
  }
  return taken;
}

/** Drops these principals and the tokens they used last (their partition moved to another instance). */
export function forgetPrincipals(state: TokenMisuseState, principals: ReadonlySet<string>): void {
  for (const p of principals) {
    state.principals.delete(p);
    state.contexts.delete(p);
  }
  const tokens: string[] = [];
  for (const [fp, t] of state.tokens.entries()) if (principals.has(t.owner)) tokens.push(fp);
  for (const fp of tokens) state.tokens.delete(fp);
}

function decodePrincipalRow(v: unknown, owner: string): PrincipalRow | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const principal = o.principal === null ? undefined : decodeKey(o.principal);
  if (o.principal !== null && principal === undefined) return undefined;
  if (!Array.isArray(o.tokens)) return undefined;
  const tokens: [string, TokenState][] = [];
  for (const e of o.tokens as unknown[]) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || e[0] === '') return undefined;
    const t = decodeToken(e[1], owner);
    if (t === undefined) return undefined;
    tokens.push([e[0], t]);
  }
  if (principal === undefined && tokens.length === 0) return undefined;
  const context = o.context === undefined ? undefined : decodeContext(o.context);
  if (o.context !== undefined && context === undefined) return undefined;
  return { principal, tokens, context };
}
