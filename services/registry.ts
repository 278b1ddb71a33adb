import type { Config } from '../libs/contracts/index.js';
import type { Detector } from '../detectors/framework.js';
import { createEnumerationDetector } from '../detectors/bola/enumeration/index.js';

/**
 * Every moving part Vigil wires together, in one place. Nothing is discovered at run time:
 * to add a detector, write it under detectors/ and list it here.
 *
 * - Transports (how lines arrive): file replay (services/cli/replay.ts) and HTTP `POST /v1/ingest`
 *   (services/api), both into services/ingest/pipeline.ts.
 * - Tables (libs/store/migrations): events, alerts, dead_letters, api_keys, schema_migrations.
 * - Detectors: below.
 */
export function createDetectors(config: Config): Detector[] {
  return [
    // BOLA enumeration (API1:2023): distinct ids vs the principal's baseline, sequential walks, 403/404 probing.
    createEnumerationDetector(config.detection.enumeration),
  ];
}
