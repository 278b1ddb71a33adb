import { describe, expect, it } from 'vitest';
import { inRuns, prepareAhead } from './index.js';

async function* slowly<T>(items: T[], log: string[]): AsyncGenerator<T> {
  for (const item of items) {
    log.push(`read ${String(item)}`);
    await Promise.resolve();
    yield item;
  }
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('inRuns', () => {
  it('groups in order, the last run shorter, and reads no further than the run it builds', async () => {
    const log: string[] = [];
    const runs = inRuns(slowly([1, 2, 3, 4, 5], log), 2);
    expect((await runs.next()).value).toEqual([1, 2]);
    expect(log).toEqual(['read 1', 'read 2']);
    expect(await collect(runs)).toEqual([[3, 4], [5]]);
    expect(await collect(inRuns([], 3))).toEqual([]);
  });
});

describe('prepareAhead', () => {
  it('hands out runs in order with their prepared value, having started the next run first', async () => {
    const log: string[] = [];
    const prepare = (run: number[]) => {
      log.push(`prepare ${run.join(',')}`);
      return Promise.resolve(run.reduce((a, b) => a + b, 0));
    };
    for await (const { run, prepared } of prepareAhead([[1, 2], [3], [4, 5]], prepare)) log.push(`handle ${run.join(',')} = ${prepared}`);
    expect(log).toEqual(['prepare 1,2', 'prepare 3', 'handle 1,2 = 3', 'prepare 4,5', 'handle 3 = 3', 'handle 4,5 = 9']);
  });

  it('throws a failed preparation where its run is reached, after the runs before it', async () => {
    const handled: number[] = [];
    const prepare = (run: number) => (run === 2 ? Promise.reject(new Error('run 2 failed')) : Promise.resolve(run));
    await expect(
      (async () => {
        for await (const { prepared } of prepareAhead([1, 2, 3], prepare)) handled.push(prepared);
      })(),
    ).rejects.toThrow('run 2 failed');
    expect(handled).toEqual([1]);
  });

  it('drops the run prepared ahead when the caller stops, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const prepare = (run: number) => (run === 2 ? Promise.reject(new Error('never reached')) : Promise.resolve(run));
    const handled: number[] = [];
    for await (const { prepared } of prepareAhead([1, 2, 3], prepare)) {
      handled.push(prepared);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onUnhandled);
    expect(handled).toEqual([1]);
    expect(unhandled).toEqual([]);
  });
});
