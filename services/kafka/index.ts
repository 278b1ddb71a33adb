import { Gauge } from 'prom-client';
import type { Alert, Config, DeadLetter } from '../../libs/contracts/index.js';
import {
  createConsumerLoop,
  createDeadLetterTopic,
  createKafkaClient,
  createProducer,
  createWatermark,
  ensureTopics,
  type BatchHandler,
  type ConsumerLoop,
  type PartitionHooks,
  type TopicPartition,
} from '../../libs/kafka/index.js';
import type { Logger } from '../../libs/log/index.js';
import { createDetectorRuntime } from '../../detectors/framework.js';
import type { Core } from '../core.js';
import { createPipeline } from '../ingest/pipeline.js';
import { createEventsHandler } from './events-handler.js';
import { createEventForwarder } from './forwarder.js';
import { NO_HANDOFF, type DetectorStateHandoff } from './handoff.js';
import { createRawHandler, tapDeadLetters } from './raw-handler.js';
import { createAlertsHandler } from '../notify/kafka-alerts.js';
import type { Outbox } from '../notify/outbox.js';

export { NO_HANDOFF, type DetectorStateHandoff } from './handoff.js';

export interface KafkaRoles {
  /** Give this to createCore (onAlertsWritten) so stored alert versions are also produced to vigil.alerts. */
  onAlertsWritten(alerts: readonly Alert[]): void;
  /** Creates missing topics, connects and starts the consumer loop this process's roles need. */
  start(core: Core): Promise<void>;
  /** Graceful: the loop stops fetching, flushes, commits, leaves; then the producer disconnects. */
  stop(): Promise<void>;
  /** Rejects with the loop's first failure. */
  readonly done: Promise<void>;
  /** Which topic this process consumes ("none" for api/notify only). */
  readonly consumes: string;
  /** Partitions this instance's consumer owns right now. */
  assignment(): TopicPartition[];
  /**
   * Notify role apart from detect: consume vigil.alerts in its own group (notify.kafkaGroupId,
   * default vigil-notify) into the outbox; offsets move only after the outbox rows are written.
   * Call after start().
   */
  startNotify(outbox: Outbox): Promise<void>;
}

export interface LoopTuning {
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
}

/**
 * Kafka mode, by role (one process may hold several):
 * - ingest + detect: one consumer group over the raw topic does everything (parse, normalize,
 *   detect, store). Right for a single instance; to scale out, split the roles.
 * - ingest only: raw topic -> normalize -> vigil.events keyed by principal (the detect role's input).
 * - detect only: vigil.events -> detectors -> store -> vigil.alerts. Its consumer group gives each
 *   principal's partition, so its detector state, to exactly one instance.
 * Dead letters from either stage go to the dead_letters table and to vigil.deadletter.
 */
