import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../../../libs/log/index.js';
import { defineRoute, type Route } from '../route.js';
import { HealthSchema, ReadinessSchema } from '../schemas.js';

/** Liveness, readiness and metrics: what orchestrators and Prometheus poll. */
export function opsRoutes(deps: { ready: () => Promise<boolean>; registry: Registry; logger: Logger }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness: the process answers HTTP.',
      tag: 'ops',
      access: 'public',
      responses: { 200: { description: 'Alive.', schema: HealthSchema } },
      handler: () => ({ status: 200, json: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: the store is reachable and the pipeline is running.',
      tag: 'ops',
      access: 'public',
      responses: {
        200: { description: 'Ready.', schema: ReadinessSchema },
        503: { description: 'Not ready.', schema: ReadinessSchema },
      },
      handler: async () => {
        let ready = false;
        try {
          ready = await deps.ready();
        } catch (err) {
          // A failing probe means "not ready", not a 500: load balancers only read the status.
          deps.logger.warn({ err }, 'readiness_probe_failed');
        }
        return ready ? { status: 200, json: { status: 'ready' } } : { status: 503, json: { status: 'not_ready' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics, text exposition format.',
      tag: 'ops',
      access: 'viewer',
      responses: { 200: { description: 'Metrics.', schema: z.string(), contentType: 'text/plain; version=0.0.4' } },
      handler: async () => ({ status: 200, text: await deps.registry.metrics(), contentType: deps.registry.contentType }),
    }),
  ];
}
