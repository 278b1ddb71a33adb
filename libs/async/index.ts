/**
 * Groups items into runs of `size` (the last one shorter), pulling from `items` only as runs are
 * asked for, so a stream (a file's lines) is never read ahead by more than one run.
 */
export async function* inRuns<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let run: T[] = [];
  for await (const item of items) {
    run.push(item);
    if (run.length < size) continue;
    yield run;
    run = [];
  }
  if (run.length > 0) yield run;
}

/**
 * Each run with what `prepare` made of it, in order, one run ahead: run k+1's `prepare` starts
 * before run k is handed out, so work done elsewhere (a worker thread) overlaps the caller's work
 * on run k. A run prepared but never reached (the caller stopped early) is dropped, and its
 * failure is not reported as unhandled; a failure of a run that is reached is thrown there.
 */
export async function* prepareAhead<T, P>(runs: Iterable<T> | AsyncIterable<T>, prepare: (run: T) => Promise<P>): AsyncGenerator<{ run: T; prepared: P }> {
  let ahead: { run: T; prepared: Promise<P> } | undefined;
  for await (const run of runs) {
    const next = { run, prepared: prepare(run) };
    next.prepared.catch(() => undefined);
    if (ahead) yield { run: ahead.run, prepared: await ahead.prepared };
    ahead = next;
  }
  if (ahead) yield { run: ahead.run, prepared: await ahead.prepared };
}
