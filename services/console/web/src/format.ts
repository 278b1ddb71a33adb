/** Display helpers shared by the pages. Times are shown in UTC, as the API and the SIEM give them. */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function fmtNumber(n: number): string {
  return n.toLocaleString('en-US');
}

/** datetime-local input value (read as UTC) to the ISO 8601 the API takes, and back. */
export function localInputToIso(v: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) return undefined;
  return `${v.length === 16 ? `${v}:00` : v}.000Z`;
}

export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 16);
}

export const STATUS_LABEL: Record<string, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  false_positive: 'False positive',
};

export const OWASP_CATEGORIES = Array.from({ length: 10 }, (_, i) => `API${i + 1}:2023`);
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const STATUSES = ['open', 'acknowledged', 'resolved', 'false_positive'] as const;
