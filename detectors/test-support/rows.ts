import { BaselineSnapshotSchema, type BaselineSnapshot } from '../../libs/baseline/index.js';

/** Baseline rows as the store gives them back: through JSON, and valid against the row contract. */
export function throughStore(rows: readonly BaselineSnapshot[]): BaselineSnapshot[] {
  return (JSON.parse(JSON.stringify(rows)) as unknown[]).map((r) => BaselineSnapshotSchema.parse(r));
}
