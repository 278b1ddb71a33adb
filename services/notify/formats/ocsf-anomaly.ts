// The baseline deviation of an alert as OCSF 1.5 `anomaly_analyses` (objects anomaly_analysis,
// anomaly, baseline, observation). Detectors write their evidence in a few shapes (see
// detectors/*/index.ts): `observed` + `baseline` (+ `window`), or a measured count
// (`observedPerWindow`, `observedBytes`, `distinct`, ...) beside `baselineMean...` and `threshold...`.
// The first key found of each list below is used; the whole evidence also goes to `unmapped`.
import type { Alert } from '../../../libs/contracts/index.js';

const OBSERVED_KEYS = ['observed', 'observedPerWindow', 'observedBytes', 'distinct', 'repeats', 'failures', 'walkLength', 'switches', 'log10Chance'];
const BASELINE_KEYS = ['baselineMean', 'baselineMeanBytes', 'baselinePerWindow', 'baselineFailures', 'baseline'];
const THRESHOLD_KEYS = ['threshold', 'thresholdBytes', 'log10Limit', 'sequentialRun', 'minSwitches'];

function first(evidence: Record<string, unknown>, keys: string[]): [string, unknown] | undefined {
  for (const key of keys) if (evidence[key] !== undefined && evidence[key] !== null) return [key, evidence[key]];
  return undefined;
}

/** observation.value is a string_t: numbers and words as they are, objects as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function anomalyAnalyses(alert: Alert): Array<Record<string, unknown>> {
  const ev = alert.evidence;
  const pattern = typeof ev.pattern === 'string' ? ev.pattern : alert.detector;
  const observed = first(ev, OBSERVED_KEYS);
  const baseline = first(ev, BASELINE_KEYS);
  const threshold = first(ev, THRESHOLD_KEYS);
  const parameter = observed?.[0] ?? pattern;
  const timespan = { start_time: Date.parse(alert.firstSeen), end_time: Date.parse(alert.lastSeen) };
  const baselines = [
    ...(baseline === undefined ? [] : [{ observation_parameter: parameter, observation_type: baseline[0], observations: [{ value: text(baseline[1]) }] }]),
    ...(threshold === undefined ? [] : [{ observation_parameter: parameter, observation_type: threshold[0], observations: [{ value: text(threshold[1]) }] }]),
  ];
  return [
    {
      analysis_targets: [
        { name: alert.principal, type: 'Principal' },
        { name: alert.route, type: 'API Route' },
      ],
      anomalies: [
        {
          observation_parameter: parameter,
          observed_pattern: pattern,
          // Without a measured value the one-sentence summary is the observation.
          observations: [{ value: observed === undefined ? alert.summary : text(observed[1]), count: alert.count, timespan }],
        },
      ],
      ...(baselines.length === 0 ? {} : { baselines }),
    },
  ];
}
