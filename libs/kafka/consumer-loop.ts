import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { inRuns, prepareAhead } from '../async/index.js';
import { errorMessage } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { isRetriable, nextBackoffMs, sleepWithHeartbeat } from './retry.js';

/** One consumed message, as handlers see it. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Broker timestamp, epoch ms (producer create time unless the topic says otherwise). */
  timestamp: number;
  /** Messages after this one in its partition when its batch was fetched: 0 means it was the newest (caught up). */
  lag: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * What a consumer loop drives. `handle` runs synchronously per message and never throws for bad
 * input (that is a dead letter, a value, not an exception). `flush` makes everything handled so far
 * durable: store rows acknowledged by ClickHouse, produced messages acknowledged by Kafka. Offsets
 * move only after `flush` resolves.
 */
export interface BatchHandler {
  /** Returns true when enough is buffered that a flush (and a commit) should happen now. */
  handle(message: ConsumedMessage): boolean;
  /** Throws a retriable error (VigilError 'store_unavailable', a retriable KafkaJS error) to mean "wait and retry". */
  flush(): Promise<void>;
  /**
   * True when `handle` may run while a `flush` is pending and every `flush` resolves only once
   * everything handled before it was called is durable, including what an earlier, still running
   * flush took (the batch writer and the producer chain their writes). Then the loop handles one
   * partition's batch while another's flush is written (partitionsConsumedConcurrently). Absent:
   * strictly one batch at a time.
   */
  readonly overlapsFlush?: boolean;
  /**
   * Work for a run of messages that may happen off this thread (parsing on a worker), before their
   * `handle` calls, which then use it. The loop prepares the next run while it handles this one.
   * Must be pure with respect to durability: a prepared message that is never handled (stop,
   * rebalance) is simply fetched and prepared again by whoever consumes it next.
   */
  prepare?(messages: readonly ConsumedMessage[]): Promise<void>;
}

/**
 * Messages per `prepare` call: small enough to overlap well, large enough to amortize a thread hop.
 * NOTE: small also because the prepared events wait on this thread until handled (with two
 * partitions handled at once, up to about four runs); at 500 many outlived two young-generation
 * collections and were promoted only to die old. Measured (docs/performance.md, eighth pass):
 * receiving prepared events costs the main thread ~1.5 µs per event more in runs of 32 than of 500
 * (~0.4 µs more in runs of 100), while the main isolate's scavenges (its pauses and V8's helper
 * threads) cost ~20-24 µs per event in runs of 100 and ~17-18 µs in runs of 32.
 */
const PREPARE_RUN = 32;

/**
 * Per-partition state handoff (e.g. detector baselines). Both hooks are awaited before the next
 * message is handled. `onAssigned` runs on every assignment change with only the partitions newly
 * ours (possibly none, when partitions were only taken away; `assignment()` is already the new
 * one); `onRevoked` gets every partition owned when a rebalance starts (we cannot know yet which
 * ones stay) or the ones we stop with. NOTE: kafkajs uses the eager rebalance protocol and has no
 * "partitions revoked" callback that can hold a rejoin: on a graceful stop `onRevoked` runs after
 * the last commit and before the group is left (an exact handoff); on a rebalance started by
 * another member it runs as the rebalance starts, concurrently with the rejoin, so a new owner may
 * be assigned before the old one saved. The new owner must therefore wait for proof of the save
 * (services/kafka/handoff.ts compares a saved marker with the committed offset).
 */
export interface PartitionHooks {
  onAssigned?(partitions: TopicPartition[]): Promise<void>;
  onRevoked?(partitions: TopicPartition[]): Promise<void>;
}

