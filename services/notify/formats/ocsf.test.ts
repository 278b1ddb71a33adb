import { describe, expect, test } from 'vitest';
import { sampleAlert } from '../senders/test-support.js';
import { OCSF_VERSION, toOcsfDetectionFinding } from './ocsf.js';

type Json = Record<string, unknown>;
const OPTS = { version: '0.1.0', idempotencyKey: 'alrt_7f3a9c:1' };

/**
 * What OCSF 1.5.0 requires of a Detection Finding, read from ocsf/ocsf-schema tag 1.5.0:
 * "required" attributes and "at_least_one" constraints of events/base_event.json,
 * events/findings/finding.json, events/findings/detection_finding.json, and of the objects this
 * finding uses (objects/metadata.json, product.json via _entity.json, finding_info.json,
 * analytic.json, actor.json, user.json, evidences.json, network_endpoint.json, api.json, url.json,
 * anomaly_analysis.json, anomaly.json, baseline.json, observation.json, analysis_target.json).
 */
const REQUIRED: Record<string, string[]> = {
  '': ['activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid', 'finding_info'],
  metadata: ['product', 'version'],
  'finding_info': ['uid'],
  'finding_info.analytic': ['type_id'],
  'evidences[].api': ['operation'],
  'anomaly_analyses[]': ['analysis_targets', 'anomalies'],
  'anomaly_analyses[].analysis_targets[]': ['name'],
  'anomaly_analyses[].anomalies[]': ['observation_parameter', 'observations'],
  'anomaly_analyses[].anomalies[].observations[]': ['value'],
  'anomaly_analyses[].baselines[]': ['observation_parameter', 'observations'],
  'anomaly_analyses[].baselines[].observations[]': ['value'],
};
const AT_LEAST_ONE: Record<string, string[]> = {
  'metadata.product': ['name', 'uid'],
  'finding_info.analytic': ['name', 'uid'],
  actor: ['process', 'user', 'invoked_by', 'session', 'app_name', 'app_uid'],
  'actor.user': ['account', 'name', 'uid'],
  'evidences[]': ['actor', 'api', 'connection_info', 'data', 'database', 'databucket', 'device', 'dst_endpoint', 'email', 'file', 'process', 'query', 'resources', 'src_endpoint', 'url', 'user', 'job', 'script'],
  'evidences[].src_endpoint': ['ip', 'uid', 'name', 'hostname', 'svc_name', 'instance_uid', 'interface_uid', 'interface_name', 'domain'],
  'evidences[].http_request.url': ['url_string', 'path'],
};
/** Every attribute of the class in 1.5.0 (base_event + finding + detection_finding), plus `actor` of the host profile. */
const CLASS_ATTRIBUTES = new Set([
  'activity_id', 'activity_name', 'anomaly_analyses', 'category_name', 'category_uid', 'class_name', 'class_uid', 'comment',
  'confidence', 'confidence_id', 'confidence_score', 'count', 'device', 'duration', 'end_time', 'enrichments', 'evidences',
  'finding_info', 'impact', 'impact_id', 'impact_score', 'is_alert', 'malware', 'malware_scan_info', 'message', 'metadata',
  'observables', 'raw_data', 'raw_data_size', 'remediation', 'resources', 'risk_details', 'risk_level', 'risk_level_id',
  'risk_score', 'severity', 'severity_id', 'start_time', 'status', 'status_code', 'status_detail', 'status_id', 'time',
  'timezone_offset', 'type_name', 'type_uid', 'unmapped', 'vendor_attributes', 'vulnerabilities', 'actor',
]);

/** The objects at `path` ("a.b[].c"): arrays are walked into. */
function at(root: unknown, path: string): Json[] {
  if (path === '') return [root as Json];
  let nodes: unknown[] = [root];
  for (const part of path.split('.')) {
    const isArray = part.endsWith('[]');
    const key = isArray ? part.slice(0, -2) : part;
    nodes = nodes.flatMap((n) => {
      const v = (n as Json)[key];
      if (v === undefined) return [];
      return isArray ? v : [v];
    });
  }
  return nodes as Json[];
}

