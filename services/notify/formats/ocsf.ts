// An alert as an OCSF Detection Finding (class 2004), schema 1.5.0: the first 1.x release with
// `anomaly_analyses`, where the baseline deviation a behavioural detector saw belongs. Attribute
// names and enums are those of ocsf/ocsf-schema tag 1.5.0 (events/findings/detection_finding.json,
// finding.json, base_event.json and the objects they use); formats/ocsf.test.ts checks the
// required ones.
import { isIP } from 'node:net';
import type { Alert, AlertStatus, Severity } from '../../../libs/contracts/index.js';
import { anomalyAnalyses } from './ocsf-anomaly.js';

export const OCSF_VERSION = '1.5.0';

const SEVERITY_ID: Record<Severity, number> = { low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME: Record<Severity, string> = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };

/** finding.json status_id: 1 New, 2 In Progress, 3 Suppressed, 4 Resolved. */
const STATUS: Record<AlertStatus, [number, string]> = {
  open: [1, 'New'],
  acknowledged: [2, 'In Progress'],
  resolved: [4, 'Resolved'],
  // Marking an alert false_positive creates a suppression rule for its near-duplicates.
  false_positive: [3, 'Suppressed'],
};

/** OWASP API Security Top 10 2023 names, for finding_info.types. */
export const OWASP_2023: Record<string, string> = {
  'API1:2023': 'Broken Object Level Authorization',
  'API2:2023': 'Broken Authentication',
  'API3:2023': 'Broken Object Property Level Authorization',
  'API4:2023': 'Unrestricted Resource Consumption',
  'API5:2023': 'Broken Function Level Authorization',
  'API6:2023': 'Unrestricted Access to Sensitive Business Flows',
  'API7:2023': 'Server Side Request Forgery',
  'API8:2023': 'Security Misconfiguration',
  'API9:2023': 'Improper Inventory Management',
  'API10:2023': 'Unsafe Consumption of APIs',
};

const HTTP_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'TRACE']);

export interface OcsfOptions {
  /** Vigil's version: metadata.product.version. */
  version: string;
  /** `<alert id>:<alert version>`: metadata.uid, unique per finding record. */
  idempotencyKey: string;
}

/**
 * activity: 1 Create for an alert's first version, 3 Close once it is resolved or a false
 * positive, 2 Update for every other later version.
 */
function activity(alert: Alert): [number, string] {
  if (alert.version === 1) return [1, 'Create'];
  if (alert.status === 'resolved' || alert.status === 'false_positive') return [3, 'Close'];
  return [2, 'Update'];
}

function confidenceId(c: number): [number, string] {
  if (c >= 0.8) return [3, 'High'];
  if (c >= 0.5) return [2, 'Medium'];
  return [1, 'Low'];
}

/** An object of the alert's OCSF Detection Finding (a plain JSON value). */
export function toOcsfDetectionFinding(alert: Alert, opts: OcsfOptions): Record<string, unknown> {
  const [activityId, activityName] = activity(alert);
  const [statusId, statusName] = STATUS[alert.status];
  const [confId, confName] = confidenceId(alert.confidence);
  const firstSeen = Date.parse(alert.firstSeen);
  const lastSeen = Date.parse(alert.lastSeen);
  const updated = Date.parse(alert.updatedAt);
  const method = typeof alert.evidence.method === 'string' ? alert.evidence.method.toUpperCase() : undefined;
  const sourceIp = alert.sourceIps.find((ip) => isIP(ip) !== 0);
  const owaspName = OWASP_2023[alert.owasp];
  const actor = { user: { uid: alert.principal }, ...(alert.app === undefined ? {} : { app_name: alert.app }) };
  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2004,
    class_name: 'Detection Finding',
    type_uid: 200400 + activityId,
    type_name: `Detection Finding: ${activityName}`,
    // When this version of the finding was made; the activity's own times are start/end_time.
    time: updated,
    start_time: firstSeen,
    end_time: lastSeen,
    count: alert.count,
    severity_id: SEVERITY_ID[alert.severity],
    severity: SEVERITY_NAME[alert.severity],
    status_id: statusId,
    status: statusName,
    status_detail: alert.status,
    message: alert.summary,
    is_alert: true,
    confidence_score: Math.round(alert.confidence * 100),
    confidence_id: confId,
    confidence: confName,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Vigil', vendor_name: 'Vigil', version: opts.version },
      uid: opts.idempotencyKey,
      correlation_uid: alert.id,
      // The host profile brings the top-level `actor`.
      profiles: ['host'],
    },
    finding_info: {
      uid: alert.id,
      title: `${alert.detector}: ${owaspName ?? alert.owasp} on ${alert.route}`,
      desc: alert.summary,
      types: [owaspName === undefined ? `OWASP ${alert.owasp}` : `OWASP ${alert.owasp} ${owaspName}`],
      analytic: { name: alert.detector, type_id: 2, type: 'Behavioral' },
      first_seen_time: firstSeen,
      last_seen_time: lastSeen,
      ...(alert.version === 1 ? { created_time: updated } : {}),
      modified_time: updated,
    },
    actor,
    evidences: [
      {
        actor,
        ...(sourceIp === undefined ? {} : { src_endpoint: { ip: sourceIp } }),
        api: { operation: method === undefined ? alert.route : `${method} ${alert.route}` },
        http_request: {
          ...(method !== undefined && HTTP_METHODS.has(method) ? { http_method: method } : {}),
          url: { path: alert.route },
        },
      },
    ],
    anomaly_analyses: anomalyAnalyses(alert),
    unmapped: {
      detector: alert.detector,
      owasp: alert.owasp,
      alert_version: alert.version,
      source_ips: alert.sourceIps,
      sample_event_ids: alert.sampleEventIds,
      evidence: alert.evidence,
      ...(alert.note === undefined ? {} : { note: alert.note }),
    },
  };
}