export interface ConsumerLoopConfig {
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  /** Bytes fetched per partition per request: the batch size, and with maxBytes the memory bound. */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  /** A fetch returns once this many bytes are ready or maxWaitMs has passed (kafkajs minBytes / maxWaitTimeInMs; defaults 1 and 5,000). */
  minBytes?: number;
  maxWaitMs?: number;
  sessionTimeoutMs?: number;
  /** Backoff while the store is unavailable: doubles from min to max. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /**
   * Batches (each of one partition) handled at once when the handler `overlapsFlush`; default 2
   * (else always 1). While one batch waits for its flush (ClickHouse works on another core), the
   * next one is handled, so the CPU that runs parse/normalize/detect is not idle during writes.
   * Order within a partition is kept (kafkajs never gives one partition to two workers), and each
   * batch commits only its own partition after its own flush, so the invariants below hold for any
   * value. 1 = strictly one at a time.
   */
  partitionsConsumedConcurrently?: number;
}

export interface ConsumerLoop {
  /** Connects, joins the group and starts consuming; resolves once subscribed and running. */
  start(): Promise<void>;
  /** Graceful: stop fetching, finish and flush the batch in hand, commit, onRevoked, leave, disconnect. */
  stop(): Promise<void>;
  /** Resolves after a graceful stop; rejects with the first failure (after the loop disconnected). */
  readonly done: Promise<void>;
  /** Partitions currently assigned to this member. */
  assignment(): TopicPartition[];
}

/**
 * The one Kafka consumer loop (CONVENTIONS: only it commits). Each fetched batch is handled message
 * by message; whenever the handler asks, and at the end of the batch, it flushes and then commits
 * the offset after the last handled message. Invariants:
 * - Offsets move only after `handler.flush()` resolved, so a crash replays at most the uncommitted
 *   tail; deterministic event ids make the replay merge away.
 * - A retriable flush failure pauses the partition and retries with backoff (heartbeating, so the
 *   group keeps us), then resumes by itself; nothing new is fetched meanwhile, so memory is bounded
 *   by one fetch (maxBytes).
 * - Any other failure is the first and last: the loop disconnects and `done` rejects.
 */