function violations(finding: Json): string[] {
  const out: string[] = [];
  for (const [path, attrs] of Object.entries(REQUIRED)) {
    for (const obj of at(finding, path)) for (const a of attrs) if (obj[a] === undefined) out.push(`${path || '(event)'}: missing ${a}`);
  }
  for (const [path, attrs] of Object.entries(AT_LEAST_ONE)) {
    for (const obj of at(finding, path)) if (!attrs.some((a) => obj[a] !== undefined)) out.push(`${path}: needs one of ${attrs.join(', ')}`);
  }
  for (const key of Object.keys(finding)) if (!CLASS_ATTRIBUTES.has(key)) out.push(`unknown attribute ${key}`);
  if (finding.class_uid !== 2004 || finding.category_uid !== 2) out.push('not a Detection Finding');
  if (![1, 2, 3].includes(finding.activity_id as number)) out.push('activity_id not in the finding enum');
  if (finding.type_uid !== 2004 * 100 + (finding.activity_id as number)) out.push('type_uid is not class_uid * 100 + activity_id');
  if (![0, 1, 2, 3, 4, 5, 6, 99].includes(finding.severity_id as number)) out.push('severity_id not in the enum');
  if (![1, 2, 3, 4, 5].includes(finding.status_id as number)) out.push('status_id not in the finding enum');
  if (!Number.isInteger(finding.time)) out.push('time is not a timestamp_t (ms)');
  return out;
}

