// ArcSight Common Event Format (CEF 0, "Implementing ArcSight CEF" rev. 25) in an RFC 5424 syslog
// message, framed for TCP by octet counting (RFC 6587 §3.4.1), which rsyslog's imtcp reads by
// default and which cannot be confused by any byte inside a message.
import { isIPv4, isIPv6 } from 'node:net';
import type { Alert, Severity } from '../../../libs/contracts/index.js';

/** CEF severity 0-10: Low 0-3, Medium 4-6, High 7-8, Very-High 9-10. */
const CEF_SEVERITY: Record<Severity, number> = { low: 3, medium: 5, high: 8, critical: 10 };
/** Syslog severities (RFC 5424 §6.2.1): critical 2, error 3, warning 4, notice 5. */
const SYSLOG_SEVERITY: Record<Severity, number> = { low: 5, medium: 4, high: 3, critical: 2 };
/** Facility 10, security/authorization messages (authpriv). */
const FACILITY = 10;

/** A header field: backslash and pipe escaped; a line break has no escape in the header, so it becomes a space. */
export function escapeCefHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

/** An extension value: backslash and equals escaped, line breaks as the two characters `\n` / `\r`. */
export function escapeCefValue(value: string): string {
  return value.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');
}

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

export interface CefOptions {
  /** Vigil's version: Device Version. */
  version: string;
  idempotencyKey: string;
}

/** The CEF record of an alert: one line, whatever the alert holds. */
export function formatCef(alert: Alert, opts: CefOptions): string {
  const method = typeof alert.evidence.method === 'string' ? alert.evidence.method : undefined;
  const ip = alert.sourceIps[0];
  const ext: Array<[string, string | number | undefined]> = [
    ['rt', Date.parse(alert.lastSeen)],
    ['start', Date.parse(alert.firstSeen)],
    ['end', Date.parse(alert.lastSeen)],
    // src is an IPv4 field; an IPv6 source goes to the labelled c6a2 (Source IPv6 Address).
    ['src', ip !== undefined && isIPv4(ip) ? ip : undefined],
    ['c6a2', ip !== undefined && isIPv6(ip) ? ip : undefined],
    ['c6a2Label', ip !== undefined && isIPv6(ip) ? 'Source IPv6 Address' : undefined],
    ['suser', alert.principal],
    ['requestClientApplication', alert.app],
    ['requestMethod', method],
    ['request', alert.route],
    ['cat', alert.owasp],
    ['cs1Label', 'owasp'],
    ['cs1', alert.owasp],
    ['cs2Label', 'alertId'],
    ['cs2', alert.id],
    ['cs3Label', 'status'],
    ['cs3', alert.status],
    ['cn1Label', 'count'],
    ['cn1', alert.count],
    ['cnt', alert.count],
    ['cfp1Label', 'confidence'],
    ['cfp1', alert.confidence],
    ['externalId', opts.idempotencyKey],
    ['msg', clip(alert.summary, 1023)],
  ];
  const extension = ext
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${escapeCefValue(String(v))}`)
    .join(' ');
  const header = ['CEF:0', 'Vigil', 'Vigil', opts.version, alert.detector, clip(alert.summary, 512), String(CEF_SEVERITY[alert.severity])];
  return `${header.map((h, i) => (i === 0 ? h : escapeCefHeader(h))).join('|')}|${extension}`;
}

/** RFC 5424 HOSTNAME: printable US-ASCII without spaces, at most 255, `-` when nothing is left. */
function syslogHostname(host: string): string {
  const clean = host.replace(/[^\x21-\x7e]/g, '').slice(0, 255);
  return clean === '' ? '-' : clean;
}

/** `<PRI>1 TIMESTAMP HOSTNAME vigil - - - MSG` (no structured data; MSG is the CEF record). */
export function syslogMessage(msg: string, opts: { severity: Severity; hostname: string; now: Date }): string {
  const pri = FACILITY * 8 + SYSLOG_SEVERITY[opts.severity];
  return `<${pri}>1 ${opts.now.toISOString()} ${syslogHostname(opts.hostname)} vigil - - - ${msg}`;
}

/** RFC 6587 octet counting: `<byte length> <message>`, no trailer. */
export function octetCountedFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
