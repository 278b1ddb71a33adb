import { expect } from 'vitest';
import { BaselineSnapshotSchema, type BaselineSnapshot, type Persistent } from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import type { Detector } from '../framework.js';

/** Baseline rows as the store gives them back: through JSON, and valid against the row contract. */
export function throughStore(rows: readonly BaselineSnapshot[]): BaselineSnapshot[] {
  return (JSON.parse(JSON.stringify(rows)) as unknown[]).map((r) => BaselineSnapshotSchema.parse(r));
}

/** The detector's findings over `events`, in order. */
export function feed<S>(d: Detector<S>, state: S, events: readonly NormalizedEvent[]): Finding[] {
  return events.flatMap((e) => d.detect(e, state));
}

/** A fresh state restored from `rows` as the store gives them back; every row must be taken. */
export function restored<S>(d: Detector<S> & Persistent<S>, rows: readonly BaselineSnapshot[]): S {
  const state = d.createState();
  expect(d.restore(state, throughStore(rows))).toBe(rows.length);
  return state;
}

/**
 * For every cut: a state fed up to the cut, saved, taken through the store and restored gives the
 * same findings after the cut, and the same final rows (compared through `view`), as one
 * uninterrupted run.
 */
export function expectSameAtEveryCut<S>(
  d: Detector<S> & Persistent<S>,
  events: readonly NormalizedEvent[],
  cuts: readonly number[],
  view: (rows: BaselineSnapshot[]) => unknown,
): void {
  const whole = d.createState();
  const all = events.map((e) => d.detect(e, whole));
  const finalRows = view(d.snapshot(whole, 1));
  for (const cut of cuts) {
    const before = d.createState();
    feed(d, before, events.slice(0, cut));
    const after = restored(d, d.snapshot(before, 1));
    expect(feed(d, after, events.slice(cut))).toEqual(all.slice(cut).flat());
    // Nothing detection depends on differs either.
    expect(view(d.snapshot(after, 1))).toEqual(finalRows);
  }
}
