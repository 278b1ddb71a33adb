import { VigilError, isVigilError } from '../../libs/errors/index.js';
import { createOidcVerifier } from '../../libs/auth/index.js';
import { createConsoleSso } from '../../libs/auth/index.js';
import { createApiApp } from '../api/index.js';
import { listenApi, loadTls, type Listening } from '../api/server.js';
import { createCore } from '../core.js';
import { createFileFollower } from '../ingest/follow.js';
import { createFollowPositionStore } from '../ingest/follow-positions.js';
import { createOrdinals } from '../ingest/ordinals.js';
import type { Alert } from '../../libs/contracts/index.js';
import { createNotifier, type Notifier } from '../notify/index.js';
import { createKafkaRoles } from '../kafka/index.js';
import { createConfiguredHandoff } from '../kafka/handoff.js';
import { cliConfig, type CliIo } from './context.js';
import { readRunInfo, removeRunInfo, writeRunInfo } from './run-info.js';
import { createAlertFeed, startKafkaAlertFeed } from '../api/routes/stream.js';
import { createKafkaLagProbe } from '../api/routes/overview.js';
import { originsOf } from '../api/console-static.js';
import { createKafkaClient } from '../../libs/kafka/index.js';

const VERSION = '0.1.0';

export interface Running {
  url: string;
  /** Resolves with the exit code once the process has shut down. */
  done: Promise<number>;
  stop(): Promise<void>;
}

/**
 * `vigil start`: API + HTTP ingest + pipeline with embedded defaults; with Kafka brokers configured,
 * also the consumer loop the roles need (`--roles`, default all; services/kafka). Stops on
 * SIGINT/SIGTERM: stop accepting requests, stop the Kafka loop (stop fetching, flush, commit,
 * disconnect), flush buffered rows, close the store, in that order. A Kafka loop failure stops the
 * process with exit code 1; a restart resumes from the last commit.
 */
