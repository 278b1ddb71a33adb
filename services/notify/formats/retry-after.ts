/**
 * Retry-After (RFC 9110 §10.2.3) in milliseconds from `now`: delay-seconds or an HTTP-date.
 * Undefined when absent or unreadable; a date in the past is 0 (retry at once).
 */
export function retryAfterMs(header: string | string[] | undefined, now: Date): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // NOTE: Date.parse accepts many shapes; an HTTP-date always names its weekday and "GMT".
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