export function createKafkaRoles(config: Config, deps: { logger: Logger; handoff?: DetectorStateHandoff; tuning?: LoopTuning }): KafkaRoles {
  const k = config.kafka;
  const roles = new Set(config.roles);
  const ingest = roles.has('ingest');
  const detect = roles.has('detect');
  const log = deps.logger.child({ component: 'kafka-roles' });
  const handoff = deps.handoff ?? NO_HANDOFF;
  const kafka = createKafkaClient(k, { logger: deps.logger });
  const producer = createProducer({ kafka });
  const deadLetters = createDeadLetterTopic({ topic: k.topics.deadLetter }, { producer });
  let loop: ConsumerLoop | undefined;
  /** Event time across the partitions `loop` consumes, for detection; forgets partitions as they move. */
  const watermark = createWatermark();
  let notifyLoop: ConsumerLoop | undefined;
  let settle: { resolve: () => void; reject: (e: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);

  function handlerFor(core: Core): BatchHandler | undefined {
    if (ingest) {
      // Both variants tap the pipeline's dead letters into vigil.deadletter through the raw handler.
      let onDead: (d: DeadLetter) => void = () => undefined;
      const tapped = tapDeadLetters(core.writer, (d) => onDead(d));
      const writer = detect ? tapped : createEventForwarder({ topic: k.topics.events, batchSize: config.ingest.batchSize }, { producer, writer: tapped });
      const pipeline = createPipeline({
        preparer: core.pipeline.preparer,
        // The ingest role detects nothing: detection happens where the principal's state lives.
        detectors: detect ? core.detectors : createDetectorRuntime([]),
        alerts: core.alerts,
        writer,
        metrics: core.metrics,
        maxFutureSeconds: config.ingest.maxFutureSeconds,
        recent: core.recent,
      });
      const raw = createRawHandler(
        { format: k.format, maxMessageBytes: k.maxMessageBytes },
        { pipeline, writer, producer, deadLetters, order: detect ? 'store-first' : 'produce-first', watermark },
      );
      onDead = (d) => raw.onDeadLetter(d);
      return raw;
    }
    if (detect) {
      return createEventsHandler(
        { maxMessageBytes: k.maxMessageBytes },
        { detectors: core.detectors, alerts: core.alerts, writer: core.writer, producer, deadLetters, metrics: core.metrics, watermark, recent: core.recent },
      );
    }
    return undefined;
  }

  function hooksFor(core: Core): PartitionHooks {
    return {
      async onAssigned(partitions) {
        // A partition that moved away must not hold the watermark back (its messages are not ours now).
        watermark.retain(loop?.assignment() ?? []);
        if (!detect) return;
        // Alerts opened by the partitions' previous owner join ours instead of being opened twice.
        // Flush first: reloading must not replace an alert version we have not written yet.
        await core.writer.flush();
        await core.alerts.load();
        await handoff.load(partitions);
      },
      async onRevoked(partitions) {
        // Everything handled is flushed before each commit; this writes anything the HTTP path added.
        await core.writer.flush();
        if (detect) await handoff.save(partitions);
      },
    };
  }

  const consumes = ingest ? k.topics.raw : detect ? k.topics.events : 'none';
  return {
    consumes,
    onAlertsWritten(alerts) {
      if (!detect) return;
      for (const a of alerts) producer.enqueue(k.topics.alerts, { key: a.id, value: JSON.stringify(a) });
    },
    async start(core) {
      const created = await ensureTopics(
        kafka,
        [k.topics.raw, k.topics.events, k.topics.alerts, k.topics.deadLetter].map((topic) => ({ topic, partitions: k.partitions })),
      );
      if (created.length > 0) log.info({ event: 'kafka_topics_created', topics: created, partitions: k.partitions });
      await producer.connect();
      const handler = handlerFor(core);
      if (!handler) return;
      new Gauge({
        name: 'vigil_kafka_event_time_behind_seconds',
        help: "Event time between the slowest consumed partition that has a backlog and the newest event consumed (0: none behind); other principals' windows wait for it",
        registers: [core.registry],
        collect() {
          this.set(watermark.behindMs() / 1000);
        },
      });
      loop = createConsumerLoop(
        {
          groupId: ingest ? k.groupId : k.detectGroupId,
          topics: [consumes],
          fromBeginning: k.fromBeginning,
          // Event topics only: the notify role's alerts are few, and waiting for a fuller fetch would only delay them.
          minBytes: k.fetchMinBytes,
          maxWaitMs: k.fetchMaxWaitMs,
          partitionsConsumedConcurrently: k.partitionsConcurrently,
          ...(deps.tuning?.maxBytesPerPartition ? { maxBytesPerPartition: deps.tuning.maxBytesPerPartition } : {}),
          ...(deps.tuning?.sessionTimeoutMs ? { sessionTimeoutMs: deps.tuning.sessionTimeoutMs } : {}),
        },
        { kafka, logger: deps.logger, handler, hooks: hooksFor(core) },
      );
      loop.done.then(settle.resolve, settle.reject);
      await loop.start();
    },
    async stop() {
      // The loop's own order: stop fetching, flush (store + produce), commit, leave. Then the producer,
      // which the last flush already drained.
      await notifyLoop?.stop();
      await loop?.stop();
      await producer.flush().catch((e: unknown) => log.warn({ event: 'kafka_producer_final_flush_failed', err: e }));
      await producer.disconnect();
      if (!loop) settle.resolve();
    },
    done,
    assignment: () => loop?.assignment() ?? [],
    async startNotify(outbox) {
      const handler = createAlertsHandler({ outbox, deadLetters, flushProducer: () => producer.flush(), logger: deps.logger });
      notifyLoop = createConsumerLoop(
        { groupId: config.notify.kafkaGroupId, topics: [k.topics.alerts], fromBeginning: k.fromBeginning },
        { kafka, logger: deps.logger, handler },
      );
      notifyLoop.done.catch((e: unknown) => settle.reject(e));
      await notifyLoop.start();
    },
  };
}
