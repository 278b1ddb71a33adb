import { LitElement, html, type PropertyValues } from 'lit';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Drawn as a dashed line (e.g. a baseline mean). */
  dash?: boolean;
  /** Hidden line that only bounds a band. */
  bandOnly?: boolean;
}

export interface ChartConfig {
  /** Accessible description of what the chart shows (the chart itself is a picture). */
  label: string;
  /** Unix seconds. */
  xs: number[];
  series: ChartSeries[];
  /** A shaded band between two series (indexes into `series`), e.g. the baseline's low..high. */
  band?: { upper: number; lower: number; color: string };
  /** A shaded time window (unix seconds), e.g. the alert's firstSeen..lastSeen. */
  window?: { from: number; to: number; color: string };
  yLabel?: string;
  height?: number;
}

/**
 * A uPlot chart in light DOM (uPlot's stylesheet is a global, bundled CSS file). uPlot draws on a
 * canvas and sets styles through the CSSOM, which the strict CSP allows.
 */
export class VigilChart extends LitElement {
  static override properties = { config: { attribute: false } };
  declare config: ChartConfig | undefined;
  private plot: uPlot | undefined;
  private resize: ResizeObserver | undefined;

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize = new ResizeObserver(() => {
      const box = this.querySelector<HTMLElement>('.chart-box');
      if (this.plot && box) this.plot.setSize({ width: Math.max(box.clientWidth, 200), height: this.config?.height ?? 240 });
    });
    this.resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }

  protected override render() {
    return html`<div class="chart-box" role="img" aria-label=${this.config?.label ?? 'chart'}></div>`;
  }

  protected override updated(changed: PropertyValues): void {
    if (!changed.has('config')) return;
    this.plot?.destroy();
    this.plot = undefined;
    const c = this.config;
    const box = this.querySelector<HTMLElement>('.chart-box');
    if (!c || !box) return;
    const win = c.window;
    const opts: uPlot.Options = {
      width: Math.max(box.clientWidth, 200),
      height: c.height ?? 240,
      scales: { x: { time: true } },
      // Axis labels in UTC, like every time the console shows.
      tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      axes: [{ stroke: '#1f2933' }, { stroke: '#1f2933', label: c.yLabel ?? '' }],
      series: [
        {},
        ...c.series.map((s) => ({
          label: s.label,
          stroke: s.bandOnly ? 'transparent' : s.color,
          width: s.bandOnly ? 0 : 2,
          // Few points (an hourly timeline of a short burst) read better as dots than as a ramp.
          points: { show: !s.bandOnly && c.xs.length <= 40 },
          ...(s.dash ? { dash: [6, 4] } : {}),
        })),
      ],
      ...(c.band ? { bands: [{ series: [c.band.upper + 1, c.band.lower + 1] as [number, number], fill: c.band.color }] } : {}),
      hooks: win
        ? {
            drawAxes: [
              (u: uPlot) => {
                const x0 = u.valToPos(win.from, 'x', true);
                const x1 = Math.max(u.valToPos(win.to, 'x', true), x0 + 2);
                u.ctx.save();
                u.ctx.fillStyle = win.color;
                u.ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
                u.ctx.restore();
              },
            ],
          }
        : {},
    };
    const data = [c.xs, ...c.series.map((s) => s.values)] as uPlot.AlignedData;
    this.plot = new uPlot(opts, data, box);
  }
}

customElements.define('vigil-chart', VigilChart);

/** ISO times to the unix seconds uPlot's x axis takes. */
export const toSeconds = (iso: string): number => Date.parse(iso) / 1000;

/** A colour-blind-safe palette (Okabe-Ito), dark enough to read on white. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C564B', '#7F7F7F', '#17BECF', '#BCBD22', '#9467BD'];
