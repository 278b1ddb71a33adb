import { createRouteTemplater, type RouteTemplaterOptions } from './templater.js';

/** One request with the template it truly belongs to (parameter names normalized to `{id}`). */
export interface LabelledPath {
  scope: string;
  path: string;
  truth: string;
}

export interface TemplatingScore {
  requests: number;
  /** Requests whose learned template equals the true one. */
  correct: number;
  accuracy: number;
  endpoints: number;
  /** Learned templates that cover more than one true endpoint (distinct endpoints merged). */
  merged: number;
  /** True endpoints that got more than one learned template (one endpoint split, e.g. per id). */
  split: number;
  /** A few examples of each error, for the report. */
  mergedExamples: string[];
  splitExamples: string[];
}

/** `{userId}` -> `{id}`: the templater names every parameter `{id}`. */
export const normalizeTemplate = (t: string): string => t.replace(/\{[^}]*\}/g, '{id}');

/**
 * Runs the paths, in order, through a fresh templater (learning as live traffic would) and
 * compares each learned template with the truth.
 */
export function scoreTemplating(paths: readonly LabelledPath[], opts: RouteTemplaterOptions = {}): TemplatingScore {
  const templater = createRouteTemplater(opts);
  let correct = 0;
  const byLearned = new Map<string, Set<string>>();
  const byTruth = new Map<string, Set<string>>();
  for (const p of paths) {
    const learned = templater.template(p.scope, p.path).route;
    const truth = normalizeTemplate(p.truth);
    if (learned === truth) correct++;
    const lk = `${p.scope} ${learned}`;
    const tk = `${p.scope} ${truth}`;
    (byLearned.get(lk) ?? byLearned.set(lk, new Set()).get(lk))?.add(truth);
    (byTruth.get(tk) ?? byTruth.set(tk, new Set()).get(tk))?.add(learned);
  }
  const merged = [...byLearned].filter(([, t]) => t.size > 1);
  const split = [...byTruth].filter(([, l]) => l.size > 1);
  return {
    requests: paths.length,
    correct,
    accuracy: paths.length === 0 ? 1 : correct / paths.length,
    endpoints: byTruth.size,
    merged: merged.length,
    split: split.length,
    mergedExamples: merged.slice(0, 5).map(([k, t]) => `${k} <- ${[...t].slice(0, 3).join(', ')}`),
    splitExamples: split.slice(0, 5).map(([k, l]) => `${k} -> ${l.size} templates, e.g. ${[...l].slice(0, 3).join(', ')}`),
  };
}
