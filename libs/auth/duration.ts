const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * `90s`, `15m`, `24h`, `30d`, `2w` (or a bare number of seconds) to seconds; undefined when the
 * text is none of these. Used by `vigil keys --expires-in/--grace`.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})([smhdw]?)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * (UNITS[m[2] || 's'] as number);
}
