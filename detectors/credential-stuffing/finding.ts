import type { Finding, NormalizedEvent, Severity } from '../../libs/contracts/index.js';
import { findingAbout } from '../framework.js';

export interface FindingInput {
  severity: Severity;
  /** Who the alert is about: the event's principal unless the evidence is keyed otherwise (an IP, a subnet). */
  principal?: string;
  summary: string;
  /** Must hold `pattern` and `confidence`, with the observed value, baseline and window. */
  evidence: Record<string, unknown> & { pattern: string; confidence: number };
}

/** A finding for `event`, shared by the D3 detectors so every one carries the same fields. */
export function makeFinding(detector: string, owasp: string, event: NormalizedEvent, f: FindingInput): Finding {
  return {
    detector,
    owasp,
    severity: f.severity,
    ...findingAbout(event, f.principal ?? event.principal.id),
    summary: f.summary,
    evidence: f.evidence,
    confidence: f.evidence.confidence,
  };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
