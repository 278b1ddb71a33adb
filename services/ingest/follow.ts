import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Gauge, type Registry } from 'prom-client';
import type { FollowedFile } from '../../libs/contracts/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { BatchWriter } from './batch-writer.js';
import type { FollowPositionStore } from './follow-positions.js';
import { NO_ORDINALS } from './ordinals.js';
import type { Pipeline } from './pipeline.js';

/**
 * `vigil start --follow FILE`: reads log files as a gateway writes them (nginx, Envoy or Kong's
 * file-log on the same machine), like `tail -F`, through the same pipeline as every transport.
 *
 * - Nothing lost: a file's position moves only after the rows of every line before it are stored
 *   (writer flush, then `<data-dir>/follow/positions.json`); a restart resumes there, and lines read
 *   again keep their event ids (the id hashes the file's device, inode and the line's byte offset,
 *   as a Kafka message's does its offset), so the store merges them.
 * - Rotation by rename (logrotate's default, Debian's nginx config): the renamed file is read to its
 *   end and kept open until it has been quiet for `quietMs`, because nginx writes to it until it is
 *   told to reopen its logs; meanwhile the new file at the path is read from its first byte. A file
 *   rotated while Vigil was stopped is looked for next to the path by its inode (`access.log.1`), and
 *   read from the saved position first. Truncation in place (copytruncate) starts the file over.
 * - A line is read once its newline is written; a rotated file's last line without one is read when
 *   the file is let go.
 */
export interface FileFollower {
  /** Rejects on the first failure that stops following (a file that cannot be read); resolves on stop. */
  readonly done: Promise<void>;
  /** Stops reading, stores what was read, saves the positions. */
  stop(): Promise<void>;
}

export interface FollowOptions {
  files: readonly string[];
  /** Where a file Vigil has no position for starts (Config ingest.followFrom). */
  from: 'beginning' | 'end';
  /** Pause between polls of files with nothing new. */
  pollMs?: number;
  /** How long a rotated file must stay quiet before it is let go. */
  quietMs?: number;
}

/** Bytes read from one file per turn: other files get their turn, and positions are saved, at least this often. */
const CHUNK = 1024 * 1024;
/** While a backlog is read, rows are stored and positions saved every this many bytes or milliseconds. */
const COMMIT_BYTES = 16 * 1024 * 1024;
const COMMIT_MS = 1000;
const BEHIND = 'vigil_follow_behind_bytes';
/** Lines handed to the preparer at once (the next run is parsed on the worker while this one is detected). */
const RUN = 1000;

interface Source {
  /** The followed path, whose position list this file is in. */
  followed: string;
  /** Where the file was found (the followed path, or a rotated name): dead letters name it. */
  name: string;
  handle: FileHandle;
  dev: string;
  ino: string;
  /** The next byte to read. */
  readAt: number;
  /** Bytes after the last newline read: a line still being written. */
  partial: Buffer;
  /** Set once the file is no longer at the followed path: read until quiet, then let go. */
  rotated: boolean;
  lastDataAt: number;
}

interface Followed {
  path: string;
  current: Source | undefined;
  rotated: Source[];
  /** Positions saved by an earlier run, until this run has opened the files they name. */
  saved: FollowedFile[] | undefined;
  waitingLogged: boolean;
  /** The path had no file at some point since following began: whatever is there now was written since. */
  appeared: boolean;
}

