import { Counter, Gauge, type Registry } from 'prom-client';

/** Pipeline metrics, registered on the process registry that GET /metrics serves. */
export function createPipelineMetrics(registry: Registry) {
  return {
    events: new Counter({
      name: 'vigil_events_total',
      help: 'Events parsed, normalized and handed to detection, by input format',
      labelNames: ['format'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'vigil_dead_letters_total',
      help: 'Input items that could not become events and went to the dead-letter table',
      labelNames: ['format'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'vigil_duplicate_events_total',
      help: 'Events left out as copies of one seen lately (delivered again by a shipper or gateway), by input format',
      labelNames: ['format'],
      registers: [registry],
    }),
    findings: new Counter({
      name: 'vigil_findings_total',
      help: 'Detector findings, by detector',
      labelNames: ['detector'],
      registers: [registry],
    }),
    flushes: new Counter({
      name: 'vigil_store_flushes_total',
      help: 'Batched writes to the store, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    buffered: new Gauge({
      name: 'vigil_buffered_rows',
      help: 'Rows waiting to be written to the store',
      registers: [registry],
    }),
  };
}
export type PipelineMetrics = ReturnType<typeof createPipelineMetrics>;