describe('toOcsfDetectionFinding', () => {
  test('a new alert is a complete Detection Finding: Create', () => {
    const f = toOcsfDetectionFinding(sampleAlert(), OPTS);
    expect(violations(f)).toEqual([]);
    expect(f).toEqual({
      activity_id: 1, activity_name: 'Create', category_uid: 2, category_name: 'Findings', class_uid: 2004,
      class_name: 'Detection Finding', type_uid: 200401, type_name: 'Detection Finding: Create',
      time: 1772443182000, start_time: 1772442845120, end_time: 1772443181507, count: 3,
      severity_id: 4, severity: 'High', status_id: 1, status: 'New', status_detail: 'open',
      message: 'user:tok_5b1e0f2a read 46 distinct Patient ids within 300s (baseline 4.2)',
      is_alert: true, confidence_score: 82, confidence_id: 3, confidence: 'High',
      metadata: {
        version: '1.5.0', product: { name: 'Vigil', vendor_name: 'Vigil', version: '0.1.0' },
        uid: 'alrt_7f3a9c:1', correlation_uid: 'alrt_7f3a9c', profiles: ['host'],
      },
      finding_info: {
        uid: 'alrt_7f3a9c',
        title: 'bola-enumeration: Broken Object Level Authorization on /fhir/Patient/{id}',
        desc: 'user:tok_5b1e0f2a read 46 distinct Patient ids within 300s (baseline 4.2)',
        types: ['OWASP API1:2023 Broken Object Level Authorization'],
        analytic: { name: 'bola-enumeration', type_id: 2, type: 'Behavioral' },
        first_seen_time: 1772442845120, last_seen_time: 1772443181507, created_time: 1772443182000, modified_time: 1772443182000,
      },
      actor: { user: { uid: 'user:tok_5b1e0f2a' }, app_name: 'portal-web' },
      evidences: [
        {
          actor: { user: { uid: 'user:tok_5b1e0f2a' }, app_name: 'portal-web' },
          src_endpoint: { ip: '203.0.113.7' },
          api: { operation: 'GET /fhir/Patient/{id}' },
          http_request: { http_method: 'GET', url: { path: '/fhir/Patient/{id}' } },
        },
      ],
      anomaly_analyses: [
        {
          analysis_targets: [{ name: 'user:tok_5b1e0f2a', type: 'Principal' }, { name: '/fhir/Patient/{id}', type: 'API Route' }],
          anomalies: [
            {
              observation_parameter: 'observed', observed_pattern: 'distinct_ids',
              observations: [{ value: '46', count: 3, timespan: { start_time: 1772442845120, end_time: 1772443181507 } }],
            },
          ],
          baselines: [
            { observation_parameter: 'observed', observation_type: 'baseline', observations: [{ value: '4.2' }] },
            { observation_parameter: 'observed', observation_type: 'threshold', observations: [{ value: '20' }] },
          ],
        },
      ],
      unmapped: {
        detector: 'bola-enumeration', owasp: 'API1:2023', alert_version: 1, source_ips: ['203.0.113.7', '198.51.100.20'],
        sample_event_ids: ['ev_01', 'ev_02'], evidence: sampleAlert().evidence,
      },
    });
    expect(OCSF_VERSION).toBe('1.5.0');
  });

  test('later versions are Update, resolved and false positives are Close; severities and statuses map', () => {
    const cases = [
      [sampleAlert({ version: 2, status: 'acknowledged', severity: 'low' }), 2, 200402, 2, 2, 'In Progress'],
      [sampleAlert({ version: 3, status: 'resolved', severity: 'medium' }), 3, 200403, 3, 4, 'Resolved'],
      [sampleAlert({ version: 4, status: 'false_positive', severity: 'critical' }), 3, 200403, 5, 3, 'Suppressed'],
    ] as const;
    for (const [alert, activity, typeUid, severity, status, statusName] of cases) {
      const f = toOcsfDetectionFinding(alert, OPTS);
      expect(violations(f)).toEqual([]);
      expect([f.activity_id, f.type_uid, f.severity_id, f.status_id, f.status]).toEqual([activity, typeUid, severity, status, statusName]);
      expect((f.finding_info as Json).created_time).toBeUndefined();
    }
  });

  test('evidence without measured values, an unknown method and no source IP still validate', () => {
    const alert = sampleAlert({ evidence: { pattern: 'foreign_object_access', observed: { foreignObjects: 2 }, baseline: { owner: 'user:tok_9' } }, sourceIps: ['unknown'], app: undefined });
    const f = toOcsfDetectionFinding(alert, OPTS);
    expect(violations(f)).toEqual([]);
    expect(f.evidences).toEqual([{ actor: { user: { uid: 'user:tok_5b1e0f2a' } }, api: { operation: '/fhir/Patient/{id}' }, http_request: { url: { path: '/fhir/Patient/{id}' } } }]);
    const analysis = (f.anomaly_analyses as Json[])[0] as Json;
    expect(analysis.anomalies).toEqual([{ observation_parameter: 'observed', observed_pattern: 'foreign_object_access', observations: [{ value: '{"foreignObjects":2}', count: 3, timespan: { start_time: 1772442845120, end_time: 1772443181507 } }] }]);
    expect(analysis.baselines).toEqual([{ observation_parameter: 'observed', observation_type: 'baseline', observations: [{ value: '{"owner":"user:tok_9"}' }] }]);
    const bare = toOcsfDetectionFinding(sampleAlert({ evidence: {} }), OPTS);
    expect(violations(bare)).toEqual([]);
    expect((bare.anomaly_analyses as Json[])[0]).toEqual({
      analysis_targets: [{ name: 'user:tok_5b1e0f2a', type: 'Principal' }, { name: '/fhir/Patient/{id}', type: 'API Route' }],
      anomalies: [{ observation_parameter: 'bola-enumeration', observed_pattern: 'bola-enumeration', observations: [{ value: sampleAlert().summary, count: 3, timespan: { start_time: 1772442845120, end_time: 1772443181507 } }] }],
    });
  });

  test('the validator catches a finding missing required attributes', () => {
    const f = toOcsfDetectionFinding(sampleAlert(), OPTS);
    const broken = { ...f, metadata: { product: {} }, finding_info: { title: 'x' }, extra: 1 };
    expect(violations(broken)).toEqual(['metadata: missing version', 'finding_info: missing uid', 'metadata.product: needs one of name, uid', 'unknown attribute extra']);
  });
});
