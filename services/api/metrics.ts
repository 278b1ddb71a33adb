import { Histogram, type Registry } from 'prom-client';

export const HTTP_DURATION_METRIC = 'vigil_http_request_duration_seconds';

export type HttpDuration = Histogram<'method' | 'route' | 'status'>;

/**
 * Request latency by route template (never the raw path: ids would explode cardinality and leak
 * principals into metrics). Reuses the histogram when the registry already has it, so two apps on
 * one registry (tests, a restart in-process) do not throw on duplicate registration.
 */
export function createHttpMetrics(registry: Registry): HttpDuration {
  const existing = registry.getSingleMetric(HTTP_DURATION_METRIC);
  if (existing instanceof Histogram) return existing;
  return new Histogram({
    name: HTTP_DURATION_METRIC,
    help: 'HTTP API request duration in seconds, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