export async function startVigil(io: CliIo, flags: Record<string, unknown>, opts: { handleSignals: boolean }): Promise<Running> {
  // --kafka-brokers / --roles reach the config as their environment variables (flags win over env).
  const kafkaEnv = Object.fromEntries(
    Object.entries({ KAFKA_BROKERS: flags['kafka-brokers'], VIGIL_ROLES: flags.roles }).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  const { config, logger } = cliConfig({ ...io, env: { ...io.env, ...kafkaEnv } }, flags, false);
  const roles = new Set(config.roles);
  // Followed files' saved positions, read before anything starts: a file that cannot be read fails
  // the start here, with nothing to undo.
  const followPositions = config.ingest.follow.length > 0 ? createFollowPositionStore(config.dataDir) : undefined;
  const followSaved = followPositions?.load();
  // Detector baselines follow their principals' partitions between detect instances (docs/baselines.md).
  const handoff = config.kafka.brokers.length > 0 && roles.has('detect') && !roles.has('ingest') ? createConfiguredHandoff(config, logger) : undefined;
  const kafka = config.kafka.brokers.length > 0 ? createKafkaRoles(config, { logger, ...(handoff ? { handoff } : {}) }) : undefined;
  if (!kafka && !roles.has('api')) {
    throw new VigilError('config_invalid', 'roles without api need Kafka (KAFKA_BROKERS or --kafka-brokers): without it the API is the only way in');
  }
  // SIEM delivery (services/notify), built once the store is open. With detect in this process the
  // alert hook enqueues directly; a notify role apart from detect consumes vigil.alerts instead.
  let notifier: Notifier | undefined;
  const notifyHook = (a: readonly Alert[]): void => {
    if (roles.has('notify')) notifier?.onAlertsWritten(a);
  };
  // Live alert versions for the console (GET /v1/alerts/stream): every version this process's alert
  // manager writes (findings flushed, triage). An api process without detect under Kafka also
  // consumes vigil.alerts for it (started below).
  const alertFeed = createAlertFeed();
  let core;
  try {
    core = await createCore(config, {
      logger,
      onAlertsWritten: (a) => {
        kafka?.onAlertsWritten(a);
        notifyHook(a);
        alertFeed.publish(a);
      },
    });
  } catch (e) {
    if (isVigilError(e) && e.code === 'data_dir_locked') {
      const info = readRunInfo(config.dataDir);
      throw new Error(`${config.dataDir} is already used by a running Vigil${info ? ` (pid ${info.pid}, ${info.url})` : ''}; stop it or pick another --data-dir`, { cause: e });
    }
    throw e;
  }
  handoff?.attach(core, () => kafka?.assignment() ?? []);
  // The API manages destinations whether or not this process delivers (the store is shared).
  if (roles.has('notify') || roles.has('api')) notifier = createNotifier(config.notify, { store: core.store, logger, registry: core.registry, version: VERSION, env: io.env });
  const ordinals = createOrdinals();
  let ready = true;
  let server: Listening | undefined;
  let url = '';
  // Consumer lag for GET /v1/overview: one admin client, connected on first use.
  const kafkaAdmin = kafka && roles.has('api') ? createKafkaClient(config.kafka, { logger }).admin() : undefined;
  let kafkaAlertFeed: { stop(): Promise<void> } | undefined;
  if (roles.has('api')) {
    // Read (and check) the certificate before anything listens: a bad path fails the start.
    const tls = loadTls(config.api);
    const app = createApiApp(
      {
        maxBodyBytes: config.ingest.maxBodyBytes,
        trustProxy: config.trustProxy,
        tls: tls !== undefined,
        rateLimit: { perMinute: config.api.rateLimitPerMinute, ingestPerMinute: config.api.ingestRateLimitPerMinute },
        session: { ttlSeconds: config.api.sessionTtlSeconds, idleSeconds: config.api.sessionIdleSeconds },
        consoleConnectSrc: originsOf([config.auth.oidc?.issuer]),
      },
      {
        store: core.store,
        logger,
        registry: core.registry,
        keys: core.keys,
        ingest: (body, format, source) => core.pipeline.ingestBody(body, format, source, ordinals),
        alerts: core.alerts,
        suppressions: core.suppressor,
        ...(notifier ? { notify: notifier.destinations } : {}),
        inventory: { staleDays: config.inventory.staleDays, putSpec: core.inventory.putSpec, deleteSpec: core.inventory.deleteSpec },
        ready: async () => ready && (await core.store.ping()),
        version: VERSION,
        audit: { log: core.audit, tokenizer: core.tokenizer },
        keyring: core.keyring,
        alertFeed,
        ...(kafkaAdmin
          ? {
              ingestLag: createKafkaLagProbe(kafkaAdmin, [
                { groupId: config.kafka.groupId, topic: config.kafka.topics.raw },
                { groupId: config.kafka.detectGroupId, topic: config.kafka.topics.events },
              ]),
            }
          : {}),
        ...(config.auth.oidc ? { oidc: createOidcVerifier(config.auth.oidc, { logger }) } : {}),
        ...(config.auth.oidc ? { consoleSso: createConsoleSso(config.auth.oidc, { logger }) } : {}),
      },
    );
    server = await listenApi(app, { host: config.host, port: config.port, tls });
    url = server.url;
  }
  core.writer.start();
  if (notifier && roles.has('notify')) {
    // Config destinations synced and the outbox reconciled before the first alert or Kafka message.
    try {
      await notifier.start();
    } catch (e) {
      await server?.close();
      await notifier.stop();
      await core.close();
      throw e;
    }
  }
  if (kafka) {
    try {
      await kafka.start(core);
      if (notifier && roles.has('notify') && !roles.has('detect')) await kafka.startNotify(notifier.outbox);
      if (roles.has('api') && !roles.has('detect')) {
        kafkaAlertFeed = await startKafkaAlertFeed(createKafkaClient(config.kafka, { logger }), { topic: config.kafka.topics.alerts, groupPrefix: 'vigil-console' }, { feed: alertFeed, logger });
      }
    } catch (e) {
      await kafka.stop().catch(() => undefined);
      await server?.close();
      await notifier?.stop();
      await core.close();
      throw e;
    }
  }
  if (url && !config.clickhouse.url) {
    const key = writeRunInfo(config.dataDir, {
      url,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      // The CLI pins this exact certificate when it calls back over https (services/cli/api-client.ts).
      ...(server?.tls && config.api.tlsCertFile
        ? { tls: { certFile: config.api.tlsCertFile, certSha256: server.tls.certSha256, ...(config.api.tlsCaFile ? { caFile: config.api.tlsCaFile } : {}) } }
        : {}),
    });
    core.keys.addEphemeralKey(key, 'admin');
  }
  // Log files on this machine, as their gateway writes them (after the writer starts: it stores their rows).
  const follower =
    followPositions && followSaved
      ? createFileFollower(
          { files: config.ingest.follow, from: config.ingest.followFrom },
          { pipeline: core.pipeline, writer: core.writer, positions: followPositions, saved: followSaved, logger, registry: core.registry },
        )
      : undefined;
  logger.info({ event: 'vigil_started', url, data_dir: config.dataDir, embedded: !config.clickhouse.url, roles: config.roles, kafka: kafka?.consumes ?? 'off' });
  if (url) io.out(`Vigil listening on ${url} (data dir ${config.dataDir})`);
  if (follower) io.out(`Vigil following ${config.ingest.follow.join(', ')} (positions in ${config.dataDir}/follow)`);
  if (kafka) io.out(`Vigil consuming ${kafka.consumes} from Kafka (roles ${config.roles.join(',')}, data dir ${config.dataDir})`);
  if (url && (await core.keys.list()).length === 0) {
    io.out('No API keys yet: create one with `npx vigil keys create --role admin`');
  }

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolveDone = r));
  /** 1 once a failure (not a signal) is what stops the process. */
  let exitCode = 0;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      ready = false;
      logger.info({ event: 'vigil_stopping' });
      // Console streams first: an open SSE answer would keep server.close() waiting forever.
      alertFeed.close();
      await kafkaAlertFeed?.stop();
      // Stop taking requests first, so nothing arrives after the final flush.
      await server?.close();
      // Then the Kafka loop and the followed files: what they read is stored, and their
      // positions saved, before the store closes.
      await kafka?.stop();
      await follower?.stop();
      // Then the delivery worker: in-flight attempts finish and are stored before the store closes.
      await notifier?.stop();
      await core.close();
      await kafkaAdmin?.disconnect();
      if (url && !config.clickhouse.url) removeRunInfo(config.dataDir);
      logger.info({ event: 'vigil_stopped' });
      logger.flush();
      resolveDone(exitCode);
    })());
  // The first Kafka failure, or the prepare worker dying, ends the process: shut down what is left
  // and exit 1 (a supervisor restarts it; Kafka resumes from the last commit).
  const fatal = (what: string) => (e: unknown) => {
    io.err(`vigil: ${what} stopped: ${e instanceof Error ? e.message : String(e)}\n`);
    exitCode = 1;
    // stop() resolves `done` with exitCode; only a failed stop needs resolving here.
    stop().catch(() => resolveDone(1));
  };
  kafka?.done.catch(fatal('kafka consumer'));
  follower?.done.catch(fatal('file follower'));
  core.pipeline.preparer.done.catch(fatal('prepare worker'));
  if (opts.handleSignals) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        stop().catch((e: unknown) => {
          logger.error({ event: 'shutdown_failed', err: e });
          resolveDone(1);
        });
      });
    }
  }
  return { url, done, stop };
}
