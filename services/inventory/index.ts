import { readFile } from 'node:fs/promises';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import type { InventoryConfig } from '../../libs/contracts/inventory-config.js';
import type { SpecSummary } from '../../libs/contracts/inventory.js';
import { VigilError } from '../../libs/errors/index.js';
import { createInventoryModel, decodeRouteState, encodeRouteState, parseSpec, type DeclaredSpec, type InventoryModel, type InventoryModelDeps } from '../../libs/inventory/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';

export interface Inventory {
  /** Restores routes and specs (stored ones, then the config files, which win). Call before the first event. */
  load(): Promise<void>;
  /** Adds one event; returns the inventory findings it raises (event time, deterministic). */
  observe(e: NormalizedEvent): Finding[];
  /** Writes every route changed since the last flush. Call after the events are stored. */
  flush(): Promise<void>;
  /** Parses, stores and applies a spec; throws VigilError bad_request for a document it cannot read. */
  putSpec: (service: string, text: string, origin: 'config' | 'api', at: string) => Promise<SpecSummary>;
  /** False when the service had no spec. */
  deleteSpec: (service: string, at: string) => Promise<boolean>;
  /** Re-reads specs changed in the store by another process (split deployments). */
  reloadSpecs(): Promise<void>;
  /** Starts the periodic spec reload. */
  start(): void;
  stop(): void;
  readonly model: InventoryModel;
}

/**
 * Architecture: an in-process aggregator fed with every normalized event right after detection
 * (the same call site, so the file, HTTP and Kafka paths all feed it), holding one small state per
 * route. Changed routes are written in batches by the batch writer's flush, after the events they
 * count are stored and before offsets move, as new versions in a ReplacingMergeTree
 * (`inventory_routes`); a restart reloads them. Why not query the events table for everything:
 * events expire after the retention, while an inventory must remember a route silent for months,
 * and flags (shadow, zombie) and alerts must be decided per event on event time. Percentiles of
 * latency and sizes, which would need a sketch per route, come from ClickHouse quantiles over the
 * retained events when a route is opened.
 * NOTE: with several detect instances (Kafka), each sees only its principals' events and the last
 * writer of a route wins: run one detect instance, or read counts as per-instance.
 */
export function createInventory(cfg: InventoryConfig, deps: { store: Store; logger: Logger; reloadIntervalMs?: number } & InventoryModelDeps): Inventory {
  const log = deps.logger.child({ component: 'inventory' });
  const model = createInventoryModel(cfg, deps.cohortOf === undefined ? {} : { cohortOf: deps.cohortOf });
  /** service -> updatedAt of the applied spec, to see what another process changed. */
  const applied = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  function apply(spec: DeclaredSpec, updatedAt: string): void {
    model.setSpec(spec);
    applied.set(spec.service, updatedAt);
  }

  async function putSpec(service: string, text: string, origin: 'config' | 'api', at: string): Promise<SpecSummary> {
    const spec = parseSpec(service, text);
    const summary: SpecSummary = {
      service, kind: spec.kind, title: spec.title, version: spec.version, operations: spec.operations,
      deprecatedOperations: spec.deprecatedOperations, origin, updatedAt: at,
    };
    await deps.store.putSpec({ summary, body: text });
    apply(spec, at);
    log.info({ event: 'spec_loaded', service, kind: spec.kind, operations: spec.operations, origin }, 'spec_loaded');
    return summary;
  }

  async function reloadSpecs(): Promise<void> {
    const stored = await deps.store.listSpecs();
    const live = new Set(stored.map((s) => s.summary.service));
    for (const s of stored) {
      if (applied.get(s.summary.service) === s.summary.updatedAt) continue;
      try {
        apply(parseSpec(s.summary.service, s.body), s.summary.updatedAt);
      } catch (e) {
        log.error({ event: 'spec_unreadable', service: s.summary.service, err: e }, 'stored spec no longer parses; ignored');
      }
    }
    for (const service of [...applied.keys()]) {
      if (live.has(service)) continue;
      model.removeSpec(service);
      applied.delete(service);
    }
  }

  async function writeDirty(): Promise<void> {
    const batch = model.takeDirty();
    if (batch.length === 0) return;
    const rows = batch.map((s) => {
      const entry = model.entry(s, Number.NEGATIVE_INFINITY);
      const flags = model.flags(s);
      return {
        id: s.id, service: s.service, template: s.template, version: s.version + 1, requests: s.requests,
        firstSeen: s.firstSeen, lastSeen: s.lastSeen, shadow: flags.shadow, zombie: flags.zombie,
        unauthenticated: s.unauthenticated, returnsPhi: s.returnsPhi, entry, state: encodeRouteState({ ...s, version: s.version + 1 }),
      };
    });
    try {
      await deps.store.upsertInventoryRoutes(rows);
    } catch (e) {
      model.returnDirty(batch);
      throw e;
    }
    for (const s of batch) s.version++;
  }

  return {
    model,
    async load() {
      const states = await deps.store.loadInventoryStates();
      model.restore(states.map((r) => decodeRouteState(r.state, cfg.principalCap)));
      await reloadSpecs();
      for (const { service, file } of cfg.specs) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (e) {
          throw new VigilError('config_invalid', `inventory.specs: cannot read ${file} (service ${service}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
        try {
          // NOTE: the file's mtime would change on every deploy; the stored copy is replaced only when the text differs.
          const current = (await deps.store.listSpecs()).find((s) => s.summary.service === service);
          if (current?.body === text) continue;
          await putSpec(service, text, 'config', new Date().toISOString());
        } catch (e) {
          if (e instanceof VigilError && e.code === 'bad_request') throw new VigilError('config_invalid', `inventory.specs: ${file} (service ${service}): ${e.message}`, { cause: e });
          throw e;
        }
      }
      log.info({ event: 'inventory_loaded', routes: states.length, specs: applied.size });
    },
    observe: (e) => model.observe(e),
    flush() {
      // One write at a time, in order: a later flush must not overtake an earlier version.
      const run = writing.then(writeDirty);
      writing = run.catch(() => undefined);
      return run;
    },
    putSpec,
    async deleteSpec(service, at) {
      const removed = await deps.store.deleteSpec(service, at);
      model.removeSpec(service);
      applied.delete(service);
      return removed;
    },
    reloadSpecs,
    start() {
      timer = setInterval(() => {
        reloadSpecs().catch((e: unknown) => log.error({ event: 'spec_reload_failed', err: e }, 'spec reload failed; retried next time'));
      }, deps.reloadIntervalMs ?? 60_000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
