/**
 * A token held in several places over its life (README, `scattered_token`). One token is one
 * client's credential: a phone moves between its wifi and its carrier (two or three far-apart
 * networks in an hour, one after the other), a commuter's app goes office -> carrier -> home. A
 * stolen token replayed from a few addresses while its owner keeps working shows both more
 * far-apart networks than that within the token's life, and the owner's network coming back after
 * others were used in between: the places interleave instead of following each other.
 *
 * State per token: its far-apart networks (/16, /48 hashes) with when each was last used, pruned
 * past `spreadSeconds`; when a network last came back after at least two others were used since
 * its previous request; whether it alerted. Flat numbers only (see distinct.ts).
 */

/** Far-apart networks kept per token: past this the count saturates, far above the threshold. */
export const SPREAD_CAP = 16;
/** Networks used since a network's previous request for its next one to be a return. */
const RETURN_AFTER = 2;

export interface SpreadState {
  /** `[wide hash, last used, ...]`, entries within `spreadSeconds` of the latest request. */
  wides: number[];
  /** Event time of the latest return of a network after two others; -1 for none. */
  returnTs: number;
  alerted: boolean;
}

export const newSpread = (): SpreadState => ({ wides: [], returnTs: -1, alerted: false });

export interface SpreadResult {
  networks: number;
  returnTs: number;
}

/**
 * Records one request of the token from wide network `wide` at `ts`. The distinct networks and
 * the return when they reach `minNetworks` with a return within the span; undefined otherwise.
 * Once a token alerted it is left alone (one finding per token).
 */
export function recordSpread(s: SpreadState, wide: number, ts: number, spanMs: number, minNetworks: number): SpreadResult | undefined {
  if (s.alerted) return undefined;
  const w = s.wides;
  const cutoff = ts - spanMs;
  let kept = 0;
  let at = -1;
  for (let i = 0; i < w.length; i += 2) {
    const last = w[i + 1] as number;
    if (last <= cutoff) continue;
    if (w[i] === wide) at = kept;
    w[kept] = w[i] as number;
    w[kept + 1] = last;
    kept += 2;
  }
  if (kept < w.length) w.length = kept;
  if (at >= 0) {
    const previous = w[at + 1] as number;
    let since = 0;
    for (let i = 1; i < w.length; i += 2) if ((w[i] as number) > previous) since++;
    if (since >= RETURN_AFTER) s.returnTs = ts;
    w[at + 1] = Math.max(previous, ts);
  } else if (w.length < 2 * SPREAD_CAP) {
    w.push(wide, ts);
  }
  const networks = w.length / 2;
  if (networks < minNetworks || s.returnTs < 0 || s.returnTs <= cutoff) return undefined;
  s.alerted = true;
  return { networks, returnTs: s.returnTs };
}

export function encodeSpread(s: SpreadState): unknown {
  return { wides: s.wides, returnTs: s.returnTs, alerted: s.alerted };
}

export function decodeSpread(v: unknown): SpreadState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { wides, returnTs, alerted } = v as Record<string, unknown>;
  if (!Array.isArray(wides) || wides.length % 2 !== 0 || wides.length > 2 * SPREAD_CAP || !wides.every(Number.isFinite)) return undefined;
  if (typeof returnTs !== 'number' || !Number.isFinite(returnTs) || typeof alerted !== 'boolean') return undefined;
  return { wides: [...(wides as number[])], returnTs, alerted };
}
