import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FollowPositionsSchema, type FollowedFile } from '../../libs/contracts/index.js';
import { VigilError } from '../../libs/errors/index.js';

export interface FollowPositionStore {
  /** Saved positions by followed path (empty on a first start). */
  load(): Map<string, FollowedFile[]>;
  /** Replaces every saved position at once (write then rename: a crash leaves the old file or the new one). */
  save(positions: ReadonlyMap<string, readonly FollowedFile[]>): void;
}

/** `<dataDir>/follow/positions.json`. */
export function createFollowPositionStore(dataDir: string): FollowPositionStore {
  const dir = join(dataDir, 'follow');
  const file = join(dir, 'positions.json');
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
        throw e;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        throw new VigilError('config_invalid', `${file} is not JSON: fix or remove it (removing it re-reads followed files from VIGIL_FOLLOW_FROM)`, { cause });
      }
      const r = FollowPositionsSchema.safeParse(parsed);
      if (!r.success) throw new VigilError('config_invalid', `${file}: ${r.error.issues[0]?.message ?? 'invalid'}: fix or remove it (removing it re-reads followed files from VIGIL_FOLLOW_FROM)`);
      return new Map(Object.entries(r.data.files));
    },
    save(positions) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ version: 1, files: Object.fromEntries(positions) })}\n`);
      renameSync(tmp, file);
    },
  };
}
