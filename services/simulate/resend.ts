/**
 * Rewrites simulated log lines the way an at-least-once log shipper delivers them after restarts:
 * every `every` lines, the last `count` lines are sent again (what it had not had acknowledged), so
 * each of those requests reaches Vigil twice, the second time late by up to `count` lines of traffic.
 * `npm run eval -- --resend N` measures detection on it (docs/detection-quality.md).
 */
export function resend(lines: readonly string[], every: number, count: number): string[] {
  if (!Number.isInteger(every) || every < 1 || !Number.isInteger(count) || count < 0) throw new RangeError('resend: every >= 1 and count >= 0, integers');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i] as string);
    if ((i + 1) % every === 0) out.push(...lines.slice(Math.max(0, i + 1 - count), i + 1));
  }
  return out;
}