export function createFileFollower(
  opts: FollowOptions,
  deps: {
    pipeline: Pipeline;
    writer: BatchWriter;
    /** Where positions are saved; `saved` is what it held at start (loaded by the caller before anything else starts, so a bad file fails the start cleanly). */
    positions: FollowPositionStore;
    saved: ReadonlyMap<string, FollowedFile[]>;
    logger: Logger;
    registry: Registry;
    now?: () => number;
  },
): FileFollower {
  const now = deps.now ?? Date.now;
  const pollMs = opts.pollMs ?? 250;
  const quietMs = opts.quietMs ?? 10_000;
  const log = deps.logger.child({ component: 'follow' });
  const followed: Followed[] = opts.files.map((path) => ({ path, current: undefined, rotated: [], saved: deps.saved.get(path), waitingLogged: false, appeared: false }));
  // One per registry: a follower started again in the same process (tests) shares it.
  const behind =
    (deps.registry.getSingleMetric(BEHIND) as Gauge | undefined) ??
    new Gauge({
      name: BEHIND,
      help: 'Bytes written to a followed log file (and its rotated copies still read) that Vigil has not stored yet',
      labelNames: ['file'],
      registers: [deps.registry],
    });
  let stopping = false;
  let wake: AbortController | undefined;
  let readBuf: Buffer | undefined;
  /** Bytes read since the positions were last saved, and when that was. */
  let unsaved = 0;
  let savedAt = now();

  const position = (s: Source): FollowedFile => ({ dev: s.dev, ino: s.ino, offset: s.readAt - s.partial.length });

  function savePositions(): void {
    const out = new Map<string, FollowedFile[]>();
    for (const f of followed) {
      const open = [...f.rotated, ...(f.current ? [f.current] : [])].map(position);
      // A file not opened yet keeps what the last run saved for it.
      out.set(f.path, open.length > 0 || f.saved === undefined ? open : f.saved);
    }
    deps.positions.save(out);
  }

  /** Runs the complete lines of `bytes` (which starts at file offset `at`) through the pipeline. */
  async function feed(src: Source, bytes: Buffer, at: number): Promise<void> {
    const lines: { start: number; end: number }[] = [];
    let from = 0;
    for (let nl = bytes.indexOf(10, from); nl !== -1; nl = bytes.indexOf(10, from)) {
      lines.push({ start: from, end: nl > from && bytes[nl - 1] === 13 ? nl - 1 : nl });
      from = nl + 1;
    }
    if (from < bytes.length) lines.push({ start: from, end: bytes.length }); // a final line without newline (let go)
    for (let i = 0; i < lines.length; i += RUN) {
      const run = lines.slice(i, i + RUN);
      const occurrence = (l: { start: number }) => `file:${src.dev}:${src.ino}:${at + l.start}`;
      const prepared = await deps.pipeline.preparer.lines(
        run.map((l) => ({ line: bytes.subarray(l.start, l.end), occurrence: occurrence(l) })),
        'auto',
      );
      for (const [j, l] of run.entries()) {
        const p = prepared[j];
        if (p === undefined) continue;
        const where = { source: src.name, position: String(at + l.start), occurrence: occurrence(l), text: () => bytes.toString('utf8', l.start, l.end) };
        if (deps.pipeline.processPrepared(p, undefined, where, NO_ORDINALS)) await deps.writer.flush();
      }
    }
  }

  /** Reads what is new in `src`, up to CHUNK bytes; true when it read anything. */
  async function pump(src: Source): Promise<boolean> {
    // One buffer for every read: what is kept of it (a partial line) is copied, and the preparer
    // copies the lines it is handed before `feed` returns.
    const buf = (readBuf ??= Buffer.allocUnsafe(CHUNK));
    let bytesRead: number;
    try {
      ({ bytesRead } = await src.handle.read(buf, 0, CHUNK, src.readAt));
    } catch (e) {
      throw new Error(`cannot read ${src.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (bytesRead === 0) return false;
    src.lastDataAt = now();
    const start = src.readAt - src.partial.length;
    const bytes = src.partial.length > 0 ? Buffer.concat([src.partial, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
    src.readAt += bytesRead;
    const last = bytes.lastIndexOf(10);
    // Copied: `buf` is dropped, and a few bytes must not keep a whole megabyte alive.
    src.partial = Buffer.from(bytes.subarray(last + 1));
    if (last >= 0) await feed(src, bytes.subarray(0, last + 1), start);
    return true;
  }

  async function openSource(followed: string, name: string, handle: FileHandle, readAt: number, rotated: boolean): Promise<Source> {
    const st = await handle.stat({ bigint: true });
    return { followed, name, handle, dev: String(st.dev), ino: String(st.ino), readAt, partial: Buffer.alloc(0), rotated, lastDataAt: now() };
  }

  /** A rotated file of `path` by device and inode (`access.log.1`, `access.log-20261201`), if still there uncompressed. */
  async function findRotated(path: string, want: FollowedFile): Promise<string | undefined> {
    const dir = dirname(path);
    const base = basename(path);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (name === base || !name.startsWith(base)) continue;
      const st = await stat(join(dir, name), { bigint: true }).catch(() => undefined);
      if (st && String(st.dev) === want.dev && String(st.ino) === want.ino) return join(dir, name);
    }
    return undefined;
  }

  /** Opens the file now at `f.path`, if there is one; the first time, picks up where the last run stopped. */
  async function openCurrent(f: Followed): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(f.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${f.path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      if (!f.waitingLogged) log.warn({ event: 'follow_waiting', file: f.path }, `${f.path} does not exist yet; reading it once it does`);
      f.waitingLogged = true;
      f.appeared = true;
      return;
    }
    const st = await handle.stat({ bigint: true });
    const [dev, ino, size] = [String(st.dev), String(st.ino), Number(st.size)];
    let readAt = 0;
    if (f.saved === undefined) {
      // Never read before: `end` skips what a file held when following began; a file created
      // since (after a rotation, or one that did not exist yet) is all new.
      if (opts.from === 'end' && !f.appeared && f.current === undefined && f.rotated.length === 0) readAt = size;
    } else {
      for (const p of f.saved) {
        if (p.dev === dev && p.ino === ino) {
          if (p.offset <= size) readAt = p.offset;
          else log.warn({ event: 'follow_truncated', file: f.path, offset: p.offset, size }, `${f.path} is shorter than where Vigil stopped: truncated while it was stopped; reading it from its start`);
          continue;
        }
        const name = await findRotated(f.path, p);
        if (name === undefined) {
          log.warn(
            { event: 'follow_rotated_away', file: f.path, offset: p.offset },
            `${f.path} was rotated while Vigil was stopped and its old file is not next to it uncompressed: lines written to it after byte ${p.offset} are not read`,
          );
          continue;
        }
        const old = await open(name, 'r');
        f.rotated.push(await openSource(f.path, name, old, p.offset, true));
        log.info({ event: 'follow_resumed_rotated', file: name, offset: p.offset });
      }
      f.saved = undefined;
    }
    f.current = await openSource(f.path, f.path, handle, readAt, false);
    f.waitingLogged = false;
    log.info({ event: 'follow_opened', file: f.path, offset: readAt });
  }

  /** Notices the file at the path being replaced (rotation), removed, or truncated. */
  async function checkPath(f: Followed): Promise<void> {
    const cur = f.current;
    if (!cur) return;
    const st = await stat(f.path, { bigint: true }).catch(() => undefined);
    if (st && String(st.dev) === cur.dev && String(st.ino) === cur.ino) {
      if (Number(st.size) < cur.readAt) {
        log.warn({ event: 'follow_truncated', file: f.path, offset: cur.readAt, size: Number(st.size) }, `${f.path} was truncated (copytruncate?): reading it from its start`);
        cur.readAt = 0;
        cur.partial = Buffer.alloc(0);
      }
      return;
    }
    // Renamed or removed: read on until quiet (nginx writes there until it reopens its logs).
    cur.rotated = true;
    cur.lastDataAt = now();
    f.rotated.push(cur);
    f.current = undefined;
    log.info({ event: 'follow_rotated', file: f.path });
  }

  /** Lets go of rotated files that have been read to the end and stayed quiet. */
  async function release(f: Followed): Promise<void> {
    for (const src of [...f.rotated]) {
      if (now() - src.lastDataAt < quietMs) continue;
      const st = await src.handle.stat();
      if (st.size > src.readAt) continue;
      if (src.partial.length > 0) {
        // The file is finished: its last line never got a newline, and is a line all the same.
        const tail = src.partial;
        src.partial = Buffer.alloc(0);
        await feed(src, tail, src.readAt - tail.length);
      }
      f.rotated.splice(f.rotated.indexOf(src), 1);
      unsaved++; // its position goes from the saved list
      await src.handle.close();
      log.info({ event: 'follow_released', file: src.name });
    }
  }

  async function updateBehind(f: Followed): Promise<void> {
    let bytes = 0;
    for (const src of [...f.rotated, ...(f.current ? [f.current] : [])]) {
      const st = await src.handle.stat().catch(() => undefined);
      if (st) bytes += Math.max(0, st.size - (src.readAt - src.partial.length));
    }
    behind.set({ file: f.path }, bytes);
  }

  /** Rows first, then the positions past them: a crash in between reads those lines again (same ids). */
  async function commit(): Promise<void> {
    await deps.writer.flush();
    savePositions();
    unsaved = 0;
    savedAt = now();
  }

  /** One pass over every file; true when any had something new. */
  async function pass(): Promise<boolean> {
    let read = false;
    for (const f of followed) {
      if (!f.current) await openCurrent(f);
      for (const src of [...f.rotated, ...(f.current ? [f.current] : [])]) {
        const before = src.readAt;
        if (await pump(src)) read = true;
        unsaved += src.readAt - before;
      }
      await checkPath(f);
      if (!f.current) await openCurrent(f);
      await release(f);
      await updateBehind(f);
    }
    // Caught up, or a backlog read for a while: store and move the positions. (Each flush is a store
    // insert, so a backlog is not committed megabyte by megabyte.)
    if ((!read && unsaved > 0) || unsaved >= COMMIT_BYTES || (unsaved > 0 && now() - savedAt >= COMMIT_MS)) await commit();
    return read;
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      if (await pass()) continue;
      wake = new AbortController();
      await sleep(pollMs, undefined, { signal: wake.signal }).catch(() => undefined);
    }
    await commit();
    for (const f of followed) for (const src of [...f.rotated, ...(f.current ? [f.current] : [])]) await src.handle.close();
  }

  for (const f of followed) log.info({ event: 'follow_started', file: f.path, saved: f.saved?.length ?? 0, from: opts.from });
  const done = loop();
  return {
    done,
    async stop() {
      stopping = true;
      wake?.abort();
      await done.catch(() => undefined);
    },
  };
}