export function createConsumerLoop(
  cfg: ConsumerLoopConfig,
  deps: { kafka: Kafka; logger: Logger; handler: BatchHandler; hooks?: PartitionHooks },
): ConsumerLoop {
  const log = deps.logger.child({ component: 'kafka-consumer', group_id: cfg.groupId });
  const consumer: Consumer = deps.kafka.consumer({
    groupId: cfg.groupId,
    sessionTimeout: cfg.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: cfg.maxBytesPerPartition ?? 8 * 1024 * 1024,
    maxBytes: cfg.maxBytes ?? 32 * 1024 * 1024,
    minBytes: cfg.minBytes ?? 1,
    maxWaitTimeInMs: cfg.maxWaitMs ?? 5000,
    // A crash is final: the process exits non-zero and a restart resumes from the last commit.
    retry: { retries: 5, restartOnFailure: () => Promise.resolve(false) },
  });
  const retryMin = cfg.retryMinMs ?? 200;
  const retryMax = cfg.retryMaxMs ?? 10_000;

  let assigned: TopicPartition[] = [];
  /** Assignment changes seen by GROUP_JOIN, applied (hooks awaited) before the next batch. */
  let pendingJoin: TopicPartition[] | undefined;
  let revoking: Promise<void> | undefined;
  let stopping = false;
  let failure: unknown;
  /** Batches being handled now (more than one with partitionsConsumedConcurrently > 1). */
  const inFlight = new Set<Promise<void>>();
  let joining: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let settle: { resolve: () => void; reject: (e: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Callers may only await `done` after start(); keep an early failure from being "unhandled".
  done.catch(() => undefined);

  const key = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    pendingJoin = Object.entries(payload.memberAssignment).flatMap(([topic, parts]) => parts.map((partition) => ({ topic, partition })));
  });
  /** Whether onRevoked already ran for everything owned since the last join. */
  let revokedAll = false;
  consumer.on(consumer.events.REBALANCING, () => {
    // Eager protocol: every partition may move, and we learn which only after the join, so save all
    // now. Partitions we keep are not loaded again (their in-memory state is still ours).
    revokedAll = true;
    // NOTE: what the broker gave us last, even if no batch has applied it yet: a partition lost
    // in a join we never acted on is not ours to save any more.
    const owned = pendingJoin ?? assigned;
    if (owned.length > 0 && deps.hooks?.onRevoked) revoking = deps.hooks.onRevoked([...owned]);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });

  /**
   * Runs the hooks of every join seen so far before the caller handles a message. Concurrent
   * batches share one run (and wait for it), so no batch overtakes a hook another batch started.
   */
  async function applyJoins(): Promise<void> {
    while (revoking !== undefined || pendingJoin !== undefined || joining !== undefined) {
      joining ??= applyJoin().finally(() => (joining = undefined));
      await joining;
    }
  }

  async function applyJoin(): Promise<void> {
    if (revoking) {
      const r = revoking;
      revoking = undefined;
      await r;
    }
    if (!pendingJoin) return;
    const next = pendingJoin;
    pendingJoin = undefined;
    const before = new Set(assigned.map(key));
    const now = new Set(next.map(key));
    const lost = assigned.filter((tp) => !now.has(key(tp)));
    const gained = next.filter((tp) => !before.has(key(tp)));
    assigned = next;
    log.info({ event: 'kafka_partitions_assigned', partitions: next.map(key), gained: gained.length, lost: lost.length });
    if (lost.length > 0 && !revokedAll) await deps.hooks?.onRevoked?.(lost);
    revokedAll = false;
    // Also when only partitions were lost: the hook learns the new assignment (assignment()) and can
    // drop state of partitions that moved away.
    if (gained.length > 0 || lost.length > 0) await deps.hooks?.onAssigned?.(gained);
  }

  /** Flushes until it succeeds; pauses the partition while the store is unavailable. */
  async function durable(p: EachBatchPayload): Promise<boolean> {
    let resume: (() => void) | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        await deps.handler.flush();
        if (resume) {
          resume();
          log.info({ event: 'kafka_partition_resumed', topic: p.batch.topic, partition: p.batch.partition, attempts: attempt });
        }
        return true;
      } catch (e) {
        // NOTE: while stopping with the store down, give up: nothing is committed, so a restart replays.
        if (!isRetriable(e) || stopping) throw e;
        if (!resume) {
          resume = p.pause();
          log.warn({ event: 'kafka_partition_paused', topic: p.batch.topic, partition: p.batch.partition, err_message: errorMessage(e) }, 'store unavailable; retrying');
        }
        await sleepWithHeartbeat(nextBackoffMs(attempt, retryMin, retryMax), () => p.heartbeat());
      }
    }
  }

  async function commit(p: EachBatchPayload, offset: string): Promise<void> {
    p.resolveOffset(offset);
    const next = (BigInt(offset) + 1n).toString();
    await p.commitOffsetsIfNecessary({ topics: [{ topic: p.batch.topic, partitions: [{ partition: p.batch.partition, offset: next }] }] });
  }

  /**
   * A heartbeat that finds the group rebalancing throws (kafkajs then rejoins). Make what was handled
   * durable and commit it first: the group still accepts commits while it prepares the rebalance,
   * so the partition's next owner resumes exactly where this member's state (and its handoff) ends
   * instead of replaying the tail into state that already counted it.
   */
  async function heartbeat(p: EachBatchPayload, last: string | undefined, flushed: string | undefined): Promise<void> {
    try {
      await p.heartbeat();
    } catch (e) {
      if (last !== undefined && last !== flushed && !stopping) {
        await durable(p);
        await commit(p, last).catch((c: unknown) => log.warn({ event: 'kafka_commit_on_rebalance_failed', err_message: errorMessage(c) }));
      }
      throw e;
    }
  }

  async function eachBatch(p: EachBatchPayload): Promise<void> {
    if (stopping || failure !== undefined) return;
    await applyJoins();
    let last: string | undefined;
    let flushed: string | undefined;
    let n = 0;
    const prepare = deps.handler.prepare?.bind(deps.handler) ?? (() => Promise.resolve());
    // The next run is prepared (on the worker) while this one is handled here.
    for await (const { run: messages } of prepareAhead(inRuns(consumed(p), PREPARE_RUN), prepare)) {
      for (const m of messages) {
        if (stopping || !p.isRunning() || p.isStale()) break;
        const wantsFlush = deps.handler.handle(m);
        last = m.offset;
        if (wantsFlush) {
          await durable(p);
          await commit(p, m.offset);
          flushed = m.offset;
        }
        if (++n % 500 === 0) await heartbeat(p, last, flushed);
      }
      if (stopping || !p.isRunning() || p.isStale()) break;
    }
    if (last !== undefined && last !== flushed) {
      await durable(p);
      await commit(p, last);
    }
  }

  function fail(e: unknown): void {
    if (failure !== undefined) return;
    failure = e ?? new Error('kafka consumer failed');
    log.error({ event: 'kafka_consumer_failed', err: e }, 'consumer loop stopped on its first failure');
    // NOTE: not awaited here: we may be inside eachBatch, and disconnecting waits for it to return.
    shutdown().then(
      () => settle.reject(failure),
      () => settle.reject(failure),
    );
  }

  function shutdown(): Promise<void> {
    stopped ??= (async () => {
      stopping = true;
      // 1. Stop fetching; 2. the batch in hand finishes, flushes and commits (eachBatch sees `stopping`).
      try {
        consumer.pause(cfg.topics.map((topic) => ({ topic })));
      } catch {
        // Not running (it crashed or never started): there is nothing to pause.
      }
      await Promise.allSettled([...inFlight]);
      // 3. Hand partition state over while we still own the partitions, then 4. leave and disconnect.
      const owned = pendingJoin ?? assigned;
      if (failure === undefined && owned.length > 0) await deps.hooks?.onRevoked?.([...owned]);
      await consumer.disconnect();
      // Out of the group we own nothing: state saved after this (e.g. a final snapshot) must not
      // claim partitions another member now owns.
      assigned = [];
      pendingJoin = undefined;
    })();
    return stopped;
  }

  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: cfg.topics, fromBeginning: cfg.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: deps.handler.overlapsFlush === true ? Math.max(1, cfg.partitionsConsumedConcurrently ?? 2) : 1,
        eachBatch: async (p) => {
          const run = eachBatch(p);
          inFlight.add(run);
          try {
            await run;
          } catch (e) {
            // kafkajs's own errors (a rebalance during commit or heartbeat) go back to kafkajs, which
            // rejoins; uncommitted work is replayed by the partition's next owner.
            if (isKafkaJsError(e) && !stopping) throw e;
            fail(e);
          } finally {
            inFlight.delete(run);
          }
        },
      });
      log.info({ event: 'kafka_consumer_started', topics: cfg.topics });
    },
    async stop() {
      await shutdown();
      if (failure === undefined) settle.resolve();
    },
    done,
    // What the last join gave us, even before its hooks ran (they run before its first batch).
    assignment: () => [...(pendingJoin ?? assigned)],
  };
}

/** The batch's messages as handlers see them. */
function* consumed(p: EachBatchPayload): Generator<ConsumedMessage> {
  const end = BigInt(p.batch.highWatermark);
  for (const m of p.batch.messages) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
    yield {
      topic: p.batch.topic,
      partition: p.batch.partition,
      offset: m.offset,
      key: m.key ?? null,
      value: m.value ?? null,
      headers,
      timestamp: Number(m.timestamp),
      lag: Number(end - BigInt(m.offset) - 1n),
    };
  }
}

function isKafkaJsError(e: unknown): boolean {
  return e instanceof Error && e.name.startsWith('KafkaJS');
}
