import { createRandom } from '../../scripts/traffic.js';
import type { SimFormat } from './simulate.js';

/**
 * Rewrites simulated log lines the way a gateway writes them: each request gets a latency drawn
 * from a heavy-tailed distribution (median 150 ms, ~3 % over 2.5 s, p99 ~5 s, capped at 30 s), and
 * the lines are ordered by when the request completed, not when it started.
 *
 * Why: the simulator writes lines in start order with latencies of a few ms, but Kong's log plugins
 * and Envoy's access log write each line when its response is done, while the event time they
 * carry (`started_at`, `start_time`) is the start. So real input reaches Vigil out of event-time
 * order by up to the slowest request's latency. `npm run eval -- --completion-order` measures
 * detection on such input (docs/detection-quality.md).
 *
 * nginx lines are returned unchanged: nginx's `$msec` is the completion time itself and its lines
 * are written in that order, so they are in event-time order already.
 */
export function completionOrder(lines: readonly string[], format: SimFormat, seed: number): string[] {
  if (format === 'nginx') return [...lines];
  const rnd = createRandom(seed ^ 0x2545f491);
  const timed = lines.map((line, index) => {
    const o = JSON.parse(line) as Record<string, unknown>;
    const ms = latencyMs(rnd.next(), rnd.next());
    let start: number;
    if (format === 'kong') {
      start = o.started_at as number;
      o.latencies = { request: ms, kong: 1, proxy: ms - 1 };
    } else {
      start = Date.parse(o.start_time as string);
      o.duration = ms;
      o.upstream_service_time = String(ms - 1);
    }
    return { line: JSON.stringify(o), end: start + ms, index };
  });
  // Ties keep the simulator's order, so the output depends on the seed alone.
  timed.sort((a, b) => a.end - b.end || a.index - b.index);
  return timed.map((t) => t.line);
}

/** Log-normal (Box-Muller over two uniforms): median 150 ms, sigma 1.5, between 2 ms and 30 s. */
export function latencyMs(u1: number, u2: number): number {
  const normal = Math.sqrt(-2 * Math.log(Math.max(Number.MIN_VALUE, u1))) * Math.cos(2 * Math.PI * u2);
  return Math.min(30_000, Math.max(2, Math.round(150 * Math.exp(1.5 * normal))));
}
