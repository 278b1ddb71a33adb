import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Response } from 'express';
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { AlertSchema, type Alert } from '../../../libs/contracts/index.js';
import type { Logger } from '../../../libs/log/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import { defineRoute, type Route } from '../route.js';

/** A comment line this often keeps proxies and the browser from timing the stream out. */
export const PING_MS = 15_000;
/** Bytes a client may have unsent before it counts as too slow and is dropped (it reconnects). */
export const MAX_CLIENT_BUFFER_BYTES = 1024 * 1024;
/** What EventSource waits before reconnecting after the stream ends. */
const RETRY_MS = 3_000;

/**
 * Alert versions as the alert manager writes them (its onWritten hook), fanned out to every
 * connected SSE client. One per process; `vigil start` gives its `publish` to the alert manager.
 */
export interface AlertFeed {
  publish(alerts: readonly Alert[]): void;
  /** Streams every later alert to `res`; returns the unsubscribe function. */
  attach(res: Response): () => void;
  /** Ends every stream (shutdown: an open stream would keep server.close() waiting forever). */
  close(): void;
  clients(): number;
}

/** One SSE event: `id: <alert id>:<version>`, `event: alert`, the alert as JSON on one data line. */
export function alertEvent(a: Alert): string {
  return `id: ${a.id}:${a.version}\nevent: alert\ndata: ${JSON.stringify(a)}\n\n`;
}

export function createAlertFeed(opts: { pingMs?: number; maxClientBufferBytes?: number } = {}): AlertFeed {
  const pingMs = opts.pingMs ?? PING_MS;
  const maxBuffer = opts.maxClientBufferBytes ?? MAX_CLIENT_BUFFER_BYTES;
  const clients = new Set<Response>();
  let timer: NodeJS.Timeout | undefined;

  /** Writes, or drops a client whose socket cannot keep up: the buffer per client stays bounded. */
  function send(res: Response, text: string): void {
    if (res.writableLength + Buffer.byteLength(text) > maxBuffer) {
      clients.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }

  function syncTimer(): void {
    if (clients.size > 0 && timer === undefined) {
      timer = setInterval(() => {
        for (const res of clients) send(res, ': ping\n\n');
      }, pingMs);
      // Never the reason the process stays up.
      timer.unref();
    } else if (clients.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    publish(alerts) {
      if (clients.size === 0) return;
      const text = alerts.map(alertEvent).join('');
      for (const res of clients) send(res, text);
    },
    attach(res) {
      clients.add(res);
      syncTimer();
      const detach = (): void => {
        clients.delete(res);
        syncTimer();
      };
      res.once('close', detach);
      return detach;
    },
    close() {
      for (const res of clients) res.end();
      clients.clear();
      syncTimer();
    },
    clients: () => clients.size,
  };
}

/**
 * Kafka split roles: an API process without detect hears of alert versions from vigil.alerts. Its
 * consumer group is unique to the process (every API instance must see every alert, unlike a
 * work-sharing group), starts at the end (live updates only; history is GET /v1/alerts), and
 * commits nothing that matters: losing a message costs one live row, never data. NOTE: each start
 * leaves an idle group on the broker until offsets.retention.minutes expires it.
 */
export async function startKafkaAlertFeed(kafka: Kafka, opts: { topic: string; groupPrefix: string }, deps: { feed: AlertFeed; logger: Logger }): Promise<{ stop(): Promise<void> }> {
  const log = deps.logger.child({ component: 'alert-stream-consumer' });
  const groupId = `${opts.groupPrefix}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [opts.topic], fromBeginning: false });
  await consumer.run({
    eachMessage: ({ message }) => {
      let value: unknown;
      try {
        value = JSON.parse(message.value?.toString('utf8') ?? 'null');
      } catch {
        value = undefined;
      }
      const parsed = AlertSchema.safeParse(value);
      if (parsed.success) deps.feed.publish([parsed.data]);
      // Not an alert: the notify role dead-letters it; here it is only not shown live.
      else log.warn({ event: 'alert_stream_message_skipped', offset: message.offset });
      return Promise.resolve();
    },
  });
  log.info({ event: 'alert_stream_consumer_started', group: groupId, topic: opts.topic });
  return { stop: () => consumer.disconnect() };
}

/** GET /v1/alerts/stream: live alert versions as server-sent events. */
export function streamRoutes(deps: { feed: AlertFeed }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/alerts/stream',
      operationId: 'streamAlerts',
      summary: 'Every alert version written from now on, as server-sent events (event: alert).',
      description:
        'Needs `Accept: text/event-stream` (EventSource sends it); other clients get 406. Each event has ' +
        '`id: <alert id>:<version>` and the Alert as JSON in `data`; a `: ping` comment comes every 15 s. ' +
        'Last-Event-ID is ignored: after a reconnect, re-read GET /v1/alerts for what was missed. A client ' +
        'that reads too slowly (1 MiB unsent) is disconnected.',
      tag: 'alerts',
      access: 'viewer',
      errors: [406],
      responses: { 200: { description: 'An endless event stream.', schema: z.string(), contentType: 'text/event-stream' } },
      handler: ({ req }) => {
        const res = req.res;
        // NOTE: without the explicit Accept, curl, fuzzers and plain fetch() would hang on an
        // endless answer they did not ask for.
        if (!res || !(req.get('accept') ?? '').includes('text/event-stream')) {
          throw new VigilError('not_acceptable', 'stream without Accept: text/event-stream', {
            publicMessage: 'this route streams server-sent events: send Accept: text/event-stream',
          });
        }
        res.status(200);
        res.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
        res.flushHeaders();
        res.write(`retry: ${RETRY_MS}\n: connected\n\n`);
        deps.feed.attach(res);
        return { status: 200, streamed: true };
      },
    }),
  ];
}
