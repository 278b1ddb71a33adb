import type { Config } from '../libs/contracts/index.js';
import type { Tokenizer } from '../libs/privacy/index.js';
import type { Detector } from '../detectors/framework.js';
import { createEnumerationDetector } from '../detectors/bola/enumeration/index.js';
import { createForeignObjectDetector } from '../detectors/bola/foreign-object/index.js';
import { createAsyncRequestDetector } from '../detectors/bola/async-request/index.js';
import { createPatientContextDetector } from '../detectors/bola/patient-context/index.js';
import { createSubjectContextDetector } from '../detectors/bola/subject-context/index.js';
import { createBflaDetector } from '../detectors/bfla/index.js';
import { createCredentialStuffingDetector } from '../detectors/credential-stuffing/index.js';
import { createFlowAbuseDetector } from '../detectors/flow-abuse/index.js';
import { createScopeViolationDetector } from '../detectors/scope-violation/index.js';
import { createTokenMisuseDetector } from '../detectors/token-misuse/index.js';
import { createExfilDetector } from '../detectors/data-exfiltration/index.js';
import { createRateDetector } from '../detectors/rate/index.js';
import { createTraitsMemo, type TraitsMemo } from '../detectors/principal-traits.js';
import { createScrapingDetector } from '../detectors/scraping/index.js';

/**
 * Every moving part Vigil wires together, in one place. Nothing is discovered at run time:
 * to add a detector, write it under detectors/ and list it here.
 *
 * - Transports (how lines arrive): file replay (services/cli/replay.ts), HTTP `POST /v1/ingest`
 *   (services/api) and Kafka (services/kafka, through the one consumer loop in libs/kafka), all into
 *   services/ingest/pipeline.ts.
 * - Kafka topics (libs/kafka/topics.ts, names configurable): `vigil.mirror.raw` (raw gateway lines in),
 *   `vigil.events` (normalized events keyed by principal, ingest role -> detect role),
 *   `vigil.alerts` (every alert version out), `vigil.deadletter` (unparseable input with reason headers).
 * - Tables (libs/store/migrations): events, alerts, dead_letters, api_keys, baselines,
 *   suppressions, schema_migrations.
 * - Detectors: below, each with its OWASP API Security Top 10 2023 category.
 * - SIEM delivery (services/notify, the notify role): tables destinations and deliveries (the
 *   outbox); fed by the alert manager's onWritten hook, or in Kafka split mode by consuming
 *   `vigil.alerts` in its own group (notify.kafkaGroupId, default vigil-notify).
 * - API inventory (services/inventory, wired in services/core.ts around the detectors): tables
 *   inventory_routes and api_specs; findings inventory/shadow-route, inventory/zombie-route,
 *   inventory/undocumented-param (API9:2023) and inventory/unauthenticated-data (API2:2023).
 */
export interface DetectorDeps {
  /**
   * The tokenizer events are built with. `bola/enumeration` saves a sequential walk's previous id as
   * its token (never the raw number) and needs it to continue the walk after a restore or handoff.
   */
  tokenizer?: Pick<Tokenizer, 'token'>;
  /** The principal traits memo to share (services/core.ts hands the same one to the inventory); default: a new one. */
  traits?: TraitsMemo;
}

export function createDetectors(config: Config, deps: DetectorDeps = {}): Detector[] {
  // One memo of what a principal's app and scopes say (cohort key, scope set, access level) for the
  // eight detectors that need it: one lookup by principal id per event, not one per detector.
  // `undefined` configs: those detectors take their defaults.
  const shared = { traits: deps.traits ?? createTraitsMemo() };
  return [
    // API1 BOLA: distinct ids vs the principal's baseline, sequential walks, 403/404 probing.
    createEnumerationDetector(config.detection.enumeration, { tokenizer: deps.tokenizer }),
    // API1 BOLA: a patient-bound token reading another patient's compartment.
    createPatientContextDetector(),
    // API1 BOLA: a principal that keeps to one record of a type its cohort has one each of (a member, an account) using another.
    createSubjectContextDetector(undefined, shared),
    // API1 BOLA: objects owned by another principal (authored via 201, bound by a patient claim, or learned).
    createForeignObjectDetector(undefined, shared),
    // API1 BOLA: the status URL of an asynchronous request (a 202's, e.g. a bulk export) another principal started.
    createAsyncRequestDetector(),
    // API1/API5: requests the principal's SMART scopes do not cover, answered 2xx anyway.
    createScopeViolationDetector(undefined, shared),
    // API5 BFLA: privileged routes/methods the principal's cohort never uses.
    createBflaDetector(undefined, shared),
    // API2: authentication failure bursts by IP/subnet, success after failures (account takeover).
    createCredentialStuffingDetector(),
    // API2: one token or principal from many networks or user agents.
    createTokenMisuseDetector(undefined, shared),
    // API6: repeated state changes on one object, skipped steps, unseen transitions.
    createFlowAbuseDetector(undefined, shared),
    // API6: pagination walking, _count inflation, search volume far above baseline.
    createScrapingDetector(undefined, shared),
    // API3: response volume far above baseline; bulk $export/$everything/_include by newcomers.
    createExfilDetector(undefined, shared),
    // API4: request rate per route far above the principal's (or cohort's) baseline.
    createRateDetector(undefined, shared),
  ] as Detector[];
}
