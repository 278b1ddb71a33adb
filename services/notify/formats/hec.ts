// Splunk HTTP Event Collector: the /services/collector/event envelope and what HEC's replies mean.
// Reply codes from Splunk's "Troubleshoot HTTP Event Collector" table: 0 Success, 4 Invalid token,
// 6 Invalid data format, 9 Server is busy, ...; HTTP status carries the retry decision.
import type { Alert } from '../../../libs/contracts/index.js';

export interface HecEnvelope {
  /** Event time in epoch seconds with milliseconds: the alert's lastSeen (event time). */
  time: number;
  host: string;
  source: 'vigil';
  sourcetype: 'vigil:alert';
  /** The alert, plus its idempotency key so searches can deduplicate (`dedup idempotencyKey`). */
  event: Alert & { idempotencyKey: string };
}

export function hecEnvelope(alert: Alert, opts: { host: string; idempotencyKey: string }): HecEnvelope {
  return {
    time: Date.parse(alert.lastSeen) / 1000,
    host: opts.host,
    source: 'vigil',
    sourcetype: 'vigil:alert',
    event: { ...alert, idempotencyKey: opts.idempotencyKey },
  };
}

export interface HecReply {
  text?: string;
  code?: number;
}

/** HEC's JSON reply (`{"text":"Success","code":0}`), or {} when the body is not one (a proxy's page). */
export function parseHecReply(body: string): HecReply {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { text, code } = parsed as Record<string, unknown>;
    return { ...(typeof text === 'string' ? { text } : {}), ...(typeof code === 'number' ? { code } : {}) };
  } catch {
    return {};
  }
}

/** "Invalid token (HEC code 4)", for delivery errors an admin reads. */
export function describeHecReply(reply: HecReply, status: number, body: string): string {
  if (reply.text === undefined && reply.code === undefined) return `HTTP ${status}: ${body.slice(0, 200)}`;
  return `HTTP ${status}: ${reply.text ?? 'no text'} (HEC code ${reply.code ?? 'none'})`;
}
